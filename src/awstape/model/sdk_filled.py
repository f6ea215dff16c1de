"""What botocore and HTTP put into a request that the caller never gave.

Read from botocore's own models, handler table and default configuration, so that a request
read back from the wire (a vcrpy cassette) holds the call as the caller made it, and matching
is not thrown by it."""

from __future__ import annotations

import types
from functools import cache
from typing import Any

import botocore.configprovider
import botocore.handlers
import botocore.hooks
from botocore.httpchecksum import DEFAULT_CHECKSUM_ALGORITHM
from botocore.model import OperationModel, Shape

__all__ = ["is_default_checksum_algorithm", "without_sdk_filled"]


def is_default_checksum_algorithm(value: Any, shape: Shape | None) -> bool:
    """Whether a member is the request checksum algorithm holding botocore's default, which
    botocore sends whether the caller named it (s3transfer does) or not."""
    return value == DEFAULT_CHECKSUM_ALGORITHM and is_checksum_algorithm(shape)


def is_checksum_algorithm(shape: Shape | None) -> bool:
    """Whether a member is the request checksum algorithm (sent as its own header)."""
    return shape is not None and shape.serialization.get("name") == "x-amz-sdk-checksum-algorithm"


def without_sdk_filled(params: dict[str, Any], op: OperationModel) -> None:
    """Take out of ``params`` (decoded from the wire) what botocore or HTTP filled in."""
    for name in _computed(op):
        params.pop(name, None)
    for name, value in _defaults(op).items():
        if params.get(name) == value:
            params.pop(name)


@cache
def _computed(op: OperationModel) -> frozenset[str]:
    """Members that HTTP or botocore fill in themselves: ``Content-Length``, and for an
    operation with a checksum trait the checksums of the body and ``Content-MD5``. A call's
    parameters never had them, so a request decoded from the wire leaves them out."""
    shape = op.input_shape
    checksums = bool(op.http_checksum or op.http_checksum_required)
    return frozenset(
        name for name, member in (shape.members.items() if shape is not None else ())
        if member.serialization.get("location") == "header"
        and ((header := member.serialization.get("name", "").lower()) == "content-length"
             or (checksums and (header == "content-md5"
                                or header.startswith("x-amz-checksum-")))))


# botocore's handlers that fill a parameter the caller left out (not those that rewrite the
# model or encode what the caller gave).
_FILLING_HANDLERS = (botocore.handlers.set_list_objects_encoding_type_url,
                     botocore.handlers._handle_request_validation_mode_member)


@cache
def _defaults(op: OperationModel) -> dict[str, Any]:
    """The parameters botocore fills in when the caller leaves them out (``EncodingType`` of
    S3 listings, ``ChecksumMode`` of ``GetObject``), found by running its own handlers, as its
    handler table scopes them, on an empty call with botocore's default configuration."""
    defaults = botocore.configprovider.BOTOCORE_DEFAUT_SESSION_VARIABLES
    config = types.SimpleNamespace(response_checksum_validation=defaults[
        "response_checksum_validation"][2])
    params: dict[str, Any] = {}
    service = op.service_model.service_id.hyphenize()
    _filling_emitter().emit(f"before-parameter-build.{service}.{op.name}", params=params,
                            model=op, context={"client_config": config})
    return params


@cache
def _filling_emitter() -> botocore.hooks.HierarchicalEmitter:
    """The filling handlers, each on the events botocore's handler table gives it."""
    emitter = botocore.hooks.HierarchicalEmitter()
    for event, handler, *_ in botocore.handlers.BUILTIN_HANDLERS:
        if handler in _FILLING_HANDLERS:
            emitter.register(event, handler)
    return emitter


