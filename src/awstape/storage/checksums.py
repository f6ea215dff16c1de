"""Checksum headers follow the body they describe: when redaction changes a body (a secret
faked at save, linked back at replay), its ``x-amz-checksum-*`` headers are computed again, so
botocore's validation holds and no checksum of a secret's body is kept."""

from __future__ import annotations

import base64
import hashlib
import zlib
from collections.abc import Callable, Mapping

__all__ = ["refreshed"]

_PREFIX = "x-amz-checksum-"
_DIGESTS: dict[str, Callable[[bytes], bytes]] = {
    "crc32": lambda data: zlib.crc32(data).to_bytes(4, "big"),
    "sha1": lambda data: hashlib.sha1(data).digest(),
    "sha256": lambda data: hashlib.sha256(data).digest(),
    "sha512": lambda data: hashlib.sha512(data).digest(),
}


def refreshed(headers: Mapping[str, str], body: bytes) -> dict[str, str]:
    """``headers`` with each full-object checksum computed for ``body``; one that cannot be
    computed here (CRC32C, CRC64NVME, a multipart composite) is left out."""
    out = {}
    for name, value in headers.items():
        algorithm = name.lower().removeprefix(_PREFIX)
        if name.lower().startswith(_PREFIX) and algorithm != "type":
            digest = _DIGESTS.get(algorithm)
            if digest is None or "-" in value:
                continue
            value = base64.b64encode(digest(body)).decode("ascii")
        out[name] = value
    return out
