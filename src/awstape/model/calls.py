"""What an AWS call is, read from botocore's service models.

A call is identified by service, operation and region, plus its parameters in canonical form
(``canonical``): the parameters the caller passed (before botocore serialized them), so one
rule serves the JSON, query and REST protocols alike and the endpoint host never matters. The
models say which members are idempotency tokens (random per call: left out) and which are
sensitive (compared as present, never by value, since the cassette only holds their fakes).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import botocore.loaders
from botocore.exceptions import DataNotFoundError
from botocore.model import OperationModel, ServiceModel, Shape

from awstape.model.sdk_filled import is_checksum_algorithm, is_default_checksum_algorithm
from awstape.model.shapes import (
    DESCEND,
    DROP,
    Node,
    SecretTest,
    answers_by_shape,
    any_position,
    model_sensitive,
    walk,
)

__all__ = [
    "CLOCK_PLACEHOLDER",
    "JSON",
    "SENSITIVE_PLACEHOLDER",
    "CallName",
    "answers_with_data",
    "differences",
    "differing",
    "drawn_alike",
    "input_shape",
    "is_clock",
    "is_scalar",
    "key_maker",
    "looks_generated",
    "match_key",
    "match_region",
    "match_view",
    "matched_as_given",
    "operation_model",
    "page_tokens",
    "service_model",
    "wire_protocol",
    "without_drawn",
]

JSON = Any  # a value json.dumps accepts

class CallName(NamedTuple):
    """(A named tuple: it keys every index and cache a call goes through, and a tuple's hash
    and equality cost less than half of a dataclass's generated ones.)"""

    service: str  # botocore's service name: "ssm", "secretsmanager"
    operation: str  # "GetParameter"
    region: str

    def __str__(self) -> str:
        return f"{self.service}.{self.operation}"

    @classmethod
    def parse(cls, dotted: str, region: str) -> CallName:
        service, _, operation = dotted.partition(".")
        return cls(service, operation, region)


@functools.cache
def _loader() -> botocore.loaders.Loader:
    # botocore's data loader alone: a session would read the user's AWS config files.
    return botocore.loaders.create_loader()


@functools.cache
def service_model(service: str) -> ServiceModel | None:
    try:
        return ServiceModel(_loader().load_service_model(service, "service-2"), service)
    except DataNotFoundError:
        return None


def wire_protocol(model: ServiceModel) -> str:
    """The protocol botocore speaks to the service: the first of the model's ``protocols``
    that botocore supports (``resolved_protocol``), not the legacy ``protocol`` field, which
    says ``smithy-rpc-v2-cbor`` for services that botocore still reaches with JSON."""
    return str(getattr(model, "resolved_protocol", None) or model.protocol)


@functools.cache
def match_region(service: str, region: str) -> str:
    """The region a call is matched in. A global service's calls (IAM, Route 53, CloudFront,
    Organizations: not regionalized in botocore's endpoint data) match whatever region label the
    client had, and botocore's ``aws-global`` label means the region that endpoint signs for."""
    partition: dict[str, Any] = next(iter(_loader().load_data("endpoints")["partitions"]), {})
    data = partition.get("services", {}).get(service, {})
    global_endpoint = data.get("partitionEndpoint")
    if global_endpoint and (region == global_endpoint or data.get("isRegionalized") is False):
        scope = data.get("endpoints", {}).get(global_endpoint, {}).get("credentialScope", {})
        return str(scope.get("region") or region)
    return region


@functools.cache
def operation_model(service: str, operation: str) -> OperationModel | None:
    """The model of ``service.operation``, or None when botocore does not know it."""
    model = service_model(service)
    if model is None or operation not in model.operation_names:
        return None
    return model.operation_model(operation)


def answers_with_data(name: CallName) -> bool:
    """Whether the call's response body is a payload (an object's bytes, a function's
    output) rather than the API's document of fields; unknown calls are taken as data."""
    model = operation_model(name.service, name.operation)
    shape = model.output_shape if model is not None else None
    return shape is None or bool(shape.serialization.get("payload"))


@functools.cache
def page_tokens(service: str, operation: str) -> frozenset[str]:
    """The response members holding the token of the next page, as botocore's paginator
    model names them (``NextToken``, ``NextContinuationToken``, ``DistributionList.NextMarker``):
    opaque values the server draws, never what the test is about."""
    try:
        pages = _loader().load_service_model(service, "paginators-1")["pagination"]
    except DataNotFoundError:
        return frozenset()
    tokens = pages.get(operation, {}).get("output_token") or []
    tokens = [tokens] if isinstance(tokens, str) else tokens
    # "NextMarker || Contents[-1].Key": the member before the fallback expression.
    return frozenset(first for token in tokens
                     if "[" not in (first := token.split("||")[0].strip()))


SENSITIVE_PLACEHOLDER = "<sensitive>"


def match_view(params: JSON, shape: Shape | None,
               is_secret: SecretTest = model_sensitive) -> JSON:
    """The parameters as matching sees them: secret positions reduced to their presence (the
    cassette holds only their fakes), and so are clock-derived ones (timestamps, by the
    model), which differ on every run; idempotency tokens left out, and so is a checksum
    algorithm that is botocore's default: botocore sends it whether the caller named it
    (s3transfer does) or not."""
    def view(value: Any, node: Node) -> Any:
        if node.idempotency_token or is_default_checksum_algorithm(value, node.shape):
            return DROP
        if node.role != "key" and (node.secret or is_clock(node)):
            return SENSITIVE_PLACEHOLDER if node.secret else CLOCK_PLACEHOLDER
        return DESCEND
    return walk(params, shape, view, is_secret)


CLOCK_PLACEHOLDER = "<time>"


def is_clock(node: Node) -> bool:
    """A timestamp by the model: its type, or an epoch number whose shape or member is named
    for one (the Logs API's ``Timestamp`` longs, ``fromTime``, ``startTime``)."""
    shape = node.shape
    return shape is not None and (shape.type_name == "timestamp" or (
        shape.type_name in ("long", "integer", "double")
        and (shape.name.endswith("Timestamp") or _TIME_MEMBER.search(node.member) is not None)))


_TIME_MEMBER = re.compile(r"(?:^|[a-z])(?:Time|Timestamp)$|^(?:time|timestamp)$")


def match_key(params: JSON, shape: Shape | None,
              is_secret: SecretTest = model_sensitive) -> str:
    """A string equal for two calls exactly when they match."""
    return key_maker(shape, is_secret)(params)


def key_maker(shape: Shape | None, is_secret: SecretTest) -> Callable[[JSON], str]:
    """What makes ``match_key`` for a call's parameters, chosen once per call: kept by a
    cassette, which makes keys for every recording at load and every call at play."""
    if matched_as_given(shape, is_secret):
        return _KEY_ENCODER.encode
    return functools.partial(_walked_key, shape=shape, is_secret=is_secret)


def _walked_key(params: JSON, shape: Shape | None, is_secret: SecretTest) -> str:
    return _KEY_ENCODER.encode(match_view(params, shape, is_secret))


_KEY_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"))  # made once


def matched_as_given(shape: Shape | None, is_secret: SecretTest) -> bool:
    """Whether no value of ``shape`` can hold a position that matching or redaction treat
    apart: a secret (by ``is_secret``, when it answers by shape), a blob, a time, an
    idempotency token, the checksum algorithm. Most calls' parameters are such, and are then
    matched and redacted as given, with no walk. Judged once per shape and test."""
    if not answers_by_shape(is_secret):
        return False
    return shape is None or not any_position(shape, is_secret, _treated_apart)


def _treated_apart(node: Node, is_secret: SecretTest) -> bool:
    shape = node.shape
    return shape is not None and (
        shape.type_name in ("blob", "timestamp") or node.idempotency_token
        or is_checksum_algorithm(shape) or is_clock(node) or is_secret(node))


def input_shape(name: CallName) -> Shape | None:
    model = operation_model(name.service, name.operation)
    return model.input_shape if model is not None else None


def differences(recorded: JSON, live: JSON) -> Iterator[str]:
    """Dotted paths where two parameter sets differ, each with both values."""
    for path, old, new in differing(recorded, live):
        if old is _ABSENT:
            yield f"{path}: absent in the recording, now {_show(new)}"
        elif new is _ABSENT:
            yield f"{path}: recorded {_show(old)}, absent now"
        else:
            yield f"{path or '(parameters)'}: recorded {_show(old)}, now {_show(new)}"


_ABSENT: Any = object()


def differing(recorded: JSON, live: JSON, path: str = "") -> Iterator[tuple[str, JSON, JSON]]:
    """Each dotted path where two parameter sets differ, with both values (``_ABSENT`` for a
    missing one)."""
    if isinstance(recorded, dict) and isinstance(live, dict):
        for key in sorted(set(recorded) | set(live), key=str):
            sub = f"{path}.{key}" if path else str(key)
            yield from differing(recorded.get(key, _ABSENT), live.get(key, _ABSENT), sub) \
                if key in recorded and key in live else \
                [(sub, recorded.get(key, _ABSENT), live.get(key, _ABSENT))]
    elif isinstance(recorded, list) and isinstance(live, list) and len(recorded) == len(live):
        for index, (a, b) in enumerate(zip(recorded, live, strict=True)):
            yield from differing(a, b, f"{path}[{index}]")
    elif recorded != live:
        yield path, recorded, live


_GENERATED = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"  # a uuid
    r"|(?<![0-9A-Za-z])(?=[0-9A-Za-z]*\d)(?=[0-9A-Za-z]*[a-zA-Z])[0-9A-Za-z]{8,}(?![0-9A-Za-z])"
    r"|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}"  # an ISO date and time
    r"|^1[5-9]\d{8}(\d{3})?$"  # epoch seconds or milliseconds
    r"|^-?\d{16,}$")  # a hash() of a string: random per process unless PYTHONHASHSEED is set


