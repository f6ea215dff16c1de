"""ECR sync: push local images (docker-archive or OCI layout) to ECR, skipping what is there.

    python -m scripts.ecr_sync backstage:latest [--archive PATH] [--overwrite]
                               [--no-create-repository] [--dry-run] [--json]

For each image: the repository is found (or created, with scan on push); the tag is compared
with ECR by digest (same digest: skipped); missing layers go up through the ECR layer API;
the manifest is put. A tag held by another digest is moved only with ``overwrite``; an
immutable tag never. Archives are looked up in ``--archive``, else ``$ECR_SYNC_ARCHIVES``
(files or directories, separated by ``:``), else ``./images``.
"""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import boto3

from . import image_archive, workflow_cli
from .image_archive import ImageArchiveError, LocalImage

log = logging.getLogger("goldenpath.ecr_sync")
PART_SIZE = 5 * 1024 * 1024


ImageStatus = Literal["pushed", "skipped", "failed", "planned"]


@dataclass
class ImageOutcome:
    image: str
    status: ImageStatus
    detail: str = ""
    digest: str = ""
    repository: str = ""
    layers_uploaded: int = 0


@dataclass
class SyncResult:
    outcomes: list[ImageOutcome] = field(default_factory=list)
    dry_run: bool = False

    def _count(self, status: ImageStatus) -> int:
        return sum(o.status == status for o in self.outcomes)

    @property
    def pushed(self) -> int:
        return self._count("pushed")

    @property
    def skipped(self) -> int:
        return self._count("skipped")

    @property
    def failed(self) -> int:
        return self._count("failed")

    @property
    def ok(self) -> bool:
        return self.failed == 0

    def to_dict(self) -> dict[str, Any]:
        return {"pushed": self.pushed, "skipped": self.skipped, "failed": self.failed,
                "dryRun": self.dry_run, "ok": self.ok,
                "images": [asdict(o) for o in self.outcomes]}

    def summary(self) -> str:
        lines = [f"{o.image}: {o.status}" + (f" ({o.detail})" if o.detail else "")
                 for o in self.outcomes]
        lines.append(f"pushed {self.pushed}, skipped {self.skipped}, failed {self.failed}")
        return "\n".join(lines)


def sync_images(source: str = "local", target: str = "aws",
                image: str | Sequence[str] = "backstage:latest", *,
                archive: str | Path | None = None, repository_prefix: str = "",
                create_repository: bool = True, overwrite: bool = False,
                dry_run: bool = False, part_size: int = PART_SIZE) -> SyncResult:
    """Push local images to ECR. ``source`` is ``local`` and ``target`` is ``aws`` (the ECR
    registry of the current account and region)."""
    if source != "local" or target != "aws":
        raise ValueError(f"sync from {source!r} to {target!r}: only local -> aws is supported")
    places = _archive_places(archive)
    result = SyncResult(dry_run=dry_run)
    ecr = None if dry_run else boto3.client("ecr")
    for reference in [image] if isinstance(image, str) else list(image):
        try:
            local = image_archive.find(reference, places)
        except ImageArchiveError as error:
            result.outcomes.append(ImageOutcome(reference, "failed", str(error)))
            continue
        repository = repository_prefix + local.repository
        if ecr is None:
            result.outcomes.append(ImageOutcome(
                reference, "planned", f"{len(local.layers) + 1} blobs, from {local.source}",
                local.digest, repository))
            continue
        outcome = _sync_one(ecr, local, repository, create_repository, overwrite, part_size)
        log.info("%s: %s %s", reference, outcome.status, outcome.detail)
        result.outcomes.append(outcome)
    return result


def _archive_places(archive: str | Path | None) -> list[Path]:
    if archive is not None:
        return [Path(archive)]
    configured = os.environ.get("ECR_SYNC_ARCHIVES")
    return [Path(p) for p in configured.split(":") if p] if configured else [Path("images")]


