"""What a cassette may hold: secrets out, shape-preserving fakes in, and back again at replay.

One ``Redactor`` serves one cassette, at record and at replay alike, so that the live request
at replay is normalized by exactly the rules that wrote the recording:

- request parameters: secret members (see ``rules``) become fakes; account ids, values already
  known to be secret and the user's regexes are replaced wherever they appear;
- responses: the parsed response is walked with the operation's output shape to learn its
  secret values, which are then replaced, with the rest, in the body's own text;
- at replay, where the test supplies a value the recording holds a fake of (put a parameter,
  get it back), the fake is linked to the live value and the response gives the live value;
- at save, the whole file is swept once more for every value known to be secret, and checked
  with the leak scanner: a cassette that would hold a credential is not written.

Request headers (``Authorization``, ``X-Amz-Security-Token``...) are never stored at all.
"""

from __future__ import annotations

import base64
import datetime as _dt
import email.utils
import re
from collections.abc import Mapping
from typing import Any

from botocore.model import OperationModel, ServiceModel, Shape

from awstape.model.calls import (
    JSON,
    CallName,
    differing,
    drawn_alike,
    is_clock,
    is_scalar,
    matched_as_given,
)
from awstape.model.shapes import (
    DESCEND,
    Node,
    SecretTest,
    answers_by_shape,
    any_position,
    is_container,
    leaves,
    protocol_words,
    walk,
)
from awstape.redaction import fakes, rules
from awstape.redaction.fakes import FakeBook
from awstape.redaction.json_secrets import fake_json, link_json, parsed_json_secret
from awstape.redaction.rules import Rules, without_credential_query
from awstape.redaction.scan import refuse_credentials
from awstape.redaction.text import (
    WEB_TOKEN,
    b64,
    change_bytes,
    in_web_tokens,
    md5_b64,
    replace_groups,
    substitute,
)

__all__ = ["Redactor"]

_TWELVE_DIGITS = re.compile(r"\d{12}")


# The shortest value read back as the test sent it when matched by presence (a six-digit hex
# draw; values under eight characters are replaced only as whole tokens): shorter ones could
# stand for other text in a response.
_ECHO_MINIMUM = 6
# AWS access key ids have 16 characters or more: shorter credentials are a stand-in's dummies
# ("testing"), which replay never sees, so sweeping them would make the two differ.
_CREDENTIAL_MINIMUM = 16


