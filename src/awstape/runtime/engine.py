"""The hooks into botocore: answer calls from a cassette, or let them through and record them.

awstape works at botocore's own event layer, not at the HTTP socket:
- ``provide-client-params`` keeps the parameters exactly as the caller gave them, before
  botocore's own handlers add idempotency tokens or values derived from secrets (S3's
  ``SSECustomerKeyMD5``), which is what calls are matched on;
- ``choose-signer`` turns signing off in pure replay, so no credentials are ever needed;
- ``before-send`` answers the call from the cassette (botocore still parses the response,
  so the test sees exactly what AWS returned), or raises a miss that botocore does not retry;
- ``response-received`` records a call that went to the network;
- ``after-call`` moves the clock-drawn times of a replayed response to replay's clock.

The handlers are added to botocore's built-in handler list, so every botocore session made
after ``install()``, including boto3's default one, carries them. They do nothing while no
tape is playing.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import inspect
import io
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import botocore
import botocore.endpoint
import botocore.handlers
import botocore.waiter
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.model import OperationModel
from botocore.response import StreamingBody

from awstape.model.calls import CallName
from awstape.model.canonical import canonical_params
from awstape.model.cassette import Cassette, Interaction
from awstape.model.errors import CassetteMiss, CorruptCassette
from awstape.redaction.redactor import Redactor
from awstape.runtime import replay_clock
from awstape.runtime.response_bodies import AsyncRecordedBody, RecordedBody
from awstape.storage import cassettes, checksums, fileformat
from awstape.storage.documents import stored_interaction

__all__ = ["Tape", "active", "install", "playing"]

_CALL = "awstape.call"
_REQUEST = "awstape.request"
_PLAYED = "awstape.played"
_ASYNC = "awstape.async"  # a call of aiobotocore's: answered with what it awaits

@dataclass
class Tape:
    """A cassette being played or recorded during one test (or one command)."""

    cassette: Cassette
    replay: bool  # answer calls that the cassette holds
    record: bool  # send the others to the network and record them
    redactor: Redactor = field(default_factory=Redactor)
    rerecord_hint: str = ""  # the command that records the test again, for error messages
    absent: CassetteMiss | None = None  # no cassette to replay: said at the first call
    misses: list[CassetteMiss] = field(default_factory=list)
    endpoints: set[str] = field(default_factory=set)  # where AWS calls went (or were addressed)
    _read_streams: dict[Any, bytes] = field(default_factory=dict)  # event streams, by raw body
    recorded: int = 0
    replayed: int = 0
    clock: replay_clock.ReplayClock | None = None  # made at the first replayed response

    # -- botocore event handlers ---------------------------------------------------------------

    def keep_params(self, params: dict[str, Any], model: OperationModel,
                    context: dict[str, Any]) -> None:
        if self.record and _resolving_credentials():
            return  # the SDK fetching its own credentials: sent, never recorded
        name = CallName(model.service_model.service_name, model.name,
                        context.get("client_region") or "aws-global")
        context[_CALL] = (name, canonical_params(params, model.input_shape), model)

    def choose_signer(self, signature_version: Any) -> Any:
        """In pure replay a call is sent unsigned. A presigned URL or POST is still signed as
        botocore would: the test hands it on, and may read its signature."""
        presigning = str(signature_version).endswith(("-query", "-presign-post"))
        return botocore.UNSIGNED if not self.record and not presigning else None

    def before_sign(self, request_signer: Any, request: Any) -> Any:
        """While recording, learn the credentials in use: should AWS echo them, they go too.
        A call of aiobotocore's (its signer's) is marked, to be answered as it awaits."""
        if request is not None and _is_async(request_signer):
            request.context[_ASYNC] = True
        credentials = getattr(request_signer, "_credentials", None) if self.record else None
        if credentials is None:
            return None
        frozen = credentials.get_frozen_credentials()
        if inspect.isawaitable(frozen):  # aiobotocore awaits what its handlers return
            return self._learn_credentials_later(frozen)
        self.redactor.learn_credentials(frozen.access_key, frozen.secret_key, frozen.token)
        return None

    async def _learn_credentials_later(self, frozen: Any) -> None:
        frozen = await frozen
        self.redactor.learn_credentials(frozen.access_key, frozen.secret_key, frozen.token)

    def before_send(self, request: AWSPreparedRequest) -> AWSResponse | None:
        __tracebackhide__ = True  # a miss is shown at the test's call, not in awstape's code
        kept = request.context.get(_CALL)
        if kept is None:  # an operation called before the tape started
            return None
        name, params, model = kept
        if self.absent is not None:
            self.misses.append(self.absent)
            raise self.absent
        if self.replay:
            redacted = self.redactor.request_params(params, model)
            interaction = self.cassette.play(name, redacted)
            if interaction is not None:
                self._addressed(request.url)
                self.replayed += 1
                self.redactor.link(interaction.params, params, model, interaction.late)
                request.context[_PLAYED] = True
                return self._response(interaction, request)
        if self.record:
            request.context[_REQUEST] = request
            return None
        miss = self.cassette.miss(name, self.redactor.request_params(params, model))
        if self.rerecord_hint:
            miss = CassetteMiss(f"{miss}\n  To record this test again: {self.rerecord_hint}")
        self.misses.append(miss)
        raise miss

    def before_parse(self, operation_model: OperationModel, response_dict: dict[str, Any],
                     **_: Any) -> None:
        """At record, an event stream (``logs.StartLiveTail``, ``s3.SelectObjectContent``) is
        read whole before botocore's parser takes its first event, and handed on from memory:
        the recording then holds the stream from its start. Recording waits until the server
        ends the stream."""
        body = response_dict["body"]
        if (self.record and operation_model.has_event_stream_output
                and not isinstance(body, bytes | RecordedBody) and not _is_async(body)):
            data = body.read()
            # response-received is handed the same raw response, already read: it finds the
            # bytes here, by that response object
            self._read_streams[body] = data
            response_dict["body"] = RecordedBody(data)

    def response_received(self, response_dict: dict[str, Any] | None,
                          parsed_response: dict[str, Any] | None,
                          context: dict[str, Any], **_: Any) -> Any:
        request = context.pop(_REQUEST, None)
        if response_dict is None:
            return None
        body = response_dict["body"]
        if not isinstance(body, bytes):  # an event stream read before parsing is forgotten
            body = self._read_streams.pop(body, body)  # here, even when it is not recorded
        if request is None:
            return None
        if not isinstance(body, bytes):  # a streaming output: read it, hand the test a copy
            data = body.read()
            if inspect.isawaitable(data):  # aiobotocore's: read as it awaits this handler
                return self._record_streamed_later(data, request, response_dict,
                                                   parsed_response, context)
            body = self._copied(data, parsed_response, StreamingBody(io.BytesIO(data),
                                                                     len(data)))
        self._record(body, request, response_dict, parsed_response, context)
        return None

    async def _record_streamed_later(self, reading: Any, request: Any,
                                     response_dict: dict[str, Any],
                                     parsed_response: dict[str, Any] | None,
                                     context: dict[str, Any]) -> None:
        from aiobotocore.response import AioStreamingBody

        data = await reading
        body = self._copied(data, parsed_response,
                            AioStreamingBody(AsyncRecordedBody(data), len(data)))
        self._record(body, request, response_dict, parsed_response, context)

    @staticmethod
    def _copied(data: bytes, parsed_response: dict[str, Any] | None, copy: Any) -> bytes:
        """Hand the test ``copy`` of the streamed body it would have read."""
        for key, value in (parsed_response or {}).items():
            if isinstance(value, StreamingBody):
                parsed_response[key] = copy  # type: ignore[index]
        return data

    def _record(self, body: bytes, request: Any, response_dict: dict[str, Any],
                parsed_response: dict[str, Any] | None, context: dict[str, Any]) -> None:
        name, params, model = context[_CALL]
        self._addressed(request.url)
        self.cassette.record(stored_interaction(
            self.redactor, name, params, model, request.method, request.url,
            int(response_dict["status_code"]), response_dict["headers"], body, parsed_response))
        self.recorded += 1

    def _addressed(self, url: str) -> None:
        """Note where an AWS call went (at replay, where it was addressed): a presigned URL
        to there is read as what it asks for, at record and at replay alike."""
        parts = urlsplit(url)
        self.endpoints.add(f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}")

    def after_call(self, parsed: dict[str, Any], model: OperationModel,
                   context: dict[str, Any]) -> None:
        if not context.pop(_PLAYED, False):
            return
        if self.clock is None:
            with contextlib.suppress(TypeError, ValueError):
                at = _dt.datetime.fromisoformat(str(self.cassette.provenance.get("at")))
                self.clock = replay_clock.ReplayClock(at if at.tzinfo else
                                                      at.replace(tzinfo=_dt.UTC))
        if self.clock is not None:
            self.clock.move(parsed, model.output_shape, supplied=self.redactor.book.echoed_times)

    def _response(self, interaction: Interaction, request: AWSPreparedRequest) -> AWSResponse:
        try:
            stored = fileformat.decode_body(interaction.body, cassettes.bodies_dir(
                self.cassette) if "sha256" in interaction.body else None)
        except CorruptCassette as error:
            raise CorruptCassette(f"{self.cassette.path}: {interaction.name}: {error}") from None
        data, headers = self.redactor.restore(stored, dict(interaction.headers))
        if data != stored:  # a linked value put back: its checksums follow
            headers = checksums.refreshed(headers, data)
        if data or "content-length" not in headers:  # a HEAD keeps the size it reported
            headers["content-length"] = str(len(data))
        if request.context.get(_ASYNC):
            from aiobotocore.awsrequest import AioAWSResponse

            return AioAWSResponse(request.url, interaction.status, headers,
                                  AsyncRecordedBody(data))
        return AWSResponse(request.url, interaction.status, headers, RecordedBody(data))


# Modules whose botocore clients fetch credentials (STS assume-role, SSO, web identity).
_CREDENTIAL_MODULES = frozenset({"botocore.credentials", "botocore.tokens",
                                 "aiobotocore.credentials", "aiobotocore.tokens"})


def _resolving_credentials() -> bool:
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_globals.get("__name__") in _CREDENTIAL_MODULES:
            return True
        frame = frame.f_back  # type: ignore[assignment]
    return False


def _is_async(thing: Any) -> bool:
    """Whether ``thing`` is aiobotocore's (a signer, a response body): awaited, not called."""
    return type(thing).__module__.startswith("aiobotocore")


