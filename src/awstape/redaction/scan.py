"""A leak scanner for cassettes and any other text: ``awstape scan PATH...``.

It looks for AWS credentials and private keys as they are, and inside base64 and URL-encoded
values. A finding names the file, the line and the kind, never the value. Keys that end in
``EXAMPLE`` (AWS's documentation keys, and awstape's fakes of credentials) are not findings.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

__all__ = ["Finding", "files", "kinds_in", "scan_paths", "scan_text"]

_SEPARATOR = r"""["'\\\s]*[:=>]["'\\\s]*"""
DETECTORS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("AWS access key id", re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])")),
    ("AWS secret access key", re.compile(
        r"(?i:secret_?access_?key|aws_?secret(?:_?access)?(?:_?key)?|secret_?key)"
        + _SEPARATOR + r"[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])")),
    ("AWS session token", re.compile(
        r"(?i:session_?token|security[-_]?token)" + _SEPARATOR + r"[A-Za-z0-9/+=]{100,}"
        r"|(?:IQoJb3JpZ2lu|FwoGZXIvYXdz|FQoGZXIvYXdz)[A-Za-z0-9/+=]{50,}")),
    ("SigV4 signature", re.compile(
        r"AWS4-HMAC-SHA256\s+Credential=|X-Amz-Signature=[0-9a-f]{64}", re.IGNORECASE)),
    ("private key", re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----")),
)
_ALLOWED = "EXAMPLE"
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/_-]{20,}={0,2}")
_SKIPPED_DIRS = frozenset({".git", ".venv", "venv", "node_modules", "__pycache__",
                           ".mypy_cache", ".ruff_cache", ".pytest_cache"})


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    kind: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.kind}"


def _raw(text: str) -> Iterator[str]:
    for kind, pattern in DETECTORS:
        for match in pattern.finditer(text):
            if _ALLOWED not in match.group(0):
                yield kind
                break


def _decoded(run: str) -> str | None:
    padded = run + "=" * (-len(run) % 4)
    try:
        data = (base64.urlsafe_b64decode(padded) if "-" in run or "_" in run
                else base64.b64decode(padded))
    except (binascii.Error, ValueError):
        return None
    text = data.decode("utf-8", errors="ignore")
    return text if len(text) >= len(data) * 0.9 else None  # mostly text: worth a look


def kinds_in(text: str, depth: int = 2) -> Iterator[str]:
    """The kinds of leak in one line of text, looking through base64 and URL encoding."""
    yield from _raw(text)
    if depth == 0:
        return
    if "%" in text:
        unquoted = unquote(text)
        if unquoted != text:
            yield from (f"{kind} (URL-encoded)" for kind in kinds_in(unquoted, depth - 1))
    for match in _BASE64_RUN.finditer(text):
        decoded = _decoded(match.group(0))
        if decoded:
            yield from (f"{kind} (base64-encoded)" for kind in kinds_in(decoded, depth - 1))


def scan_text(text: str, path: str) -> list[Finding]:
    findings = []
    for number, line in enumerate(text.splitlines(), start=1):
        seen = set()
        for kind in kinds_in(line):
            if kind not in seen:
                seen.add(kind)
                findings.append(Finding(path, number, kind))
    return findings


def files(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            for child in sorted(path.iterdir()):
                if child.name not in _SKIPPED_DIRS:
                    yield from files([child])
        elif path.is_file():
            yield path
        else:
            raise FileNotFoundError(f"awstape scan: no such file or directory: {path}")


def scan_paths(paths: Iterable[Path]) -> Iterator[Finding]:
    for path in files(paths):
        text = path.read_bytes().decode("utf-8", errors="replace")
        yield from scan_text(text, str(path))
