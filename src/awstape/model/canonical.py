"""A call's parameters in canonical form: plain JSON, as the caller gave them, without
idempotency tokens.

This is what is matched, redacted and stored. It is taken when the call is made, before
botocore's own handlers add tokens or values derived from secrets (S3's
``SSECustomerKeyMD5``) and before boto3 expands DynamoDB's objects.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as _dt
import hashlib
import json
import re
from typing import Any

from botocore.model import Shape

from awstape.model.calls import JSON, matched_as_given
from awstape.model.shapes import DESCEND, DROP, Node, is_container, model_sensitive, walk

__all__ = ["INLINE_BLOB_LIMIT", "canonical_params", "read_rewound", "text_or_base64"]

# Above this size a blob parameter is kept as its digest: layer parts and object bodies would
# otherwise be copied into the cassette a second time.
INLINE_BLOB_LIMIT = 1024


def canonical_params(value: Any, shape: Shape | None) -> JSON:
    """The caller's parameters as plain JSON, without idempotency tokens.

    Bytes become text when they are short UTF-8, base64 when short binary, and a digest when
    long; file-like bodies are read and rewound; timestamps become ISO 8601.
    """
    if matched_as_given(shape, model_sensitive):  # most calls: copied, if plain JSON
        with contextlib.suppress(_NotPlain):
            return _plain_copy(value)
    return walk(value, shape, _canonical)


class _NotPlain(Exception):
    pass


def _plain_copy(value: Any) -> JSON:
    """``value`` copied, when it is JSON as ``json.loads`` gives it: what the walk would make
    of it where the model has nothing to canonicalise."""
    kind = type(value)
    if kind is dict:
        if not all(type(key) is str for key in value):
            raise _NotPlain
        return {key: _plain_copy(item) for key, item in value.items()}
    if kind is list:
        return [_plain_copy(item) for item in value]
    if kind in _JSON_SCALARS:
        return value
    raise _NotPlain


_JSON_SCALARS = frozenset({str, int, float, bool, type(None)})


def _canonical(value: Any, node: Node) -> Any:
    if node.idempotency_token:
        return DROP
    if node.role == "key":
        return str(value)
    if is_container(value):
        return DESCEND
    if isinstance(value, bytes | bytearray | memoryview):
        return _blob(bytes(value))
    if hasattr(value, "read") and hasattr(value, "seek"):
        return _blob(read_rewound(value))
    if isinstance(value, _dt.datetime | _dt.date):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return _object_state(value)


_ADDRESS = re.compile(r" (?:object )?at 0x[0-9a-fA-F]+")


def _object_state(value: Any) -> JSON:
    """An object the SDK turns into parameters later (a boto3 DynamoDB ``Key("id").eq(1)``,
    a set, a ``Decimal``) as what it holds: never its address, which changes every run."""
    if isinstance(value, set | frozenset):
        items = [canonical_params(item, None) for item in value]
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True, default=str))
    state = getattr(value, "__dict__", None)
    if state:
        return {f"<{type(value).__qualname__}>": canonical_params(dict(state), None)}
    return _ADDRESS.sub("", repr(value))


def read_rewound(stream: Any, start: int | None = None) -> bytes:
    """What a file-like body holds from ``start`` (default: where it stands), left where it
    stood: the SDK or vcrpy reads it again."""
    position = stream.tell()
    if start is not None:
        stream.seek(start)
    data = stream.read()
    stream.seek(position)
    return data if isinstance(data, bytes) else str(data).encode()


def _blob(data: bytes) -> JSON:
    if len(data) > INLINE_BLOB_LIMIT:
        return {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    return text_or_base64(data)


def text_or_base64(data: bytes) -> JSON:
    """Bytes as JSON holds them: UTF-8 text as text, anything else as ``{"base64": ...}``."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(data).decode("ascii")}