class Redactor:
    """The redaction of one cassette; see the module's docstring."""

    def __init__(self, rules_in_force: Rules | None = None) -> None:
        self.rules = rules_in_force or Rules()
        self.book = FakeBook()
        self._in_request = False  # account ids first seen in a request are the test's own
        self._service: ServiceModel | None = None  # of the call being redacted

    # -- values the SDK signs with (record) ---------------------------------------------------

    def learn_credentials(self, *values: str | None) -> None:
        self.book.origin = "credential"
        for value in values:
            if value and len(value) >= _CREDENTIAL_MINIMUM:
                self.book.fake(value, fakes.credential)
        self.book.origin = "response"

    # -- requests (record and replay) ---------------------------------------------------------

    def request_params(self, params: JSON, model: OperationModel) -> JSON:
        self._in_request, self._service = True, model.service_model
        self.book.origin = "request"
        try:
            test = self._secret_test(model)
            if matched_as_given(model.input_shape, test):
                return self._scrubbed(params)
            plain: list[tuple[Any, Node, Any]] = []  # plain positions, as redacted
            before_last_secret = 0  # how many of them came before the call's last secret

            def redact(value: Any, node: Node) -> Any:
                nonlocal before_last_secret
                redacted = self._redact(value, node)
                if node.secret:
                    before_last_secret = len(plain)
                elif redacted is not DESCEND:
                    plain.append((value, node, redacted))
                return redacted

            redacted = walk(params, model.input_shape, redact, test)
            if any(self._redact(value, node) != was
                   for value, node, was in plain[:before_last_secret]):
                # Once more, with the call's secrets known: a plain member written before a
                # secret with the same value ("Name": "test", then an API key "test") is then
                # swept as it will be in the stored cassette. Fakes are the same each time.
                redacted = walk(params, model.input_shape, self._redact, test)
            return redacted
        finally:
            self._in_request = False
            self.book.origin = "response"

    def request_path(self, path: str) -> str:
        return self.scrub(without_credential_query(path))

    # -- responses (record) -------------------------------------------------------------------

    def response(self, body: bytes, headers: dict[str, str], model: OperationModel,
                 status: int, parsed: Mapping[str, Any] | None) -> tuple[bytes, dict[str, str]]:
        if parsed is not None and status < 300 and model.output_shape is not None:
            self._service = model.service_model
            test = self._secret_test(model)
            if self._learns_from(model.output_shape, test):
                walk(parsed, model.output_shape, self._redact, test)  # learns
        return self.scrub_bytes(body), self.response_headers(headers)

    def _learns_from(self, shape: Shape, test: SecretTest) -> bool:
        """Whether walking a response of ``shape`` can teach anything that sweeping its body
        does not: a secret, or an account id in an account member (an ARN's account is found
        in the body's text). Most responses cannot: their walk is left out."""
        if not answers_by_shape(test):  # the user's rules for the call read paths
            return True
        return any_position(shape, test, _taught)

    def response_headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        out = {}
        for name, value in headers.items():
            if name.lower() in self.rules.headers:
                out[name] = fakes.shaped(value, name.lower())
            else:
                out[name] = self.book.fakes.get(value) or self.scrub(value)
        return out

    # -- replay -------------------------------------------------------------------------------

    def link(self, recorded: JSON, live: JSON, model: OperationModel,
             late: tuple[str, ...] = ()) -> None:
        """Pair the fakes of a recorded call with the values the test supplies now, position
        by position; ``late``: paths swept at save, whose fakes pair up the same way."""
        if recorded == live:
            return  # nothing differs: no fake stands for a live value, none is echoed
        for path, fake, value in differing(recorded, live):
            if path in late and isinstance(fake, str) and isinstance(value, str):
                self.book.link(fake, value)
                link_json(self.book, fake, value)
        test = self._secret_test(model)
        paired = _paired(recorded, live, model.input_shape, test)
        for node, fake, value in paired:
            # A blob is text on the wire as base64 of it; short binary bytes are base64 already.
            text_blob = node.shape is not None and node.shape.type_name == "blob"
            if isinstance(fake, Mapping) and isinstance(value, Mapping):
                fake, value, text_blob = fake.get("base64"), value.get("base64"), False
            if (node.secret and node.role != "key" and isinstance(fake, str)
                    and isinstance(value, str) and fake != value):
                self.book.link(fake, value)
                if node.member in rules.MD5_SENT_BESIDE:
                    self.book.link(md5_b64(fake), md5_b64(value))
                if text_blob:
                    self.book.link(b64(fake), b64(value))
                link_json(self.book, fake, value)
        by_presence = self.rules.presence_test(
            CallName(model.service_model.service_name, model.name, ""))
        # With no parameter ignored, matching's presence is secrecy: the same pairs serve.
        self._echo(paired if by_presence is test else
                   _paired(recorded, live, model.input_shape, by_presence))

    def _echo(self, paired: list[tuple[Node, Any, Any]]) -> None:
        """A value matched by presence because it comes from the clock or is ignored (a log
        event's ``timestamp``), or one drawn anew (a certificate the test generated), reads
        back in responses as the test sent it now, as a secret does. Only values long enough
        to be replaced as text without touching others."""
        for node, was, value in paired:
            if (node.role != "key" and was != value and is_scalar(was) and is_scalar(value)
                    and len(str(was)) >= _ECHO_MINIMUM
                    and (node.secret or is_clock(node) or drawn_alike(was, value))):
                self.book.echo(str(was), str(value))
                recorded_time, live_time = _parsed_time(was), _parsed_time(value)
                if is_clock(node) and recorded_time and live_time:
                    # As AWS may write the time back: ISO 8601 in UTC, with or without
                    # milliseconds, or an HTTP date (a REST header).
                    for old, new in zip(_time_forms(recorded_time), _time_forms(live_time),
                                        strict=True):
                        self.book.echo(old, new)
                    self.book.echoed_times.add(live_time)

    def restore(self, body: bytes, headers: dict[str, str]) -> tuple[bytes, dict[str, str]]:
        links = self.book.links
        if not links:
            return body, headers

        def restored(text: str) -> str:
            return in_web_tokens(links.swept(text), links.swept)

        values = list(headers.values())
        return (change_bytes(body, restored, links),
                {name: links.get(value) or swept for name, value, swept
                 in zip(headers, values, links.swept_each(values), strict=True)})

    # -- the file (record) --------------------------------------------------------------------

    def seal(self, text: str, where: str) -> str:
        """The cassette text, swept for known secrets; refused if a credential remains."""
        text = self.scrub(text, thorough=True)
        refuse_credentials(text, where)
        return text

    def seal_body(self, data: bytes, where: str, scan: bool = True) -> bytes:
        """A body as it will be stored, swept for every secret learned by now (the call that
        sent it may have come before the one that revealed them); refused like a cassette.
        ``scan=False`` for a body written as text inside the cassette, scanned with it."""
        data = self.scrub_bytes(data, thorough=True)
        if scan:
            refuse_credentials(data.decode("utf-8", errors="replace"), where)
        return data

    # -- the rules applied ----------------------------------------------------------------------

    def scrub(self, text: str, thorough: bool = False) -> str:
        """A stored text with known secrets, account ids and the user's regexes replaced,
        inside JSON Web Tokens' claims too (a secret learned after a token was faked).
        ``thorough`` for what is written: long secrets inside words too (see ``substitute``)."""
        if self.book.fakes:
            text = substitute(text, self.book.fakes, thorough)
        if self.rules.redact_account_ids:
            text = replace_groups(rules.ACCOUNT_IN_TEXT, text, self._account)
            for real, fake in self.book.accounts.items():
                if real in text:
                    text = re.sub(rf"(?<!\d){real}(?!\d)", fake, text)
        for rule in self.rules.regexes:
            text = rule.pattern.sub(_shaped_match, text)
        return in_web_tokens(text, lambda claims: self.scrub(claims, thorough))

    def scrub_bytes(self, data: bytes, thorough: bool = False) -> bytes:
        return change_bytes(data, lambda text: self.scrub(text, thorough), self.book.fakes)

    def _secret_bytes(self, encoded: str) -> str:
        """The fake of secret bytes, as base64: random bytes of the same length."""
        return self.book.fake(encoded, lambda real, seed: base64.b64encode(
            fakes.fake_bytes(base64.b64decode(real), seed)).decode("ascii"))

    def _account(self, real: str) -> str:
        return self.book.account(real, supplied=self._in_request)

    def _secret_test(self, model: OperationModel) -> SecretTest:
        return self.rules.secret_test(CallName(model.service_model.service_name, model.name, ""))

    def _redact(self, value: Any, node: Node) -> Any:
        """One position of a request or response: secrets faked, the rest scrubbed."""
        if node.role == "key":
            return self._secret(value, node.member) if node.secret and value else DESCEND
        if _is_binary_blob(value, node):  # the canonical form of short bytes
            if node.secret:
                return {"base64": self._secret_bytes(str(value["base64"]))}
            data = base64.b64decode(value["base64"])
            return {"base64": base64.b64encode(self.scrub_bytes(data)).decode("ascii")}
        if is_container(value):
            return DESCEND
        if node.secret:
            if isinstance(value, str):
                fake = self._secret(value, node.member)
                if node.member in rules.MD5_SENT_BESIDE:  # botocore adds its MD5 to the call
                    self.book.fakes.setdefault(md5_b64(value), md5_b64(fake))
                if node.shape is not None and node.shape.type_name == "blob":  # base64 on wire
                    self.book.fakes.setdefault(b64(value), b64(fake))
                return fake
            if isinstance(value, bytes | bytearray):
                return self._secret_bytes(base64.b64encode(bytes(value)).decode("ascii"))
            return value
        if isinstance(value, str):
            return self._plain_text(value, node.member)
        return value

    def _plain_text(self, value: str, member: str) -> str:
        if self._in_request and len(value) < fakes.SWEPT_MINIMUM:
            self.book.plain.add(value)
        if self.rules.redact_account_ids and _TWELVE_DIGITS.fullmatch(value) and (
                member.lower() in rules.ACCOUNT_MEMBERS or self._in_request):
            return self._account(value)  # in a request: the test's own, unless AWS said it
        return self.scrub(value)

    def _scrubbed(self, params: JSON) -> JSON:
        """Request parameters with no position to treat apart (``matched_as_given``): what
        ``_redact`` makes of them, each string scrubbed as text, without a walk's nodes.
        Canonical parameters are plain JSON; anything else goes the walk's way."""
        kind = type(params)
        if kind is str:
            return self._plain_text(params, "")
        if kind is dict:
            return {key: self._scrubbed(value) for key, value in params.items()}
        if kind is list:
            return [self._scrubbed(value) for value in params]
        return walk(params, None, self._redact) if is_container(params) else params

    def _secret(self, value: str, name: str) -> str:
        if not value:
            return value
        if name in rules.CREDENTIAL_MEMBERS:
            return self.book.fake(value, fakes.credential)
        if name in rules.BASIC_TOKEN_MEMBERS:
            return self.book.fake(value, fakes.basic_auth_token)
        if WEB_TOKEN.fullmatch(value):
            return self.book.fake(
                value, lambda real, seed: fakes.web_token(real, seed, self._claims))
        document = parsed_json_secret(value)
        if document is not None:
            return self.book.fake(value, lambda real, seed: fake_json(document, self.book))
        if value not in self.book.fakes and self.book.fakes:
            # A secret built around ones already known (an SSM SecureString read back as
            # "kms:alias/aws/ssm:<value>"): those are replaced, so that linking gives it back.
            known = substitute(value, self.book.fakes, thorough=False)
            if known != value:
                return self.book.fake(value, lambda real, seed: known)
        # A secret that is a word of the protocol ("Password" as a password, "true") is
        # replaced where it stands, never as text: that would rewrite members and literals
        # all over the cassette.
        word = self._service is not None and value in protocol_words(self._service)
        return self.book.fake(value, sweep=not word)

    def _claims(self, claims: str) -> str:
        """A token's claims as stored: secret-keyed values faked, known secrets swept."""
        document = parsed_json_secret(claims)
        if document is not None:
            claims = fake_json(document, self.book, keyed_only=True)
        return self.scrub(claims)


