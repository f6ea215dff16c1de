"""Living beside vcrpy: awstape answers botocore, vcrpy keeps any other HTTP a test makes.

Both share the cassette file. vcrpy's own interactions (plain HTTP, not botocore) are kept in
its ``http`` section through this persister, and vcrpy is told to leave botocore's requests
alone, so AWS traffic is never written twice, nor unredacted.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from awstape.model.errors import CorruptCassette
from awstape.redaction import plain_http, rules
from awstape.redaction.redactor import Redactor
from awstape.redaction.scan import refuse_credentials
from awstape.runtime import engine
from awstape.runtime.network import Guard, is_loopback
from awstape.storage import documents, fileformat, migrate

__all__ = [
    "OwnOrTheirs", "SharedFilePersister", "botocore_unpatched", "configure", "inside_vcrpy",
    "is_botocore_request", "port_matcher", "refusals_reported", "request_hook", "response_hook",
]


def is_botocore_request(request: Any) -> bool:
    headers = {k.lower() for k in getattr(request, "headers", {})}
    return "amz-sdk-invocation-id" in headers or "x-amz-date" in headers


def request_hook(before_record_request: Any = None) -> Any:
    """A vcrpy ``before_record_request``: botocore's requests and credential fetches from the
    instance metadata service are not vcrpy's to keep, and no credential header or query
    parameter is kept. The user's own hook runs last."""

    from vcr.request import Request

    def hook(request: Any) -> Any:
        if not isinstance(request, Request):  # what a test hands the hook itself: not ours
            return before_record_request(request) if before_record_request else request
        if is_botocore_request(request) or request.host in rules.METADATA_HOSTS:
            return None
        tape = engine.active()
        headers, request.uri = plain_http.http_request(
            _redactor(), dict(request.headers), request.uri,
            tape.endpoints if tape is not None else ())
        for name in list(request.headers):
            if name not in headers:
                del request.headers[name]
        return before_record_request(request) if before_record_request else request

    return hook


def response_hook(before_record_response: Any = None) -> Any:
    """A vcrpy ``before_record_response`` that applies the active cassette's redaction."""

    def hook(response: dict[str, Any]) -> Any:
        if isinstance(response, dict) and isinstance(response.get("headers"), dict):
            response = plain_http.http_response(_redactor(), response)
        return before_record_response(response) if before_record_response else response

    return hook


def configure(recorder: Any, persister: Any) -> None:
    """What awstape sets on a vcrpy ``VCR``: where its cassettes are kept, and the loopback-
    tolerant ``port`` matcher."""
    recorder.register_persister(persister)
    recorder.register_matcher("port", port_matcher)


def port_matcher(recorded: Any, live: Any) -> None:
    """vcrpy's ``port`` matcher, except that two requests to loopback match whatever their
    ports: a server the test starts on port 0 is given another one on every run."""
    if recorded.port != live.port and not (is_loopback(recorded.host)
                                           and is_loopback(live.host)):
        raise AssertionError(f"{recorded.port} != {live.port}")


@contextlib.contextmanager
def inside_vcrpy(guard: Guard | None) -> Iterator[None]:
    """What awstape changes inside a test's vcrpy cassette, for the test's time: botocore's
    connections are its own again, and in replay each plain HTTP request vcrpy refuses is
    counted by the network guard."""
    with botocore_unpatched(), (refusals_reported(guard) if guard is not None
                                else contextlib.nullcontext()):
        yield


@contextlib.contextmanager
def refusals_reported(guard: Guard) -> Iterator[None]:
    """Count each plain HTTP request that vcrpy refuses in replay as a way out the guard saw,
    so that a test which swallows vcrpy's error still fails."""
    from vcr.errors import CannotOverwriteExistingCassetteException as Refused

    original = Refused.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        request = kwargs.get("failed_request")
        guard.attempts.append(f"plain HTTP request {getattr(request, 'method', '')} "
                              f"{getattr(request, 'uri', '')} (the cassette holds no recording)")

    Refused.__init__ = init
    try:
        yield
    finally:
        Refused.__init__ = original


@contextlib.contextmanager
def botocore_unpatched() -> Iterator[None]:
    """Inside a vcrpy cassette, botocore's connection pools make botocore's own connections
    again: awstape answers and records AWS calls, and vcrpy's stubs would only look at each
    request to let it through (its lookup, its patches undone and redone around the send),
    a sixth of a recording's time in the suite benchmark. Entered inside vcrpy's cassette, left
    before it."""
    import botocore.awsrequest as awsrequest

    own = ((awsrequest.AWSHTTPConnectionPool, awsrequest.AWSHTTPConnection),
           (awsrequest.AWSHTTPSConnectionPool, awsrequest.AWSHTTPSConnection))
    stubs = [pool.ConnectionCls for pool, _ in own]
    for pool, connection in own:
        pool.ConnectionCls = connection
    try:
        yield
    finally:
        for (pool, _), stub in zip(own, stubs, strict=True):
            pool.ConnectionCls = stub