# -- the one active tape, shared by every thread of the process ----------------------------------

_active: Tape | None = None
_active_lock = threading.Lock()


def active() -> Tape | None:
    """The tape playing now, if any."""
    return _active


def _keep_params(params: dict[str, Any], model: OperationModel, context: dict[str, Any],
                 **_: Any) -> None:
    tape = _active
    if tape is not None:
        tape.keep_params(params, model, context)


def _choose_signer(signature_version: Any = None, **_: Any) -> Any:
    tape = _active
    return tape.choose_signer(signature_version) if tape is not None else None


def _before_sign(request_signer: Any = None, request: Any = None, **_: Any) -> Any:
    tape = _active
    return tape.before_sign(request_signer, request) if tape is not None else None


def _before_send(request: AWSPreparedRequest, **_: Any) -> AWSResponse | None:
    __tracebackhide__ = True
    tape = _active
    return tape.before_send(request) if tape is not None else None


def _before_parse(**kwargs: Any) -> None:
    tape = _active
    if tape is not None:
        tape.before_parse(**kwargs)


def _response_received(**kwargs: Any) -> Any:
    tape = _active
    return tape.response_received(**kwargs) if tape is not None else None


def _after_call(parsed: dict[str, Any], model: OperationModel, context: dict[str, Any],
                **_: Any) -> None:
    tape = _active
    if tape is not None:
        tape.after_call(parsed, model, context)


