"""AWS calls as they travel on the wire, read back with botocore's service models.

vcrpy stores HTTP requests, not calls. To convert a vcrpy cassette (``awstape migrate``, the
vcrpy serializer) each request is decoded into service, operation and parameters: the service
from the signature's credential scope or the host, the operation from ``X-Amz-Target``
(JSON protocols), ``Action=`` (query protocols) or the method and URI template (REST), and the
parameters from the body, query, headers and URI labels, by the operation's input shape.
The reverse, ``encode_request``, is botocore's own serializer.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import botocore.loaders
import botocore.serialize
from botocore.awsrequest import create_request_object, prepare_request_dict
from botocore.model import OperationModel, ServiceModel, Shape

from awstape.model.calls import (
    JSON,
    CallName,
    canonical_params,
    operation_model,
    service_model,
    wire_protocol,
)
from awstape.redaction.plain_http import presigned_as_meant

__all__ = ["decode_request", "encode_request"]

_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request")
_REGION = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-\d$")


def _header(headers: Mapping[str, Any], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name:
            item = value[0] if isinstance(value, list) and value else value
            return item.decode() if isinstance(item, bytes) else str(item)
    return ""


def decode_request(method: str, uri: str, headers: Mapping[str, Any],
                   body: bytes | str | None) -> tuple[CallName, JSON] | None:
    """The AWS call a recorded HTTP request made, or None when it is not an AWS call."""
    data = body.encode() if isinstance(body, str) else (body or b"")
    url = urlsplit(uri)
    scope = _SCOPE.search(_header(headers, "authorization"))
    labels = (url.hostname or "").split(".")
    region = scope.group(1) if scope else next((x for x in labels if _REGION.match(x)), "")
    candidates = ([scope.group(2)] if scope else []) + [x for x in labels[:2] if x != "api"]
    target = _header(headers, "x-amz-target")
    # An S3 bucket in the host (virtual-host style, botocore's default) is a path's first part.
    addressed = urlsplit(presigned_as_meant(uri))
    for service in _services(candidates, target):
        model = service_model(service)
        if model is None:
            continue
        found = _operation(model, method, addressed.path, addressed.query, headers, target,
                           data)
        if found is not None:
            operation, params = found
            name = CallName(service, operation.name, region or "us-east-1")
            return name, canonical_params(params, operation.input_shape)
    return None


def _services(candidates: list[str], target: str) -> Iterator[str]:
    """The services a request may be for: from its signature's scope and its host, then, at a
    custom endpoint with the authorization filtered out, from its ``X-Amz-Target``."""
    yield from dict.fromkeys(candidates)
    if target:
        yield from _target_prefixes().get(target.partition(".")[0], ())


@cache
def _target_prefixes() -> dict[str, tuple[str, ...]]:
    """Every JSON-protocol service by its ``X-Amz-Target`` prefix (``DynamoDB_20120810``),
    read from botocore's models once, when a request names no service otherwise."""
    loader = botocore.loaders.create_loader()
    found: dict[str, tuple[str, ...]] = {}
    for service in loader.list_available_services("service-2"):
        prefix = loader.load_service_model(service, "service-2")["metadata"].get("targetPrefix")
        if prefix:
            found[prefix] = (*found.get(prefix, ()), service)
    return found


def _operation(model: ServiceModel, method: str, path: str, query: str,
               headers: Mapping[str, Any], target: str,
               data: bytes) -> tuple[OperationModel, dict[str, Any]] | None:
    protocol = wire_protocol(model)
    if target:
        prefix, _, operation = target.partition(".")
        if prefix != model.metadata.get("targetPrefix") or operation not in model.operation_names:
            return None
        op = model.operation_model(operation)
        return op, json.loads(data or b"{}")
    if protocol in ("query", "ec2"):
        flat = dict(parse_qsl(data.decode("utf-8"), keep_blank_values=True))
        action = flat.get("Action", "")
        if action not in model.operation_names:
            return None
        op = model.operation_model(action)
        return op, _unflatten("", op.input_shape, flat) or {}
    # REST: the operation whose method and path template match, and that the request holds
    # everything of: its template's query literals (``/{Bucket}?policy``, ``?list-type=2``)
    # and its required header and query members (CopyObject's ``x-amz-copy-source``); the one
    # that asks the most of them.
    sent = parse_qsl(query, keep_blank_values=True)
    found: tuple[int, OperationModel, dict[str, str]] | None = None
    for operation in model.operation_names:
        op = model.operation_model(operation)
        labels = _match_uri(op, method, path)
        if labels is None:
            continue
        literals = _query_literals(op.http.get("requestUri", "/"))
        required = _required_outside_body(op)
        if all(any(k == key and (value is None or v == value) for k, v in sent)
               for key, value in literals) and all(
                any(k == name for k, _ in sent) if where == "querystring"
                else _header(headers, name.lower()) for where, name in required):
            asked = len(literals) + len(required)
            if found is None or asked > found[0]:
                found = (asked, op, labels)
    return (found[1], _rest_params(found[1], found[2], query, headers, data)) if found else None


@cache
def _required_outside_body(op: OperationModel) -> tuple[tuple[str, str], ...]:
    """(location, wire name) of each required member sent in a header or the query."""
    shape = op.input_shape
    if shape is None:
        return ()
    return tuple((member.serialization["location"], member.serialization.get("name", name))
                 for name, member in shape.members.items()
                 if name in shape.metadata.get("required", ())
                 and member.serialization.get("location") in ("header", "querystring"))