def _parsed_time(value: Any) -> _dt.datetime | None:
    """A time in canonical parameters (ISO 8601, as canonical_params writes it), in UTC."""
    try:
        moment = _dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment.replace(tzinfo=moment.tzinfo or _dt.UTC).astimezone(_dt.UTC)


def _time_forms(moment: _dt.datetime) -> list[str]:
    return [moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
            moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z",
            email.utils.format_datetime(moment, usegmt=True)]


def _paired(recorded: JSON, live: JSON, shape: Shape | None,
            test: SecretTest) -> list[tuple[Node, Any, Any]]:
    """Each position of a recorded call that holds no structure, map or list (its node, as
    ``test`` marks it), with its value there and the live call's (None where it has none)."""
    now = {node.path: value for node, value in leaves(live, shape, test)}
    return [(node, was, now.get(node.path)) for node, was in leaves(recorded, shape, test)]


def _taught(node: Node, test: SecretTest) -> bool:
    """A position a response's walk learns from: a secret, or an account member."""
    return node.member.lower() in rules.ACCOUNT_MEMBERS or test(node)


def _is_binary_blob(value: Any, node: Node) -> bool:
    return (node.shape is not None and node.shape.type_name == "blob"
            and isinstance(value, Mapping) and set(value) == {"base64"})


def _shaped_match(match: re.Match[str]) -> str:
    # Seeded by the rule, not by a counter: the same at record and at replay, so a request
    # parameter that a regex rule touched still matches its recording.
    return fakes.shaped(match.group(0), match.re.pattern)


