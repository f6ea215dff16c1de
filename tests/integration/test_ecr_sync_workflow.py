"""ECR sync: parser -> pusher -> registry. The image lands in ECR; a second sync skips it."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest

from scripts import build_sample_image
from scripts.ecr_sync import sync_images

from .conftest import TEST_DATA

pytestmark = pytest.mark.vcr
SAMPLE = TEST_DATA / "sample-image.tar"


@pytest.fixture(autouse=True)
def local_archives(monkeypatch: pytest.MonkeyPatch) -> None:
    """The workflow looks for local images here: the committed sample image."""
    monkeypatch.setenv("ECR_SYNC_ARCHIVES", str(TEST_DATA))


@pytest.fixture
def repository(isolated_namespace: str, cleanup: Callable[[Callable[[], Any]], None]) -> str:
    """The test's own ECR namespace; its backstage repository is removed afterwards."""
    ecr = boto3.client("ecr")

    def remove() -> None:
        with contextlib.suppress(ecr.exceptions.RepositoryNotFoundException):
            ecr.delete_repository(repositoryName=f"{isolated_namespace}/backstage", force=True)

    cleanup(remove)
    return f"{isolated_namespace}/"


class TestECRSyncWorkflow:
    """Integration tests for the ECR sync workflow."""

    def test_sync_pushes_new_image(self, repository: str) -> None:
        """A new image is pushed to ECR: repository created, layers uploaded, tag set."""
        result = sync_images(source="local", target="aws", image="backstage:latest",
                             repository_prefix=repository)
        assert result.pushed == 1 and result.failed == 0
        [outcome] = result.outcomes
        assert outcome.layers_uploaded == 3  # config and two layers
        ecr = boto3.client("ecr")
        [detail] = ecr.describe_images(repositoryName=f"{repository}backstage")["imageDetails"]
        assert detail["imageDigest"] == outcome.digest and detail["imageTags"] == ["latest"]
        found = ecr.describe_repositories(repositoryNames=[f"{repository}backstage"])
        assert found["repositories"][0]["imageScanningConfiguration"]["scanOnPush"] is True

    def test_sync_skips_existing_image(self, repository: str) -> None:
        """An image already in ECR with the same digest is skipped."""
        sync_images(source="local", target="aws", image="backstage:latest",
                    repository_prefix=repository)
        result = sync_images(source="local", target="aws", image="backstage:latest",
                             repository_prefix=repository)
        assert result.pushed == 0
        assert result.skipped == 1

    def test_tag_held_by_another_digest_fails_unless_overwrite(
            self, repository: str, tmp_path: Path) -> None:
        other = tmp_path / "other.tar"
        other.write_bytes(build_sample_image.build(variant=" (rebuilt)"))
        sync_images(image="backstage:latest", archive=other, repository_prefix=repository)

        refused = sync_images(image="backstage:latest", repository_prefix=repository)
        assert refused.failed == 1 and "holds another digest" in refused.outcomes[0].detail
        moved = sync_images(image="backstage:latest", repository_prefix=repository,
                            overwrite=True)
        assert moved.pushed == 1 and "tag moved from sha256:" in moved.outcomes[0].detail

    def test_immutable_tag_is_never_moved(self, repository: str, tmp_path: Path) -> None:
        ecr = boto3.client("ecr")
        ecr.create_repository(repositoryName=f"{repository}backstage",
                              imageTagMutability="IMMUTABLE")
        other = tmp_path / "other.tar"
        other.write_bytes(build_sample_image.build(variant=" (rebuilt)"))
        sync_images(image="backstage:latest", archive=other, repository_prefix=repository)

        result = sync_images(image="backstage:latest", repository_prefix=repository,
                             overwrite=True)
        assert result.failed == 1 and "immutable" in result.outcomes[0].detail

    def test_missing_repository_fails_clearly_when_creation_is_off(self, repository: str) -> None:
        result = sync_images(image="backstage:latest", repository_prefix=repository,
                             create_repository=False)
        assert result.failed == 1
        assert f"repository {repository}backstage does not exist" in result.outcomes[0].detail

    def test_truncated_archive_fails_without_any_aws_call(self, tmp_path: Path) -> None:
        broken = tmp_path / "broken.tar"
        broken.write_bytes(SAMPLE.read_bytes()[:15000])
        result = sync_images(image="backstage:latest", archive=broken)
        assert result.failed == 1 and "broken.tar" in result.outcomes[0].detail

    def test_layers_already_in_ecr_are_not_uploaded_again(self, repository: str,
                                                          tmp_path: Path) -> None:
        """A bigger build of the same image shares its first two layers with the one pushed."""
        sync_images(image="backstage:latest", repository_prefix=repository)
        grown = tmp_path / "grown.tar"
        grown.write_bytes(build_sample_image.build(layers=3))
        result = sync_images(image="backstage:latest", archive=grown,
                             repository_prefix=repository, overwrite=True)
        [outcome] = result.outcomes
        assert (outcome.status, outcome.layers_uploaded) == ("pushed", 2)  # config, layer 3
        assert outcome.detail.startswith("2 blob(s) uploaded; tag moved from sha256:")

    def test_layers_go_up_in_parts_of_the_given_size(self, repository: str) -> None:
        result = sync_images(image="backstage:latest", repository_prefix=repository,
                             part_size=4096)
        assert result.pushed == 1
        ecr = boto3.client("ecr")
        manifest = json.loads(ecr.batch_get_image(
            repositoryName=f"{repository}backstage",
            imageIds=[{"imageTag": "latest"}])["images"][0]["imageManifest"])
        digests = [manifest["config"]["digest"], *(d["digest"] for d in manifest["layers"])]
        checked = ecr.batch_check_layer_availability(
            repositoryName=f"{repository}backstage", layerDigests=digests)
        assert [layer["layerAvailability"] for layer in checked["layers"]] == ["AVAILABLE"] * 3
        assert checked["failures"] == []

    def test_one_missing_image_fails_alone_among_several(self, repository: str) -> None:
        result = sync_images(image=["nope:1", "backstage:latest"],
                             repository_prefix=repository)
        assert [(o.image, o.status) for o in result.outcomes] == [
            ("nope:1", "failed"), ("backstage:latest", "pushed")]
        assert not result.ok

    def test_archives_are_looked_up_in_each_configured_place(
            self, repository: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        empty = tmp_path / "empty"
        empty.mkdir()
        monkeypatch.setenv("ECR_SYNC_ARCHIVES", f"{empty}::{SAMPLE}")
        assert sync_images(image="backstage:latest", repository_prefix=repository).pushed == 1


@pytest.mark.parametrize(("source", "target"), [("docker", "aws"), ("local", "gcr")])
def test_only_local_to_aws_is_supported(source: str, target: str) -> None:
    with pytest.raises(ValueError, match=f"sync from '{source}' to '{target}': only local -> "
                                         "aws is supported"):
        sync_images(source=source, target=target)


def test_without_configuration_archives_come_from_the_images_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ECR_SYNC_ARCHIVES")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "backstage.tar").write_bytes(SAMPLE.read_bytes())
    [outcome] = sync_images(dry_run=True).outcomes  # backstage:latest, under no prefix
    assert (outcome.image, outcome.status, outcome.detail, outcome.repository) == (
        "backstage:latest", "planned", "3 blobs, from images/backstage.tar", "backstage")