def _sync_one(ecr: Any, local: LocalImage, repository: str, create_repository: bool,
              overwrite: bool, part_size: int) -> ImageOutcome:
    outcome = ImageOutcome(local.reference, "failed", digest=local.digest, repository=repository)
    try:
        found = ecr.describe_repositories(repositoryNames=[repository])["repositories"][0]
    except ecr.exceptions.RepositoryNotFoundException:
        if not create_repository:
            outcome.detail = (f"repository {repository} does not exist (create it, or allow "
                              "the sync to with create_repository)")
            return outcome
        found = ecr.create_repository(
            repositoryName=repository, imageScanningConfiguration={"scanOnPush": True},
            imageTagMutability="MUTABLE")["repository"]
    immutable = found.get("imageTagMutability", "MUTABLE").startswith("IMMUTABLE")
    try:
        details = ecr.describe_images(repositoryName=repository,
                                      imageIds=[{"imageTag": local.tag}])["imageDetails"]
    except ecr.exceptions.ImageNotFoundException:
        details = []
    current = details[0]["imageDigest"] if details else None
    if current == local.digest:
        outcome.status, outcome.detail = "skipped", "same digest in ECR"
        return outcome
    moved = ""
    if current is not None:
        if immutable:
            outcome.detail = (f"tag {local.tag} is immutable in {repository} and holds "
                              f"{current}; push under a new tag")
            return outcome
        if not overwrite:
            outcome.detail = (f"tag {local.tag} in {repository} holds another digest, "
                              f"{current}; pass overwrite to move it")
            return outcome
        moved = f"; tag moved from {current}"
    outcome.layers_uploaded = _upload_blobs(ecr, repository, local, part_size)
    ecr.put_image(repositoryName=repository, imageManifest=local.manifest.decode(),
                  imageManifestMediaType=local.media_type, imageTag=local.tag,
                  imageDigest=local.digest)
    outcome.status = "pushed"
    outcome.detail = f"{outcome.layers_uploaded} blob(s) uploaded{moved}"
    return outcome


def _upload_blobs(ecr: Any, repository: str, local: LocalImage, part_size: int) -> int:
    blobs = {b.digest: b for b in (local.config, *local.layers)}
    checked = ecr.batch_check_layer_availability(repositoryName=repository,
                                                 layerDigests=list(blobs))
    available = {layer["layerDigest"] for layer in checked.get("layers", [])
                 if layer.get("layerAvailability") == "AVAILABLE"}
    uploaded = 0
    for digest, blob in blobs.items():
        if digest in available:
            continue
        data = blob.read()
        upload_id = ecr.initiate_layer_upload(repositoryName=repository)["uploadId"]
        for first in range(0, len(data), part_size):
            part = data[first:first + part_size]
            ecr.upload_layer_part(repositoryName=repository, uploadId=upload_id,
                                  partFirstByte=first, partLastByte=first + len(part) - 1,
                                  layerPartBlob=part)
        ecr.complete_layer_upload(repositoryName=repository, uploadId=upload_id,
                                  layerDigests=[digest])
        uploaded += 1
    return uploaded


def main(argv: Sequence[str] | None = None) -> int:
    def arguments(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("images", nargs="+", metavar="IMAGE", help="e.g. backstage:latest")
        parser.add_argument("--archive", help="a docker-archive tar, an OCI layout, or a folder "
                                              "of them")
        parser.add_argument("--repository-prefix", default="",
                            help="put before each repository name, e.g. team/")
        parser.add_argument("--overwrite", action="store_true",
                            help="move a tag that holds another digest")
        parser.add_argument("--no-create-repository", action="store_true",
                            help="fail when the repository does not exist")

    def run(args: argparse.Namespace) -> SyncResult:
        return sync_images("local", "aws", args.images, archive=args.archive,
                           repository_prefix=args.repository_prefix,
                           create_repository=not args.no_create_repository,
                           overwrite=args.overwrite, dry_run=args.dry_run)

    return workflow_cli.main(argv, __doc__.splitlines()[0], arguments, run)


if __name__ == "__main__":
    raise SystemExit(main())
