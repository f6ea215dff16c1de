"""Plain HTTP that vcrpy keeps in a cassette's ``http`` section, stored without credentials and
through the same redaction as the cassette's AWS calls."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from awstape.redaction import rules
from awstape.redaction.redactor import Redactor
from awstape.redaction.rules import without_credential_query

__all__ = ["http_interaction", "http_request", "http_response", "presigned_as_meant"]

_S3_VIRTUAL_HOST = re.compile(
    r"^(?P<bucket>[a-z0-9][a-z0-9.-]*?)\.s3(?:[.-][a-z0-9-]+)*\.amazonaws\.com(?:\.cn)?$")
_S3_HOST = re.compile(r"^(?:.+\.)?s3(?:[.-][a-z0-9-]+)*\.amazonaws\.com(?:\.cn)?$")
# What signs a presigned URL, and when it expires: new on every run.
_SIGNING_QUERY = frozenset({"x-amz-algorithm", "x-amz-credential", "x-amz-date",
                            "x-amz-expires", "x-amz-signedheaders", "x-amz-signature",
                            "x-amz-security-token", "signature", "awsaccesskeyid", "expires"})


def http_request(redactor: Redactor, headers: Mapping[str, Any], uri: str,
                 aws_endpoints: Collection[str] = ()) -> tuple[dict[str, Any], str]:
    """A plain HTTP request's headers and URI without credentials; a presigned URL as what
    it means (``aws_endpoints``: where the test's AWS calls went, a stand-in's included)."""
    return ({k: v for k, v in headers.items() if k.lower() not in rules.CREDENTIAL_HEADERS},
            redactor.scrub(without_credential_query(presigned_as_meant(uri, aws_endpoints))))


def presigned_as_meant(uri: str, aws_endpoints: Collection[str] = ()) -> str:
    """A URL to S3, or a presigned one to where the test's AWS calls went, as what it asks
    for: the bucket and key, path-style, and the query parameters that are not its signature
    or expiry; not where it was sent (an S3 virtual host, a stand-in's endpoint), when it
    expires, nor who signed it. Other URLs unchanged."""
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True)
    names = {name.lower() for name, _ in query}
    host = parts.hostname or ""
    signed = "x-amz-signature" in names or {"signature", "awsaccesskeyid"} <= names
    to_aws = f"{parts.scheme}://{parts.netloc}" in aws_endpoints
    # Unsigned at replay (awstape signs nothing), it still names an S3 host.
    if not (_S3_HOST.match(host) or (signed and to_aws)):
        return uri
    virtual = _S3_VIRTUAL_HOST.match(host)
    path = f"/{virtual['bucket']}{parts.path}" if virtual else parts.path
    kept = sorted((k, v) for k, v in query if k.lower() not in _SIGNING_QUERY)
    return f"https://s3.amazonaws.com{path}" + (f"?{urlencode(kept)}" if kept else "")


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
