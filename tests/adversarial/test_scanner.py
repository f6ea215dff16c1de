"""``awstape scan`` finds a credential in every encoding a cassette or a file could carry it in,
and a clean file gives no finding."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path
from urllib.parse import quote

import pytest

from awstape.redaction.scan import scan_paths

KEY = "AKIA" + "Q7ZT4LMN3XPV5RWA"  # built from pieces: the repository's own scan stays clean
LINE = f"aws_access_key_id = {KEY}"

ENCODINGS = {
    "raw": lambda: LINE.encode(),
    "url-encoded": lambda: quote(LINE, safe="").encode(),
    "base64": lambda: base64.b64encode(LINE.encode()),
    "base64 offset 1": lambda: base64.b64encode(b"x" + LINE.encode()),
    "base64 offset 2": lambda: base64.b64encode(b"xy" + LINE.encode()),
    "base64url": lambda: base64.urlsafe_b64encode(b"\xfb\xff" + LINE.encode()),
    "mime base64 in a JSON string": lambda: json.dumps(
        {"body": base64.encodebytes(b"-" * 120 + LINE.encode() + b"-" * 120).decode()}).encode(),
    "hex": lambda: LINE.encode().hex().encode(),
    "u-escapes": lambda: "".join(f"\\u{ord(c):04x}" for c in LINE).encode(),
    "json in json": lambda: json.dumps({"a": json.dumps({"b": LINE})}).encode(),
    "gzip in base64": lambda: base64.b64encode(gzip.compress(LINE.encode())),
}


@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
def test_a_credential_is_found_in_every_encoding(tmp_path: Path, encoding: str) -> None:
    (tmp_path / "file.txt").write_bytes(b"before\n" + ENCODINGS[encoding]() + b"\nafter\n")
    problems: list[str] = []
    found = list(scan_paths([tmp_path], problems))
    assert found and all("AWS access key id" in f.kind for f in found), encoding
    assert problems == []


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_credential_is_found_in_a_utf16_file(tmp_path: Path, codec: str) -> None:
    (tmp_path / "file.txt").write_bytes(f"before\n{LINE}\nafter\n".encode(codec))
    assert [f.line for f in scan_paths([tmp_path], [])] == [2]


def test_fakes_and_clean_files_give_no_finding(tmp_path: Path) -> None:
    (tmp_path / "fake.txt").write_text("aws_access_key_id = AKIAAWSTAPEDUEXAMPLE\n"
                                       + base64.b64encode(b"x" * 300).decode() + "\n")
    assert list(scan_paths([tmp_path], [])) == []
