"""Local container images, as ``docker save`` writes them or as an OCI image layout.

A docker-archive tar holds ``manifest.json`` (config and layer paths per image, with its
``RepoTags``); an OCI layout (a directory, or a tar of one) holds ``index.json`` and
content-addressed ``blobs/sha256/``. Either way the image comes out as a registry manifest and
its blobs with their sha256 digests. Layers are pushed as they are stored (no recompression),
so the digests never depend on the machine's zlib.
"""

from __future__ import annotations

import hashlib
import json
import tarfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"
OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
REF_NAME = "org.opencontainers.image.ref.name"


class ImageArchiveError(Exception):
    """A local image that cannot be read: says which file and what is wrong with it."""


@dataclass(frozen=True)
class Blob:
    digest: str  # sha256:<hex>
    size: int
    media_type: str
    read: Callable[[], bytes]


@dataclass(frozen=True)
class LocalImage:
    repository: str
    tag: str
    manifest: bytes  # exactly the bytes pushed; the image digest is their sha256
    media_type: str
    config: Blob
    layers: tuple[Blob, ...]
    source: str

    @property
    def digest(self) -> str:
        return _digest(self.manifest)

    @property
    def reference(self) -> str:
        return f"{self.repository}:{self.tag}"


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def split_reference(reference: str) -> tuple[str, str]:
    """``backstage:latest`` -> (backstage, latest); a registry host and ``library/`` dropped."""
    name, _, tag = reference.rpartition(":") if ":" in reference.rsplit("/", 1)[-1] \
        else (reference, "", "latest")
    parts = name.split("/")
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        parts = parts[1:]
    if parts[:1] == ["library"] and len(parts) > 1:
        parts = parts[1:]
    return "/".join(parts), tag or "latest"


