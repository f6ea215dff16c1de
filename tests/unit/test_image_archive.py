"""Local images: docker-archive and OCI layout read into manifests and digests; bad ones named."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest

from scripts import build_sample_image
from scripts.image_archive import ImageArchiveError, find, images, split_reference

SAMPLE = (Path(__file__).resolve().parents[1] / "integration" / "fixtures" / "test_data"
          / "sample-image.tar")


# Archives as other tools write them, made here.

def tar_of(files: dict[str, bytes], prefix: str = "") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(prefix + name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def sample_files() -> dict[str, bytes]:
    with tarfile.open(SAMPLE) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()  # type: ignore[union-attr]
                if m.isfile()}


def oci_layout(folder: Path, descriptors: list[dict[str, object]],
               manifest: bytes | None = None) -> Path:
    """An OCI layout of the sample image's blobs in ``folder``; every descriptor points at
    ``manifest`` (the sample's own by default)."""
    [docker] = list(images(SAMPLE))
    manifest = docker.manifest if manifest is None else manifest
    blobs = folder / "blobs" / "sha256"
    blobs.mkdir(parents=True)
    for data in (manifest, docker.config.read(), *(b.read() for b in docker.layers)):
        (blobs / hashlib.sha256(data).hexdigest()).write_bytes(data)
    (folder / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    digest = "sha256:" + hashlib.sha256(manifest).hexdigest()
    (folder / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [
        {"digest": digest, "size": len(manifest), **d} for d in descriptors]}))
    return folder


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
    layout = oci_layout(tmp_path / "backstage", [{
        "mediaType": docker.media_type,
        "annotations": {"org.opencontainers.image.ref.name": "latest"}}])
    [oci] = list(images(layout))
    assert (oci.reference, oci.digest) == ("backstage:latest", docker.digest)
    assert find("backstage:latest", [tmp_path]).digest == docker.digest

    blob = layout / "blobs" / "sha256" / docker.layers[0].digest.removeprefix("sha256:")
    blob.write_bytes(b"tampered")
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
    ("localhost:5000/app", ("app", "latest")),
    ("localhost/app", ("app", "latest")),
    ("ghcr.io/app:1", ("app", "1")),
    ("my.app:1", ("my.app", "1")),
    ("team/app:1.0", ("team/app", "1.0")),
    ("library/backstage", ("backstage", "latest")),
    ("library", ("library", "latest")),
    ("backstage:", ("backstage", "latest")),
])
def test_split_reference(reference: str, expected: tuple[str, str]) -> None:
    assert split_reference(reference) == expected


def test_tar_members_named_with_a_leading_dot_slash(tmp_path: Path) -> None:
    dotted = tmp_path / "dotted.tar"
    dotted.write_bytes(tar_of(sample_files(), prefix="./"))
    [image] = list(images(dotted))
    [sample] = list(images(SAMPLE))
    assert (image.reference, image.digest, image.source) == \
        ("backstage:latest", sample.digest, str(dotted))


def test_gzip_layers_keep_their_bytes_and_say_so(tmp_path: Path) -> None:
    files = sample_files()
    [entry] = json.loads(files["manifest.json"])
    first = entry["Layers"][0]
    files[first] = gzip.compress(files[first], mtime=0)
    archive = tmp_path / "gzip.tar"
    archive.write_bytes(tar_of(files))
    [image] = list(images(archive))
    assert [b.media_type for b in image.layers] == [
        "application/vnd.oci.image.layer.v1.tar+gzip", "application/vnd.oci.image.layer.v1.tar"]
    assert image.layers[0].read() == files[first]


@pytest.mark.parametrize(("manifest", "problem"), [
    (b'{"Config": "x.json"}', "manifest.json must be a list of images"),
    (b'["backstage"]', "a manifest.json entry has no Config"),
    (b'[{"Layers": []}]', "a manifest.json entry has no Config"),
    (b"[{", "manifest.json is not valid JSON"),
    (b'[{"Config": "absent.json"}]', "absent.json is missing from the image"),
])
def test_broken_docker_manifests_are_named(tmp_path: Path, manifest: bytes,
                                           problem: str) -> None:
    archive = tmp_path / "broken.tar"
    archive.write_bytes(tar_of({"manifest.json": manifest}))
    with pytest.raises(ImageArchiveError) as raised:
        list(images(archive))
    assert str(raised.value) == f"{archive}: {problem}"


def test_an_image_without_layers_or_tags(tmp_path: Path) -> None:
    config = b'{"os": "linux"}'
    archive = tmp_path / "bare.tar"
    archive.write_bytes(tar_of({"c.json": config, "manifest.json": json.dumps(
        [{"Config": "c.json", "RepoTags": ["bare:1"]}, {"Config": "c.json"}]).encode()}))
    [image] = list(images(archive))
    assert (image.reference, image.layers, image.config.read()) == ("bare:1", (), config)