_FIRST, _LAST = botocore.handlers.REGISTER_FIRST, botocore.handlers.REGISTER_LAST
# Replay's "no signer" must come before botocore's own choice of one (S3's operation-specific
# signer), which would otherwise sign every replayed S3 call for nothing.
_HANDLERS: list[tuple[str, Callable[..., Any], object]] = [
    ("provide-client-params", _keep_params, _LAST),
    ("choose-signer", _choose_signer, _FIRST),
    ("before-sign", _before_sign, _LAST),
    ("before-send", _before_send, _LAST),
    ("before-parse", _before_parse, _LAST),
    ("response-received", _response_received, _LAST),
    ("after-call", _after_call, _LAST),
]


def install() -> None:
    """Make every botocore session created from now on carry awstape's handlers."""
    builtin = botocore.handlers.BUILTIN_HANDLERS
    # Ours at the end (the usual case, seen without a scan of botocore's list), or anywhere.
    if builtin[-len(_HANDLERS):] == _HANDLERS or _HANDLERS[0] in builtin:
        return  # sessions made since the first install() have them already: never twice,
        # since botocore calls every before-send handler, and each one would play a call
    builtin.extend(_HANDLERS)
    try:  # a boto3 default session made before install()
        import boto3

        session = boto3.DEFAULT_SESSION
    except ImportError:
        session = None
    if session is not None:
        for event, function, order in _HANDLERS:
            register = (session.events.register_first if order is _FIRST
                        else session.events.register_last)
            register(event, function, unique_id=f"awstape-{event}")


class _NoSleep:
    """Stands in for the ``time`` module inside botocore's waiter and retry loop."""

    @staticmethod
    def sleep(seconds: float) -> None:
        return None

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


@contextlib.contextmanager
def playing(tape: Tape) -> Iterator[Tape]:
    """Make ``tape`` the active one; in replay, waiter delays and retry backoff are skipped."""
    global _active
    install()
    with _active_lock:
        if _active is not None:
            raise RuntimeError("awstape: a cassette is already playing in this process")
        _active = tape
    skip_sleeps = tape.replay and not tape.record  # a real waiter still waits for real AWS
    patched = [(botocore.waiter, "time"), (botocore.endpoint, "time")] if skip_sleeps else []
    originals = [getattr(module, attribute) for module, attribute in patched]
    for module, attribute in patched:
        setattr(module, attribute, _NoSleep())
    try:
        yield tape
    finally:
        for (module, attribute), original in zip(patched, originals, strict=True):
            setattr(module, attribute, original)
        with _active_lock:
            _active = None
