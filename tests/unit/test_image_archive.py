"""Local images: docker-archive and OCI layout read into manifests and digests; bad ones named."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from scripts import build_sample_image
from scripts.image_archive import ImageArchiveError, find, images, split_reference

SAMPLE = (Path(__file__).resolve().parents[1] / "integration" / "fixtures" / "test_data"
          / "sample-image.tar")


def test_the_committed_sample_image_is_what_the_script_builds() -> None:
    assert build_sample_image.build() == SAMPLE.read_bytes()
    assert build_sample_image.build(variant="x") != SAMPLE.read_bytes()


def test_docker_archive_gives_manifest_config_and_layers_with_digests() -> None:
    [image] = list(images(SAMPLE))
    assert image.reference == "backstage:latest"
    manifest = json.loads(image.manifest)
    assert image.digest == "sha256:" + hashlib.sha256(image.manifest).hexdigest()
    assert manifest["config"]["digest"] == image.config.digest
    assert [layer["digest"] for layer in manifest["layers"]] == [b.digest for b in image.layers]
    for blob in (image.config, *image.layers):
        data = blob.read()
        assert len(data) == blob.size and blob.digest.endswith(hashlib.sha256(data).hexdigest())


def test_oci_layout_directory(tmp_path: Path) -> None:
    [docker] = list(images(SAMPLE))
    layout = tmp_path / "backstage"
    blobs = layout / "blobs" / "sha256"
    blobs.mkdir(parents=True)
    for data in (docker.manifest, docker.config.read(), *(b.read() for b in docker.layers)):
        (blobs / hashlib.sha256(data).hexdigest()).write_bytes(data)
    (layout / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    (layout / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [{
        "mediaType": docker.media_type, "digest": docker.digest, "size": len(docker.manifest),
        "annotations": {"org.opencontainers.image.ref.name": "latest"}}]}))
    [oci] = list(images(layout))
    assert (oci.reference, oci.digest) == ("backstage:latest", docker.digest)
    assert find("backstage:latest", [tmp_path]).digest == docker.digest

    (blobs / docker.layers[0].digest.removeprefix("sha256:")).write_bytes(b"tampered")
    with pytest.raises(ImageArchiveError, match="does not match its digest"):
        oci.layers[0].read()


@pytest.mark.parametrize("cut", [700, 15000, 30000])
def test_truncated_archives_are_named(tmp_path: Path, cut: int) -> None:
    message = "truncated or unreadable|missing from the image|not a readable tar"
    broken = tmp_path / "broken.tar"
    broken.write_bytes(SAMPLE.read_bytes()[:cut])
    with pytest.raises(ImageArchiveError, match=message) as raised:
        for image in images(broken):
            for blob in image.layers:
                blob.read()
    assert str(broken) in str(raised.value)


def test_not_an_archive(tmp_path: Path) -> None:
    junk = tmp_path / "junk.tar"
    junk.write_text("not a tar at all")
    with pytest.raises(ImageArchiveError, match="not a readable tar archive"):
        list(images(junk))


def test_missing_image_names_where_it_looked(tmp_path: Path) -> None:
    with pytest.raises(ImageArchiveError, match=r"no local image backstage:v2 in"):
        find("backstage:v2", [SAMPLE])


@pytest.mark.parametrize(("reference", "expected"), [
    ("backstage:latest", ("backstage", "latest")),
    ("backstage", ("backstage", "latest")),
    ("docker.io/library/backstage:1.2", ("backstage", "1.2")),
    ("localhost:5000/team/app:dev", ("team/app", "dev")),
])
def test_split_reference(reference: str, expected: tuple[str, str]) -> None:
    assert split_reference(reference) == expected