def test_messages_for_what_is_no_image(tmp_path: Path) -> None:
    junk = tmp_path / "junk.tar"
    junk.write_text("not a tar at all")
    with pytest.raises(ImageArchiveError) as raised:
        list(images(junk))
    assert str(raised.value).startswith(f"{junk}: not a readable tar archive (")
    assert str(raised.value).endswith("); save it again with `docker save -o`")
    only_index = tmp_path / "only-index"
    only_index.mkdir()
    (only_index / "index.json").write_text('{"manifests": []}')
    with pytest.raises(ImageArchiveError) as raised:
        list(images(only_index))
    assert str(raised.value) == (f"{only_index}: neither a docker-archive (manifest.json) nor "
                                 "an OCI layout (oci-layout, index.json)")
    layout = oci_layout(tmp_path / "layout",
                           [{"annotations": {"org.opencontainers.image.ref.name": "1"}}])
    [image] = list(images(layout))
    blob = layout / "blobs" / "sha256" / image.layers[0].digest.removeprefix("sha256:")
    blob.unlink()
    blob.mkdir()  # a blob that cannot be read as a file
    with pytest.raises(ImageArchiveError) as raised:
        image.layers[0].read()
    assert str(raised.value) == (f"{layout}: blobs/sha256/{blob.name} is truncated or "
                                 "unreadable; save the image again")


def test_a_folder_with_one_broken_and_one_good_archive(tmp_path: Path) -> None:
    (tmp_path / "a-broken.tar").write_bytes(SAMPLE.read_bytes()[:700])
    (tmp_path / "b-good.tar").write_bytes(SAMPLE.read_bytes())
    assert find("backstage:latest", [tmp_path]).source == str(tmp_path / "b-good.tar")
    with pytest.raises(ImageArchiveError) as raised:
        find("backstage:v9", [tmp_path, SAMPLE])
    assert str(raised.value) == f"no local image backstage:v9 in {tmp_path}, {SAMPLE}"
    (tmp_path / "b-good.tar").write_bytes(b"junk")
    with pytest.raises(ImageArchiveError) as raised:
        find("backstage:latest", [tmp_path])
    assert str(raised.value).count("not a readable tar archive") == 2
    assert "; " + str(tmp_path / "b-good.tar") in str(raised.value)


def test_oci_names_from_containerd_or_ref_name_and_the_layout(tmp_path: Path) -> None:
    layout = oci_layout(tmp_path / "layout", [
        {"mediaType": "application/vnd.oci.image.manifest.v1+json"},  # no name: skipped
        {"annotations": {"io.containerd.image.name": "docker.io/library/backstage:1.0",
                         "org.opencontainers.image.ref.name": "1.0"}},
        {"annotations": {"org.opencontainers.image.ref.name": "team/app"}},
        {"annotations": {"org.opencontainers.image.ref.name": "app:1.0"}},
        {"annotations": {"org.opencontainers.image.ref.name": "2.0"},
         "mediaType": "application/vnd.docker.distribution.manifest.v2+json"},
    ])
    found = list(images(layout))
    assert [(i.reference, i.media_type) for i in found] == [
        ("backstage:1.0", "application/vnd.oci.image.manifest.v1+json"),
        ("team/app:latest", "application/vnd.oci.image.manifest.v1+json"),
        ("app:1.0", "application/vnd.oci.image.manifest.v1+json"),
        ("layout:2.0", "application/vnd.docker.distribution.manifest.v2+json")]
    [sample] = list(images(SAMPLE))
    assert found[0].config.read() == sample.config.read()
    assert [(b.digest, b.size, b.media_type) for b in (found[0].config, *found[0].layers)] \
        == [(b.digest, b.size, b.media_type) for b in (sample.config, *sample.layers)]
    assert found[0].source == str(layout)
    assert find("team/app", [layout]).reference == "team/app:latest"


def test_an_oci_layout_in_a_tar_is_named_after_the_file(tmp_path: Path) -> None:
    layout = oci_layout(tmp_path / "layout",
                           [{"annotations": {"org.opencontainers.image.ref.name": "3.1"}}])
    archive = tmp_path / "backstage.tar"
    with tarfile.open(archive, "w") as tar:
        tar.add(layout, arcname=".")
    assert [i.reference for i in images(archive)] == ["backstage:3.1"]


@pytest.mark.parametrize("manifest", [b'{"layers": []}', b"[1]", b"{"])
def test_an_oci_manifest_that_is_no_image_manifest(tmp_path: Path, manifest: bytes) -> None:
    layout = oci_layout(tmp_path / "layout", [
        {"annotations": {"org.opencontainers.image.ref.name": "1"}}], manifest=manifest)
    digest = "sha256:" + hashlib.sha256(manifest).hexdigest()
    with pytest.raises(ImageArchiveError) as raised:
        list(images(layout))
    assert str(raised.value) == f"{layout}: manifest {digest} is not an image manifest"


def test_an_oci_manifest_without_layers(tmp_path: Path) -> None:
    [sample] = list(images(SAMPLE))
    manifest = json.dumps({"config": {"digest": sample.config.digest, "size": sample.config.size,
                                      "mediaType": sample.config.media_type}}).encode()
    layout = oci_layout(tmp_path / "layout", [
        {"annotations": {"org.opencontainers.image.ref.name": "1"}}], manifest=manifest)
    [image] = list(images(layout))
    assert (image.layers, image.config.read()) == ((), sample.config.read())


def test_an_oci_index_without_manifests_holds_no_image(tmp_path: Path) -> None:
    layout = oci_layout(tmp_path / "layout", [])
    (layout / "index.json").write_text('{"schemaVersion": 2}')
    assert list(images(layout)) == []
    with pytest.raises(ImageArchiveError, match="no local image backstage:latest in"):
        find("backstage:latest", [layout])
