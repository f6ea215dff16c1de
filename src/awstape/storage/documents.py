"""A cassette as a JSON document and back: the layout every awstape file has on disk."""

from __future__ import annotations

import base64
import functools
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from botocore.model import OperationModel

from awstape.model.calls import JSON, CallName
from awstape.model.canonical import read_rewound, text_or_base64
from awstape.model.cassette import Cassette, Interaction
from awstape.redaction.redactor import Redactor
from awstape.storage import fileformat

__all__ = ["http_from_document", "http_to_document", "interaction_from_document",
           "interaction_to_document", "stored_interaction", "to_document"]

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
                       parsed: Mapping[str, Any] | None) -> Interaction:
    """A call as the cassette stores it: redacted, without volatile headers. The body stays
    in memory until the cassette is saved (see ``cassettes.save``)."""
    kept = {k.lower(): v for k, v in sorted(headers.items(), key=lambda kv: kv[0].lower())
            if k.lower() not in VOLATILE_RESPONSE_HEADERS}  # sorted: stable diffs
    length = {k.lower(): v for k, v in headers.items()}.get("content-length", "")
    if not body and length not in ("", "0"):  # a HEAD's size: nothing to recompute it from
        kept["content-length"] = length
    stored_params = redactor.request_params(params, model)  # learns the request's secrets first
    body, kept = redactor.response(body, kept, model, status, parsed)
    parts = urlsplit(url)
    return Interaction(
        name=name, params=stored_params, method=method,
        path=redactor.request_path(parts.path + (f"?{parts.query}" if parts.query else "")),
        status=status, headers=kept,
        body=fileformat.encode_body(body, kept.get("content-type", "")))


def interaction_to_document(interaction: Interaction) -> dict[str, Any]:
    return {
        "call": str(interaction.name),
        "region": interaction.name.region,
        "params": interaction.params,
        **({"late": list(interaction.late)} if interaction.late else {}),
        "request": {"method": interaction.method, "path": interaction.path},
        "response": {"status": interaction.status, "headers": interaction.headers,
                     "body": interaction.body},
    }


@functools.lru_cache(maxsize=4096)  # one per call and region: a cassette repeats a few
def _call_name(dotted: str, region: str) -> CallName:
    return CallName.parse(dotted, region)


def interaction_from_document(doc: dict[str, Any]) -> Interaction:
    request, response = doc["request"], doc["response"]
    return Interaction(
        name=_call_name(doc["call"], doc["region"]),
        params=doc.get("params", {}),
        method=request.get("method", "POST"),
        path=request.get("path", "/"),
        status=int(response["status"]),
        headers=response.get("headers", {}),  # the document's own: loaded, never shared
        body=response.get("body") or {},
        late=tuple(doc.get("late", ())),
    )


def to_document(cassette: Cassette,
                responses: list[tuple[dict[str, str], dict[str, Any]]] | None = None
                ) -> dict[str, Any]:
    """The cassette's document; ``responses``, when given, are the headers and stored bodies
    to write in place of the interactions' own."""
    interactions = [interaction_to_document(i) for i in cassette.interactions]
    for document, (headers, body) in zip(interactions, responses or [], strict=False):
        document["response"]["headers"], document["response"]["body"] = headers, body
    return {
        "awstape": fileformat.FORMAT_VERSION,
        "recorded": cassette.provenance,
        "interactions": interactions,
        **cassette.extra,
    }


def _stored_bytes(value: Any) -> Any:
    """A body of plain HTTP as JSON can hold it: text as text, other bytes as base64; a file
    sent as the body (a streamed upload), what it holds."""
    if hasattr(value, "read") and hasattr(value, "seek"):
        return text_or_base64(read_rewound(value, start=0))
    return text_or_base64(bytes(value)) if isinstance(value, bytes | bytearray) else value


def _loaded_bytes(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"base64"}:
        return base64.b64decode(str(value["base64"]))
    return value


def http_to_document(request: Mapping[str, Any], response: Mapping[str, Any]) -> dict[str, Any]:
    """One exchange of vcrpy's (its request and response dicts) as the ``http`` section keeps
    it; bodies of any type are stored, binary ones as base64."""
    stored_response = dict(response)
    if isinstance(response.get("body"), Mapping):
        stored_response["body"] = {**response["body"],
                                   "string": _stored_bytes(response["body"].get("string"))}
    return {"request": {**request, "body": _stored_bytes(request.get("body"))},
            "response": stored_response}


def http_from_document(item: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The request and response dicts vcrpy expects back, bodies as bytes."""
    request = dict(item["request"])
    request["body"] = _loaded_bytes(request.get("body"))
    response = dict(item["response"])
    body = dict(response.get("body") or {})
    string = _loaded_bytes(body.get("string"))
    body["string"] = string.encode("utf-8") if isinstance(string, str) else string
    response["body"] = body
    return request, response
