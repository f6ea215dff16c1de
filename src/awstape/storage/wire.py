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
import botocore.parsers
import botocore.serialize
from botocore.awsrequest import create_request_object, prepare_request_dict
from botocore.model import OperationModel, ServiceModel, Shape
from botocore.utils import parse_timestamp

from awstape.model.calls import (
    JSON,
    CallName,
    operation_model,
    service_model,
    wire_protocol,
)
from awstape.model.canonical import canonical_params
from awstape.model.sdk_filled import without_sdk_filled
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
    for service in _services(candidates, target, data):
        model = service_model(service)
        if model is None:
            continue
        found = _operation(model, method, addressed.path, addressed.query, headers, target,
                           data)
        if found is not None:
            operation, params = found
            name = CallName(service, operation.name, region or "us-east-1")
            return name, canonical_params(params, operation.input_shape)
    if scope or target or not _header(headers, "x-amz-date"):
        return None
    unsigned = _unsigned_rest_call(method, addressed.path, addressed.query, headers, data)
    if unsigned is None:
        return None
    service, operation, params = unsigned
    return (CallName(service, operation.name, region or "us-east-1"),
            canonical_params(params, operation.input_shape))


def _unsigned_rest_call(method: str, path: str, query: str, headers: Mapping[str, Any],
                        data: bytes) -> tuple[str, OperationModel, dict[str, Any]] | None:
    """A REST call at a custom endpoint with its signature filtered out: the one operation of
    all REST services that the request fits best, or none when two services fit alike."""
    fits = sorted((((_signer_agrees(model, headers), *fit[0]), model.service_name,
                    (fit[1], fit[2]))
                   for model in _rest_models()
                   if (fit := _rest_operation(model, method, path, query, headers)) is not None),
                  key=lambda fit: fit[0], reverse=True)
    if not fits or (len(fits) > 1 and fits[0][0] == fits[1][0]):
        return None
    _, service, (operation, labels) = fits[0]
    return service, operation, _rest_params(operation, labels, query, headers, data)


def _services(candidates: list[str], target: str, data: bytes) -> Iterator[str]:
    """The services a request may be for: from its signature's scope and its host, then, at a
    custom endpoint with the authorization filtered out, from its ``X-Amz-Target`` or its
    query ``Version``."""
    yield from dict.fromkeys(candidates)
    if target:
        yield from _target_prefixes().get(target.partition(".")[0], ())
    elif data.startswith(b"Action="):
        version = dict(parse_qsl(data.decode("utf-8", errors="replace"))).get("Version", "")
        yield from _query_versions().get(version, ())


def _signer_agrees(model: ServiceModel, headers: Mapping[str, Any]) -> bool:
    """Whether the request carries ``X-Amz-Content-SHA256`` exactly when the service's
    signer (S3's) adds it."""
    s3_signer = str(model.metadata.get("signatureVersion", "")).startswith("s3")
    return s3_signer == bool(_header(headers, "x-amz-content-sha256"))


@cache
def _all_models() -> tuple[ServiceModel, ...]:
    """Every service botocore knows, loaded once, when a request names no service."""
    loader = botocore.loaders.create_loader()
    return tuple(model for service in loader.list_available_services("service-2")
                 if (model := service_model(service)) is not None)


@cache
def _rest_models() -> tuple[ServiceModel, ...]:
    return tuple(m for m in _all_models() if wire_protocol(m) in ("rest-json", "rest-xml"))


@cache
def _query_versions() -> dict[str, tuple[str, ...]]:
    """Every query-protocol service by its API version (``2010-03-31`` is SNS's)."""
    found: dict[str, tuple[str, ...]] = {}
    for model in _all_models():
        if wire_protocol(model) in ("query", "ec2"):
            version = model.metadata.get("apiVersion", "")
            found[version] = (*found.get(version, ()), model.service_name)
    return found