def _redactor() -> Redactor:
    tape = engine.active()
    return tape.redactor if tape is not None else Redactor()


class SharedFilePersister:
    """A vcrpy persister for the ``http`` section of an awstape cassette; the pytest plugin
    keeps one per session."""

    def __init__(self) -> None:
        # Set when a test fails while recording: vcrpy's save at teardown must not write.
        self.discard_saves = False
        # Cassette paths whose new recording goes elsewhere (a re-record's staging area).
        self.redirects: dict[str, str] = {}
        # The redaction of the test just finished: its save sweeps for every secret it learned.
        self.redactor: Redactor | None = None
        # Files that could not be read: awstape's own load reports them, and none is written.
        self.unreadable: set[str] = set()
        # Cassettes of tests that made AWS calls: theirs is awstape's layout, even when new.
        self.claimed: set[str] = set()

    def owns(self, cassette_path: str) -> bool:
        """Whether a vcrpy cassette is kept in awstape's file: one the test's AWS calls claimed,
        one in awstape's layout, a vcrpy cassette of AWS calls, or one that cannot be read. Any
        other stays pytest-recording's own, with its serializer and extra cassettes, as if
        awstape were not installed."""
        key, path = str(Path(cassette_path)), Path(cassette_path)
        if key in self.claimed or key in self.redirects or key in self.unreadable:
            return True
        if not path.is_file():
            return False
        if fileformat.is_awstape_file(path):
            return True
        try:
            document = fileformat.load_document(path)
        except CorruptCassette:
            return True  # awstape's load says what is wrong with it, in one clear error
        return not migrate.is_vcrpy_document(document) or migrate.holds_aws_calls(document)

    def beside(self, theirs: Any) -> OwnOrTheirs:
        """The persister for one vcrpy cassette, beside pytest-recording's own ``theirs``."""
        return OwnOrTheirs(self, theirs)

    def load_cassette(self, cassette_path: str, serializer: Any) -> tuple[list[Any], list[Any]]:
        from vcr.persisters.filesystem import CassetteNotFoundError
        from vcr.request import Request

        path = Path(cassette_path)
        # awstape has parsed its own layout already; a file without vcrpy's section is not
        # parsed a second time.
        try:
            unread = not path.is_file() or fileformat.lacks_section(path, "http")
            document = {} if unread else fileformat.load_document(path)
        except (CorruptCassette, OSError):
            self.unreadable.add(cassette_path)
            raise CassetteNotFoundError() from None
        if unread:
            raise CassetteNotFoundError()
        if migrate.is_vcrpy_document(document):  # not yet migrated: its plain HTTP only
            document = migrate.from_vcrpy(document, path, Redactor()).extra
        http = document.get("http") or []
        if not http:
            raise CassetteNotFoundError()
        exchanges = [documents.http_from_document(item) for item in http]
        return ([Request._from_dict(request) for request, _ in exchanges],
                [response for _, response in exchanges])

    def save_cassette(self, cassette_path: str, cassette_dict: dict[str, Any],
                      serializer: Any) -> None:
        if self.discard_saves or cassette_path in self.unreadable:
            return
        path = Path(self.redirects.get(cassette_path, cassette_path))
        kept = [
            documents.http_to_document(request._to_dict(), response)
            for request, response in zip(
                cassette_dict["requests"], cassette_dict["responses"], strict=True
            )
            if not is_botocore_request(request)
        ]
        if not kept:
            return
        if path.is_file():
            document = fileformat.load_document(path)
        else:
            document = {"awstape": fileformat.FORMAT_VERSION, "recorded": {}, "interactions": []}
        document["http"] = kept
        text = fileformat.dumps(document)
        if self.redactor is not None:  # swept for every secret the test learned, then scanned
            text = self.redactor.seal(text, str(path))
        else:
            refuse_credentials(text, str(path))  # a credential no rule removed
        fileformat.write_atomically(path, text)


class OwnOrTheirs:
    """One vcrpy cassette's persister: awstape's file through the shared persister, any other
    through the persister pytest-recording set up for it."""

    def __init__(self, own: SharedFilePersister, theirs: Any) -> None:
        self.own, self.theirs = own, theirs

    def load_cassette(self, cassette_path: str, serializer: Any) -> tuple[list[Any], list[Any]]:
        chosen = self.own if self.own.owns(cassette_path) else self.theirs
        return chosen.load_cassette(cassette_path, serializer=serializer)

    def save_cassette(self, cassette_path: str, cassette_dict: dict[str, Any],
                      serializer: Any) -> None:
        chosen = self.own if self.own.owns(cassette_path) else self.theirs
        chosen.save_cassette(cassette_path, cassette_dict, serializer=serializer)
