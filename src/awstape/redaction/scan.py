"""A leak scanner for cassettes and any other text: ``awstape scan PATH...``.

It looks for AWS credentials and private keys as they are, and inside base64 and URL-encoded
values. A finding names the file, the line and the kind, never the value. Keys that end in
``EXAMPLE`` (AWS's documentation keys, and awstape's fakes of credentials) are not findings.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import contextlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from awstape.model.errors import LeakRefused
from awstape.redaction.text import gunzip

__all__ = ["Finding", "files", "kinds_in", "refuse_credentials", "scan_paths", "scan_text"]

_SEPARATOR = r"""["'\\\s]*[:=>]["'\\\s]*"""
# Each kind, its pattern, and words one of which its every match holds (in lower case): a text
# without them is not searched, since a pattern costs far more than looking for a word.
DETECTORS: tuple[tuple[str, re.Pattern[str], tuple[str, ...]], ...] = (
    ("AWS access key id", re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])"),
     ("akia", "asia")),
    ("AWS secret access key", re.compile(
        r"(?i:secret_?access_?key|aws_?secret(?:_?access)?(?:_?key)?|secret_?key)"
        + _SEPARATOR + r"[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])"), ("secret",)),
    ("AWS session token", re.compile(
        r"(?i:session_?token|security[-_]?token)" + _SEPARATOR + r"[A-Za-z0-9/+=]{100,}"
        r"|(?:IQoJb3JpZ2lu|FwoGZXIvYXdz|FQoGZXIvYXdz)[A-Za-z0-9/+=]{50,}"),
     ("session", "security", "iqojb3jpz2lu", "fwogzxivyxdz", "fqogzxivyxdz")),
    ("SigV4 signature", re.compile(
        r"AWS4-HMAC-SHA256\s+Credential=|X-Amz-Signature=[0-9a-f]{64}", re.IGNORECASE),
     ("aws4-hmac-sha256", "x-amz-signature=")),
    ("private key", re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----"), ("private key",)),
)
_ALLOWED = "EXAMPLE"
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/_-]{20,}={0,2}")
_HEX_RUN = re.compile(r"[0-9a-fA-F]{40,}")  # 20 bytes or more; an odd last digit is left
_JSON_ESCAPE = re.compile(r"\\u[0-9a-fA-F]{4}|\\.")
# Lines of base64 of MIME's width, one after another (or joined by JSON's \n escapes).
_WRAPPED_BASE64 = re.compile(r"(?:[A-Za-z0-9+/]{40,76}(?:\\n|\r?\n)\s*){2,}[A-Za-z0-9+/]*={0,2}")
# What every wrapped run holds, its second line's start: cheaper to look for than the run.
_SECOND_WRAPPED_LINE = re.compile(r"(?:\\n|\n)\s*[A-Za-z0-9+/]{40}")
_GZIP_LIMIT = 16 * 1024 * 1024
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
    lower = text.lower()
    for kind, pattern, words in DETECTORS:
        if not any(word in lower for word in words):
            continue
        for match in pattern.finditer(text):
            if _ALLOWED not in match.group(0):
                yield kind
                break


def _as_text(data: bytes) -> str | None:
    """Decoded bytes worth a look: a gzip stream opened (what of it unpacks), UTF-16 or UTF-8
    mostly text."""
    if data[:2] == b"\x1f\x8b":
        data = gunzip(data, _GZIP_LIMIT, whole=False) or data
    utf16 = _utf16(data)
    if utf16 is not None:
        return utf16
    text = data.decode("utf-8", errors="ignore")
    return text if len(text) >= len(data) * 0.9 else None


def _views(text: str) -> Iterator[tuple[str, str]]:
    """What else ``text`` may be hiding: URL-decoded, JSON-unescaped, and every base64 (either
    alphabet) or hex run decoded, gzip and UTF-16 included."""
    if "%" in text:
        unquoted = unquote(text)
        if unquoted != text:
            yield "URL-encoded", unquoted
    if "\\" in text:
        unescaped = _JSON_ESCAPE.sub(_unescape, text)
        if unescaped != text:
            yield "escaped", unescaped
    for match in _BASE64_RUN.finditer(text):
        run = match.group(0)
        padded = run + "=" * (-len(run) % 4)
        with contextlib.suppress(binascii.Error, ValueError):
            data = (base64.urlsafe_b64decode(padded) if "-" in run or "_" in run
                    else base64.b64decode(padded))
            decoded = _as_text(data)
            if decoded:
                yield "base64-encoded", decoded
    for match in _HEX_RUN.finditer(text):
        run = match.group(0)
        decoded = _as_text(bytes.fromhex(run[:len(run) - len(run) % 2]))
        if decoded:
            yield "hex-encoded", decoded


