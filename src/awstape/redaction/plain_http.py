"""Plain HTTP that vcrpy keeps in a cassette's ``http`` section, stored without credentials and
through the same redaction as the cassette's AWS calls."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from awstape.redaction import rules
from awstape.redaction.redactor import Redactor, without_credential_query

__all__ = ["http_interaction", "http_request", "http_response"]


def http_request(redactor: Redactor, headers: Mapping[str, Any],
                 uri: str) -> tuple[dict[str, Any], str]:
    """A plain HTTP request's headers and URI without credentials."""
    return ({k: v for k, v in headers.items() if k.lower() not in rules.CREDENTIAL_HEADERS},
            redactor.scrub(without_credential_query(uri)))


def http_response(redactor: Redactor, response: dict[str, Any]) -> dict[str, Any]:
    """A vcrpy response dict with credentials, secrets and the user's headers replaced."""
    headers = {}
    for name, values in (response.get("headers") or {}).items():
        if name.lower() in rules.CREDENTIAL_HEADERS:
            continue
        listed = values if isinstance(values, list) else [values]
        headers[name] = [redactor.response_headers({name: str(v)})[name] for v in listed]
    body = dict(response.get("body") or {})
    data = body.get("string")
    if isinstance(data, str):
        body["string"] = redactor.scrub(data)
    elif isinstance(data, bytes):
        body["string"] = redactor.scrub_bytes(data)
    return {**response, "headers": headers, "body": body}


def http_interaction(redactor: Redactor, item: Mapping[str, Any]) -> dict[str, Any]:
    request = dict(item["request"])
    request["headers"], request["uri"] = http_request(redactor, request.get("headers") or {},
                                                           request.get("uri", ""))
    return {"request": request, "response": http_response(redactor, dict(item["response"]))}