@cache
def _query_literals(template: str) -> tuple[tuple[str, str | None], ...]:
    """The query a REST operation's URI template requires: ``?policy`` gives ("policy", None),
    ``?list-type=2`` gives ("list-type", "2")."""
    query = template.partition("?")[2]
    return tuple((key, value if sep else None) for key, sep, value
                 in (part.partition("=") for part in query.split("&") if part))


@cache
def _uri_pattern(template: str) -> re.Pattern[str]:
    path = template.partition("?")[0]
    pattern = re.sub(r"\\\{(\w+)\\\+\\\}", r"(?P<\1>.+)",
                     re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(path)))
    return re.compile(pattern + "/?$")


def _match_uri(op: OperationModel, method: str, path: str) -> dict[str, str] | None:
    if op.http.get("method", "POST") != method.upper():
        return None
    match = _uri_pattern(op.http.get("requestUri", "/")).match(path)
    return {k: unquote(v) for k, v in match.groupdict().items()} if match else None


def _rest_params(op: OperationModel, labels: dict[str, str], query: str,
                 headers: Mapping[str, Any], data: bytes) -> dict[str, Any]:
    shape = op.input_shape
    if shape is None:
        return {}
    params: dict[str, Any] = {}
    payload = shape.serialization.get("payload")
    queries: dict[str, list[str]] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        queries.setdefault(key, []).append(value)
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        wire_name = member.serialization.get("name", name)
        if location == "uri" and wire_name in labels:
            params[name] = _scalar(labels[wire_name], member)
        elif location == "querystring" and wire_name in queries:
            values = queries[wire_name]
            params[name] = ([_scalar(v, member.member) for v in values]
                            if member.type_name == "list" else _scalar(values[0], member))
        elif location == "header" and _header(headers, wire_name.lower()):
            params[name] = _scalar(_header(headers, wire_name.lower()), member)
    if payload and data:
        member = shape.members[payload]
        params[payload] = (json.loads(data) if member.type_name == "structure"
                           and data[:1] == b"{" else data)
    elif data and data[:1] == b"{":
        body = json.loads(data)
        for name, member in shape.members.items():
            wire_name = member.serialization.get("name", name)
            if member.serialization.get("location") is None and wire_name in body:
                params[name] = body[wire_name]
    return params


def _unflatten(prefix: str, shape: Shape | None, flat: dict[str, str]) -> Any:
    """Query-protocol parameters (``Tags.member.1.Key=...``) back into their structure."""
    if shape is None:
        return flat.get(prefix)
    if shape.type_name == "structure":
        out = {}
        for name, member in shape.members.items():
            key = member.serialization.get("name", name)
            key = f"{prefix}.{key}" if prefix else key
            value = _unflatten(key, member, flat)
            if value is not None:
                out[name] = value
        return out or None
    if shape.type_name == "list":
        item_name = shape.member.serialization.get("name", "member")
        items, index = [], 1
        while True:
            item = (f"{prefix}.{index}" if shape.serialization.get("flattened")
                    else f"{prefix}.{item_name}.{index}")
            if not any(k == item or k.startswith(item + ".") for k in flat):
                break
            items.append(_unflatten(item, shape.member, flat))
            index += 1
        return items if items or prefix in flat else None
    if shape.type_name == "map":
        entries, index = {}, 1
        while any(k.startswith(f"{prefix}.entry.{index}.") for k in flat):
            entry = f"{prefix}.entry.{index}"
            entries[flat.get(f"{entry}.key", "")] = _unflatten(f"{entry}.value", shape.value,
                                                                flat)
            index += 1
        return entries or None
    return _scalar(flat[prefix], shape) if prefix in flat else None


def _scalar(text: str, shape: Shape) -> Any:
    kind = shape.type_name
    if kind in ("integer", "long"):
        return int(text)
    if kind in ("float", "double"):
        return float(text)
    if kind == "boolean":
        return text.lower() == "true"
    if kind == "blob":
        return base64.b64decode(text)
    return text


def encode_request(name: CallName, params: JSON) -> dict[str, Any] | None:
    """The HTTP request botocore would send for a recorded call (unsigned)."""
    model = operation_model(name.service, name.operation)
    if model is None:
        return None
    protocol = wire_protocol(model.service_model)
    serializer = botocore.serialize.create_serializer(protocol, include_validation=False)
    request_dict = serializer.serialize_to_request(_wire_values(params), model)
    prefix = model.service_model.metadata.get("endpointPrefix", name.service)
    prepare_request_dict(request_dict, f"https://{prefix}.{name.region}.amazonaws.com")
    request = create_request_object(request_dict).prepare()
    body = request.body or b""
    return {
        "method": request.method,
        "uri": request.url,
        "body": body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body,
        "headers": {k: [str(v)] for k, v in request.headers.items()},
    }


def _wire_values(params: JSON) -> Any:
    """Canonical parameters back into values botocore's serializer takes."""
    if isinstance(params, dict):
        if set(params) == {"base64"}:
            return base64.b64decode(params["base64"])
        return {k: _wire_values(v) for k, v in params.items()}
    if isinstance(params, list):
        return [_wire_values(v) for v in params]
    return params
