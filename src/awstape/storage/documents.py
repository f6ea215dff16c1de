"""A cassette as a JSON document and back: the layout every awstape file has on disk."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from botocore.model import OperationModel

from awstape.model.calls import JSON, CallName
from awstape.model.cassette import Cassette, Interaction
from awstape.redaction.redactor import Redactor
from awstape.storage import fileformat

__all__ = ["interaction_from_document", "interaction_to_document", "stored_interaction",
           "to_document"]

# Response headers that change on every call and that no parser needs; content-length is
# recomputed at replay, and a CRC of the original bytes would not fit the re-encoded body.
VOLATILE_RESPONSE_HEADERS = frozenset(
    {"date", "content-length", "connection", "server", "x-amz-crc32", "transfer-encoding",
     "keep-alive", "x-amz-id-2", "access-control-allow-origin", "access-control-allow-headers",
     "access-control-allow-methods", "access-control-expose-headers"}
)


def stored_interaction(redactor: Redactor, name: CallName, params: JSON,
                       model: OperationModel, method: str, url: str, status: int,
                       headers: Mapping[str, str], body: bytes,
                       parsed: Mapping[str, Any] | None, bodies_dir: Path | None) -> Interaction:
    """A call as the cassette stores it: redacted, without volatile headers."""
    kept = {k.lower(): v for k, v in sorted(headers.items(), key=lambda kv: kv[0].lower())
            if k.lower() not in VOLATILE_RESPONSE_HEADERS}  # sorted: stable diffs
    stored_params = redactor.request_params(params, model)  # learns the request's secrets first
    body, kept = redactor.response(body, kept, model, status, parsed)
    parts = urlsplit(url)
    return Interaction(
        name=name, params=stored_params, method=method,
        path=redactor.request_path(parts.path + (f"?{parts.query}" if parts.query else "")),
        status=status, headers=kept,
        body=fileformat.encode_body(body, kept.get("content-type", ""), bodies_dir))


def interaction_to_document(interaction: Interaction) -> dict[str, Any]:
    return {
        "call": str(interaction.name),
        "region": interaction.name.region,
        "params": interaction.params,
        "request": {"method": interaction.method, "path": interaction.path},
        "response": {"status": interaction.status, "headers": interaction.headers,
                     "body": interaction.body},
    }


def interaction_from_document(doc: dict[str, Any]) -> Interaction:
    request, response = doc["request"], doc["response"]
    return Interaction(
        name=CallName.parse(doc["call"], doc["region"]),
        params=doc.get("params", {}),
        method=request.get("method", "POST"),
        path=request.get("path", "/"),
        status=int(response["status"]),
        headers=dict(response.get("headers", {})),
        body=response.get("body") or {},
    )


def to_document(cassette: Cassette) -> dict[str, Any]:
    return {
        "awstape": fileformat.FORMAT_VERSION,
        "recorded": cassette.provenance,
        "interactions": [interaction_to_document(i) for i in cassette.interactions],
        **cassette.extra,
    }