class _Files:
    """Read access to the files of a tar or a directory, with errors that name the source."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tar: tarfile.TarFile | None = None
        if path.is_file():
            try:
                # Kept open: layers are read only when pushed, and only the missing ones.
                self.tar = tarfile.open(path)  # noqa: SIM115
                self.names = {m.name.removeprefix("./"): m for m in self.tar.getmembers()
                              if m.isfile()}
            except (tarfile.TarError, EOFError, OSError) as error:
                raise ImageArchiveError(f"{path}: not a readable tar archive ({error}); "
                                        "save it again with `docker save -o`") from None

    def exists(self, name: str) -> bool:
        return name in self.names if self.tar is not None else (self.path / name).is_file()

    def read(self, name: str) -> bytes:
        try:
            if self.tar is not None:
                member = self.tar.extractfile(self.names[name])
                if member is None:
                    raise KeyError(name)
                data = member.read()
                if len(data) != self.names[name].size:
                    raise EOFError
                return data
            return (self.path / name).read_bytes()
        except KeyError:
            raise ImageArchiveError(f"{self.path}: {name} is missing from the image") from None
        except (tarfile.TarError, EOFError, OSError, ValueError):
            raise ImageArchiveError(f"{self.path}: {name} is truncated or unreadable; save the "
                                    "image again") from None

    def json(self, name: str) -> Any:
        try:
            return json.loads(self.read(name))
        except ValueError:
            raise ImageArchiveError(f"{self.path}: {name} is not valid JSON") from None


def images(path: str | Path) -> Iterator[LocalImage]:
    """Every tagged image in a docker-archive tar or an OCI layout."""
    files = _Files(Path(path))
    if files.exists("index.json") and files.exists("oci-layout"):
        yield from _oci_images(files)
    elif files.exists("manifest.json"):
        yield from _docker_images(files)
    else:
        raise ImageArchiveError(f"{path}: neither a docker-archive (manifest.json) nor an OCI "
                                "layout (oci-layout, index.json)")


def find(reference: str, places: list[Path]) -> LocalImage:
    """The image ``reference`` from the first archive or layout among ``places`` that has it."""
    repository, tag = split_reference(reference)
    candidates = [p for place in places for p in
                  ([place] if place.is_file() or (place / "index.json").is_file()
                   else sorted([*place.glob("*.tar"), *place.glob("*/index.json")]))]
    errors = []
    for candidate in candidates:
        target = candidate.parent if candidate.name == "index.json" else candidate
        try:
            for image in images(target):
                if (image.repository, image.tag) == (repository, tag):
                    return image
        except ImageArchiveError as error:
            errors.append(str(error))
    if errors and len(errors) == len(candidates):
        raise ImageArchiveError("; ".join(errors))
    searched = ", ".join(str(p) for p in places)
    raise ImageArchiveError(f"no local image {repository}:{tag} in {searched}")


def _docker_images(files: _Files) -> Iterator[LocalImage]:
    entries = files.json("manifest.json")
    if not isinstance(entries, list):
        raise ImageArchiveError(f"{files.path}: manifest.json must be a list of images")
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("Config"), str):
            raise ImageArchiveError(f"{files.path}: a manifest.json entry has no Config")
        config_data = files.read(entry["Config"])
        config = Blob(_digest(config_data), len(config_data), OCI_CONFIG, _constant(config_data))
        layers = tuple(_docker_layer(files, name) for name in entry.get("Layers", []))
        manifest = _manifest_bytes(config, layers)
        for reference in entry.get("RepoTags") or []:
            repository, tag = split_reference(reference)
            yield LocalImage(repository, tag, manifest, OCI_MANIFEST, config, layers,
                             str(files.path))


def _constant(data: bytes) -> Callable[[], bytes]:
    return lambda: data


def _docker_layer(files: _Files, name: str) -> Blob:
    data = files.read(name)
    media_type = OCI_LAYER_GZIP if data[:2] == b"\x1f\x8b" else OCI_LAYER
    return Blob(_digest(data), len(data), media_type, lambda: files.read(name))


def _manifest_bytes(config: Blob, layers: tuple[Blob, ...]) -> bytes:
    manifest = {
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": config.media_type, "digest": config.digest,
                   "size": config.size},
        "layers": [{"mediaType": b.media_type, "digest": b.digest, "size": b.size}
                   for b in layers],
    }
    return json.dumps(manifest, separators=(",", ":")).encode()


def _oci_images(files: _Files) -> Iterator[LocalImage]:
    for descriptor in files.json("index.json").get("manifests", []):
        annotations = descriptor.get("annotations") or {}
        reference = annotations.get("io.containerd.image.name") or annotations.get(REF_NAME)
        if not reference:
            continue
        if ":" not in reference and "/" not in reference:  # a bare tag: the layout names it
            reference = f"{files.path.name.removesuffix('.tar')}:{reference}"
        manifest = _oci_blob(files, descriptor["digest"])
        try:
            document = json.loads(manifest)
            config = _oci_descriptor(files, document["config"])
            layers = tuple(_oci_descriptor(files, d) for d in document.get("layers", []))
        except (ValueError, KeyError, TypeError):
            raise ImageArchiveError(f"{files.path}: manifest {descriptor['digest']} is not an "
                                    "image manifest") from None
        repository, tag = split_reference(reference)
        yield LocalImage(repository, tag, manifest,
                         descriptor.get("mediaType", OCI_MANIFEST), config, layers,
                         str(files.path))


def _oci_blob(files: _Files, digest: str) -> bytes:
    algorithm, _, hexdigest = digest.partition(":")
    data = files.read(f"blobs/{algorithm}/{hexdigest}")
    if _digest(data) != digest:
        raise ImageArchiveError(f"{files.path}: blob {digest} does not match its digest")
    return data


def _oci_descriptor(files: _Files, descriptor: dict[str, Any]) -> Blob:
    digest = descriptor["digest"]
    return Blob(digest, int(descriptor["size"]), descriptor["mediaType"],
                lambda: _oci_blob(files, digest))
