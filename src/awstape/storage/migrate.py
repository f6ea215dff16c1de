"""vcrpy cassettes into awstape's: ``awstape migrate``, legacy files at load, vcrpy's serializer.

Each botocore request vcrpy recorded becomes an awstape interaction (decoded by ``wire``, then
stored through the same redaction as a live recording); any other HTTP stays in the ``http``
section, without credential headers. Nothing is kept from the old request headers.
"""

from __future__ import annotations

import datetime as _dt
import io
from pathlib import Path
from typing import Any

import botocore.parsers
from botocore.response import StreamingBody

from awstape.model.calls import operation_model, wire_protocol
from awstape.model.cassette import Cassette
from awstape.redaction import plain_http
from awstape.redaction.redactor import Redactor
from awstape.storage import fileformat, wire
from awstape.storage.documents import interaction_from_document, stored_interaction, to_document

__all__ = ["VcrpySerializer", "from_vcrpy", "holds_aws_calls", "is_vcrpy_document"]


def is_vcrpy_document(document: dict[str, Any]) -> bool:
    return "awstape" not in document and all(
        isinstance(i, dict) and "request" in i for i in document.get("interactions", []))


def holds_aws_calls(document: dict[str, Any]) -> bool:
    """Whether a vcrpy cassette document recorded any AWS call."""
    for item in document.get("interactions", []):
        request = item.get("request") or {}
        if wire.decode_request(request.get("method", "GET"), request.get("uri", ""),
                               request.get("headers") or {}, request.get("body")) is not None:
            return True
    return False


def from_vcrpy(document: dict[str, Any], path: Path, redactor: Redactor) -> Cassette:
    """The awstape cassette holding what a vcrpy cassette document recorded."""
    interactions = []
    http = []
    regions = set()
    for item in document.get("interactions", []):
        request, response = item["request"], item["response"]
        decoded = wire.decode_request(request.get("method", "GET"), request.get("uri", ""),
                                      request.get("headers") or {}, request.get("body"))
        model = operation_model(decoded[0].service, decoded[0].operation) if decoded else None
        if decoded is None or model is None:
            http.append(plain_http.http_interaction(redactor, item))
            continue
        name, params = decoded
        regions.add(name.region)
        status = int(response.get("status", {}).get("code", 200))
        headers = {k: (v[0] if isinstance(v, list) else v)
                   for k, v in (response.get("headers") or {}).items() if v}
        body = (response.get("body") or {}).get("string") or b""
        body = body.encode("utf-8") if isinstance(body, str) else bytes(body)
        parsed = None
        # Parsed as botocore would (a streamed payload as a stream, not text) to learn the
        # response's secrets; an event stream is only scrubbed as bytes.
        if status < 300 and model.output_shape is not None \
                and not model.has_event_stream_output:
            parser = botocore.parsers.create_parser(wire_protocol(model.service_model))
            payload = StreamingBody(io.BytesIO(body), len(body)) \
                if model.has_streaming_output else body
            parsed = parser.parse({"status_code": status, "headers": headers, "body": payload,
                                   "context": {"operation_name": model.name}},
                                  model.output_shape)
        interactions.append(stored_interaction(
            redactor, name, params, model, request.get("method", "POST"),
            request.get("uri", ""), status, headers, body, parsed))
    provenance = {
        "at": _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat(),
        "against": "migrated from vcrpy",
        "region": sorted(regions)[0] if regions else "",
    }
    return Cassette(path, provenance, interactions, {"http": http} if http else {},
                    compared_by_presence=redactor.rules.presence_test)


class VcrpySerializer:
    """A vcrpy serializer that writes and reads awstape cassettes, for vcrpy without awstape:

        my_vcr.register_serializer("awstape", awstape.vcrpy_serializer)
        my_vcr.use_cassette("x.yaml", serializer="awstape")

    Written calls are decoded and redacted as ``awstape migrate`` does; read calls are given
    back to vcrpy as the requests botocore sends for them.
    """

    def __init__(self, redactor_factory: type[Redactor] = Redactor) -> None:
        self.redactor_factory = redactor_factory

    def serialize(self, cassette_dict: dict[str, Any]) -> str:
        redactor = self.redactor_factory()
        cassette = from_vcrpy(cassette_dict, Path("cassette.yaml"), redactor)
        return redactor.seal(fileformat.dumps(to_document(cassette)), "the vcrpy cassette")

    def deserialize(self, text: str) -> dict[str, Any]:
        document = fileformat.loads_document(text, "the vcrpy cassette")
        if is_vcrpy_document(document):
            return document
        interactions = []
        for stored in document.get("interactions", []):
            interaction = interaction_from_document(stored)
            request = wire.encode_request(interaction.name, interaction.params)
            if request is None:
                continue
            body = fileformat.decode_body(interaction.body, None)
            interactions.append({"request": request, "response": {
                "status": {"code": interaction.status, "message": ""},
                "headers": {k: [v] for k, v in interaction.headers.items()},
                "body": {"string": body.decode("utf-8", errors="replace")}}})
        return {"interactions": interactions + list(document.get("http") or []), "version": 1}
