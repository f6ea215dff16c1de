"""The leak finder itself: a canary planted in each encoding is found, so a clean result from
the adversarial suites means something."""

from __future__ import annotations

import base64
import gzip
import json
from urllib.parse import quote

import pytest

from .leaks import found_in

CANARY = "cnry-Pl4nted/Secret+Value"


@pytest.mark.parametrize("prefix", [b"", b"x", b"xy", b"xyz", b"{\"a\": 1, \"body\": \""])
@pytest.mark.parametrize("encode", [
    lambda v: v,
    lambda v: base64.b64encode(v),
    lambda v: base64.urlsafe_b64encode(v),
    lambda v: base64.encodebytes(v),  # MIME base64, line-wrapped
    lambda v: v.hex().encode(),
    lambda v: v.decode().encode("utf-16-le"),
    lambda v: gzip.compress(v),
    lambda v: base64.b64encode(gzip.compress(v)),
    lambda v: quote(v.decode(), safe="").encode(),
    lambda v: json.dumps(v.decode()).replace("/", "\\/").encode(),
    lambda v: json.dumps({"k": v.decode()}, ensure_ascii=True).encode(),
    lambda v: "".join(f"\\u{b:04x}" for b in v).encode(),
], ids=["raw", "base64", "base64url", "mime", "hex", "utf16", "gzip", "base64-gzip", "url",
        "json-slash", "json", "u-escapes"])
def test_a_planted_canary_is_found(prefix: bytes, encode) -> None:  # type: ignore[no-untyped-def]
    if encode(b"") == b"" or prefix in (b"", b"x", b"xy", b"xyz"):
        data = encode(prefix + CANARY.encode()) + b" trailing"
    else:
        data = prefix + encode(CANARY.encode()) + b'"}'
    assert found_in(data, {"canary": CANARY}), data[:200]


def test_clean_text_has_no_finding() -> None:
    assert found_in(b'{"Value": "cnry-Pl4nted/Secret+Valuf"}', {"canary": CANARY}) == []
