"""ECR sync: parser -> pusher -> registry. The image lands in ECR; a second sync skips it."""

from __future__ import annotations

import contextlib
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