@cache
def _target_prefixes() -> dict[str, tuple[str, ...]]:
    """Every JSON-protocol service by its ``X-Amz-Target`` prefix (``DynamoDB_20120810``),
    read from botocore's models once, when a request names no service otherwise."""
    found: dict[str, tuple[str, ...]] = {}
    for model in _all_models():
        prefix = model.metadata.get("targetPrefix")
        if prefix:
            found[prefix] = (*found.get(prefix, ()), model.service_name)
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
        return op, _typed(json.loads(data or b"{}"), op.input_shape)
    if protocol in ("query", "ec2"):
        flat = dict(parse_qsl(data.decode("utf-8"), keep_blank_values=True))
        action = flat.get("Action", "")
        if action not in model.operation_names:
            return None
        op = model.operation_model(action)
        return op, _unflatten("", op.input_shape, flat) or {}
    found = _rest_operation(model, method, path, query, headers)
    return (found[1], _rest_params(found[1], found[2], query, headers, data)) if found else None


def _rest_operation(model: ServiceModel, method: str, path: str, query: str,
                    headers: Mapping[str, Any]
                    ) -> tuple[tuple[int, int], OperationModel, dict[str, str]] | None:
    """The REST operation whose method and path template match, and that the request holds
    everything of: its template's query literals (``/{Bucket}?policy``, ``?list-type=2``)
    and its required header and query members (CopyObject's ``x-amz-copy-source``); the one
    that asks the most of them, then the one whose template spells out the most."""
    sent = parse_qsl(query, keep_blank_values=True)
    found: tuple[tuple[int, int], OperationModel, dict[str, str]] | None = None
    for operation in model.operation_names:
        op = model.operation_model(operation)
        labels = _match_uri(op, method, path)
        if labels is None:
            continue
        template = op.http.get("requestUri", "/")
        literals = _query_literals(template)
        required = _required_outside_body(op)
        if all(any(k == key and (value is None or v == value) for k, v in sent)
               for key, value in literals) and all(
                any(k == name for k, _ in sent) if where == "querystring"
                else _header(headers, name.lower()) for where, name in required):
            score = (len(literals) + len(required),
                     len(re.sub(r"\{[^}]*\}", "", template.partition("?")[0])))
            if found is None or score > found[0]:
                found = (score, op, labels)
    return found


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
    without_sdk_filled(params, op)
    if payload and data:
        params[payload] = _payload(data, shape.members[payload])
    elif data and data[:1] == b"{":
        body = json.loads(data)
        for name, member in shape.members.items():
            wire_name = member.serialization.get("name", name)
            if member.serialization.get("location") is None and wire_name in body:
                params[name] = _typed(body[wire_name], member)
    return params


def _payload(data: bytes, member: Shape) -> Any:
    """A REST payload member from the body: a structure from its JSON or XML, else bytes."""
    if member.type_name != "structure":
        return data
    if data[:1] == b"{":
        return _typed(json.loads(data), member)
    parser = botocore.parsers.RestXMLParser()
    return parser._parse_shape(member, parser._parse_xml_string_to_dom(data))


def _typed(value: Any, shape: Shape | None) -> Any:
    """A JSON body's values as the caller gave them: blobs from base64 into bytes and
    timestamps from numbers into datetimes, by the input shape."""
    if shape is None or value is None:
        return value
    if shape.type_name == "structure" and isinstance(value, dict):
        members = {m.serialization.get("name", n): (n, m) for n, m in shape.members.items()}
        return {members.get(k, (k, None))[0]: _typed(v, members.get(k, (k, None))[1])
                for k, v in value.items()}
    if shape.type_name == "list" and isinstance(value, list):
        return [_typed(v, shape.member) for v in value]
    if shape.type_name == "map" and isinstance(value, dict):
        return {k: _typed(v, shape.value) for k, v in value.items()}
    if shape.type_name in ("blob", "timestamp") and isinstance(value, str | int | float):
        return _scalar(str(value), shape)
    return value


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
    if kind == "timestamp":
        return parse_timestamp(text)
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