def looks_generated(value: JSON) -> bool:
    """Whether a value looks drawn from randomness or the clock (a uuid, a random token, a
    timestamp): re-recording cannot make such a value match."""
    return _GENERATED.search(str(value)) is not None


# Spans that are drawn anew on every run, strictly: a uuid, a long token, key or base64 run
# (letters and digits mixed), an IAM unique id (its documented prefix, then random capitals
# and digits: letters only by chance), a hash() of a string, an ISO time, an epoch time, and
# a short hex draw standing alone (``name_3f9a0c``). Read twice: with "/" inside a base64 run, and
# with "/" as a separator, as in a URL's path (``.../123456789012/3f9a0c``).
_DRAWN_SPANS = (
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|(?<![0-9A-Za-z+/])(?=[0-9A-Za-z+/]*\d)(?=[0-9A-Za-z+/]*[A-Za-z])[0-9A-Za-z+/]{16,}=*"
    r"|(?<![0-9A-Za-z])A(?:CCA|GPA|IDA|IPA|KIA|NPA|NVA|PKA|ROA|SCA|SIA)[0-9A-Z]{12,}"
    r"(?![0-9A-Za-z])"
    r"|(?<!\d)-?\d{16,}(?!\d)"
    r"|\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?"
    r"|(?<![\d.])1[5-9]\d{8}(\d{3})?(\.\d+)?(?![\d.])"
    r"|(?<![0-9A-Za-z])(?=[0-9a-f]*\d)[0-9a-f]{6,15}(?![0-9A-Za-z])")
_DRAWN = (re.compile(_DRAWN_SPANS), re.compile(_DRAWN_SPANS.replace("+/", "+")))


def without_drawn(text: str) -> str:
    """``text`` with each span drawn anew (see ``drawn_alike``) replaced by ``<drawn>``."""
    return _DRAWN[0].sub("<drawn>", text)


def drawn_alike(recorded: JSON, live: JSON) -> bool:
    """Whether two values differ only where each holds something drawn anew (random or from
    the clock): ``bucket-<uuid>`` recorded and ``bucket-<another uuid>`` now, two generated
    certificates. The text around those spans, and their number, must be the same."""
    if not (is_scalar(recorded) and is_scalar(live)):
        return False
    for drawn in _DRAWN:
        skeleton, spans = drawn.subn("<drawn>", str(recorded))
        if spans > 0 and (skeleton, spans) == drawn.subn("<drawn>", str(live)):
            return True
    return False


def is_scalar(value: JSON) -> bool:
    """A string or a number (not a bool): a value that can be read as text."""
    return isinstance(value, str | int | float) and not isinstance(value, bool)


def _show(value: JSON) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 120 else text[:117] + "..."
