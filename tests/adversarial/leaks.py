"""Finds canary values in what awstape wrote or printed, in every encoding a secret could take:
raw, JSON-escaped, URL-encoded, base64 (standard and URL-safe) at any alignment, hex, UTF-16,
and inside gzip streams (raw or base64-wrapped)."""

from __future__ import annotations

import base64
import contextlib
import json
import re
import zlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from urllib.parse import quote, quote_plus, unquote_plus


def _base64_cores(value: bytes) -> Iterator[tuple[str, bytes]]:
    """The part of ``value``'s base64 that does not depend on its neighbours, at each of the
    three alignments it can start at, in both alphabets."""
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + value + b"\0\0")
        start = (offset * 4 + 2) // 3 + 1  # skip characters mixed with the padding bytes
        end = ((offset + len(value)) * 4) // 3 - 1
        core = encoded[start:end]
        if len(core) >= 8:
            yield "base64", core
            yield "base64url", core.replace(b"+", b"-").replace(b"/", b"_")


def forms(canary: str) -> Iterator[tuple[str, bytes]]:
    raw = canary.encode("utf-8")
    yield "raw", raw
    yield "json-escaped", json.dumps(canary)[1:-1].encode()
    yield "json-escaped-slash", json.dumps(canary)[1:-1].replace("/", "\\/").encode()
    yield "url-encoded", quote(canary, safe="").encode()
    yield "url-encoded-plus", quote_plus(canary).encode()
    yield from _base64_cores(raw)
    yield "hex", raw.hex().encode()
    yield "HEX", raw.hex().upper().encode()
    yield "utf-16-le", canary.encode("utf-16-le")
    yield "utf-16-be", canary.encode("utf-16-be")
    yield "\\u-escaped", "".join(f"\\u{ord(c):04x}" for c in canary).encode()


def _unwrapped(data: bytes) -> Iterator[tuple[str, bytes]]:
    """``data`` and what it holds: gzip/zlib streams, base64 runs that decode to them, JSON
    strings unescaped, URL-decoded text."""
    yield "", data
    for match in re.finditer(rb"\x1f\x8b", data):
        with contextlib.suppress(zlib.error):  # trailing bytes after the stream are fine
            yield "gzip:", zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(
                data[match.start():])
    text = data.decode("utf-8", errors="replace")
    for run in re.findall(r"[A-Za-z0-9+/=_-]{16,}", text):
        for decode in (base64.b64decode, base64.urlsafe_b64decode):
            with contextlib.suppress(ValueError):
                decoded = decode(run + "=" * (-len(run) % 4))
                if decoded[:2] == b"\x1f\x8b":
                    with contextlib.suppress(zlib.error):
                        yield "base64+gzip:", zlib.decompressobj(
                            16 + zlib.MAX_WBITS).decompress(decoded)
    for literal in re.findall(r'"(?:[^"\\]|\\.)*"', text):
        with contextlib.suppress(ValueError):
            unescaped = json.loads(literal)
            if isinstance(unescaped, str) and unescaped != literal[1:-1]:
                yield "json-string:", unescaped.encode("utf-8", errors="replace")
    if "%" in text or "+" in text:
        yield "url-decoded:", unquote_plus(text).encode("utf-8", errors="replace")


def found_in(data: bytes, canaries: Mapping[str, str]) -> list[str]:
    """Each canary found in ``data``, with the encoding it was found in."""
    hits = []
    views = list(_unwrapped(data))
    for name, canary in canaries.items():
        for form, pattern in forms(canary):
            where = next((wrap for wrap, view in views if pattern in view), None)
            if where is not None:
                hits.append(f"{name} ({where}{form})")
                break
    return hits


def leaks(root: Path, canaries: Mapping[str, str]) -> list[str]:
    """Every canary in every file under ``root``, named by file and encoding."""
    out = []
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()):
        out += [f"{hit} in {path.relative_to(root)}"
                for hit in found_in(path.read_bytes(), canaries)]
    return out