def _unescape(match: re.Match[str]) -> str:
    escape = match.group(0)
    if len(escape) == 6:  # \uXXXX
        return chr(int(escape[2:], 16))
    return {"\\n": "\n", "\\t": "\t", "\\r": "\r"}.get(escape, escape[1:])


def kinds_in(text: str, depth: int = 2) -> Iterator[str]:
    """The kinds of leak in one line of text, looking through its encodings."""
    yield from _raw(text)
    if depth == 0:
        return
    for how, view in _views(text):
        yield from (f"{kind} ({how})" for kind in kinds_in(view, depth - 1))


def scan_text(text: str, path: str) -> list[Finding]:
    findings = []
    lines = text.splitlines()
    for number in _lines_to_look_at(text, lines):
        findings += [Finding(path, number, kind)
                     for kind in dict.fromkeys(kinds_in(lines[number - 1]))]
    # Base64 wrapped over several lines (MIME), in the file or inside a JSON string.
    for match in _WRAPPED_BASE64.finditer(text) if _SECOND_WRAPPED_LINE.search(text) else ():
        joined = re.sub(r"\\n|\s", "", match.group(0))
        number = text.count("\n", 0, match.start()) + 1
        findings += [Finding(path, number, f"{kind} (wrapped)")
                     for kind in dict.fromkeys(kinds_in(joined))]
    return findings


def _lines_to_look_at(text: str, lines: list[str]) -> list[int]:
    """The numbers of the lines where ``kinds_in`` may find something: those that hold a
    detector's word (every match in a line holds one) or what starts a view (``%``, ``\\``,
    a base64 run, which every hex run is too), found in the whole text at once."""
    if len(lines) < 2:
        return list(range(1, len(lines) + 1))
    starts = [0]
    for line in text.splitlines(keepends=True)[:-1]:
        starts.append(starts[-1] + len(line))
    at: set[int] = set()  # where a word or a run starts, in the text
    lower = text.lower()
    for word in {*(word for _, _, words in DETECTORS for word in words), "%", "\\"}:
        found = lower.find(word)
        while found >= 0:
            at.add(found)
            found = lower.find(word, found + 1)
    at.update(match.start() for match in _BASE64_RUN.finditer(text))
    return sorted({bisect.bisect_right(starts, offset) for offset in at})


def refuse_credentials(text: str, where: str) -> None:
    """Raise ``LeakRefused`` if the leak scanner finds a credential in what would be written."""
    findings = scan_text(text, where)
    if findings:
        listed = "\n".join(f"    {finding}" for finding in findings[:20])
        raise LeakRefused(
            f"awstape: refused to write {where}: it would hold credentials that no "
            f"redaction rule removed:\n{listed}\n  Nothing was written. Add a rule for "
            "them in [tool.awstape] redact (see `awstape rules`), then record again."
        )


def _text_of(data: bytes) -> str:
    """A file's text: UTF-16 when it is, else UTF-8."""
    utf16 = _utf16(data)
    return utf16 if utf16 is not None else data.decode("utf-8", errors="replace")


def _utf16(data: bytes) -> str | None:
    """``data`` as UTF-16 text, known by its byte order mark or its zero bytes; else None."""
    codec = None
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        codec = "utf-16"
    elif data.count(0) * 3 > len(data) > 0:  # zeros at even offsets: big-endian ASCII
        codec = "utf-16-be" if data[0::2].count(0) > data[1::2].count(0) else "utf-16-le"
    if codec is not None:
        with contextlib.suppress(UnicodeDecodeError):
            return data.decode(codec)
    return None


def files(paths: Iterable[Path], problems: list[str]) -> Iterator[Path]:
    """The files at or under ``paths``; what cannot be read (a dangling or looping link, a
    folder that cannot be listed) is added to ``problems``, and the walk goes on."""
    for path in paths:
        try:
            if path.is_dir():
                children = sorted(path.iterdir())
                yield from files((c for c in children if c.name not in _SKIPPED_DIRS), problems)
            elif path.is_file():
                yield path
            else:
                problems.append(f"{path}: no such file (or a dangling or looping link)")
        except OSError as error:
            problems.append(f"{path}: cannot be read ({error.strerror or error})")


def scan_paths(paths: Iterable[Path], problems: list[str]) -> Iterator[Finding]:
    for path in files(paths, problems):
        try:
            data = path.read_bytes()
        except OSError as error:
            problems.append(f"{path}: cannot be read ({error.strerror or error})")
            continue
        yield from scan_text(_text_of(data), str(path))
