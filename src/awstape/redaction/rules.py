"""Which values are secret: botocore's models first, then what they miss, then the user's rules.

Users add rules in ``pyproject.toml``::

    [[tool.awstape.redact]]
    path = "ssm.PutParameter.Tags[].Value"   # service.Operation.member path; * matches any
    [[tool.awstape.redact]]
    header = "x-internal-token"              # a response header (and vcrpy's plain HTTP)
    [[tool.awstape.redact]]
    regex = "ghp_[A-Za-z0-9]{36}"            # anywhere in what is stored

``awstape rules`` lists the rules in force.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from botocore.model import Shape

from awstape.model.calls import CallName
from awstape.model.errors import ConfigError
from awstape.model.shapes import Node, SecretTest, by_shape, model_sensitive

__all__ = [
    "ACCOUNT_IN_TEXT", "ACCOUNT_MEMBERS", "BASIC_TOKEN_MEMBERS", "CREDENTIAL_HEADERS",
    "CREDENTIAL_MEMBERS", "CREDENTIAL_QUERY", "MD5_SENT_BESIDE", "METADATA_HOSTS",
    "MISSED_SECRET_MEMBERS", "READABLE_JSON_KEYS", "SECRET_JSON_KEY", "PathRule", "RegexRule",
    "Rules", "load", "plain_by_sibling", "without_credential_query"
]

# Secret members the service models do not flag ``sensitive``, found by reading every model
# for token, password, secret and key members. Member names are unambiguous across services.
MISSED_SECRET_MEMBERS = frozenset({
    "authorizationToken",  # ecr, ecr-public, codeartifact: base64 of user:password
    "AccessKeyId",  # sts, iam: not a secret alone, but half of one, and what scanners flag
    "SessionToken",  # sts Credentials
    "TokenValue",  # ssm StartSession, ResumeSession
    "MasterUserPassword",  # docdb, neptune (rds flags it)
    "Password",  # mq
    "AuthToken",  # elasticache, glue
    "HsmPartitionPassword",  # redshift
    "certificatePrivateKey",  # apigateway
})
# Credentials whose fakes end in EXAMPLE, so that leak scanners know them for fakes.
CREDENTIAL_MEMBERS = frozenset({"AccessKeyId", "accessKeyId", "SecretAccessKey",
                                "secretAccessKey", "SessionToken", "sessionToken"})
BASIC_TOKEN_MEMBERS = frozenset({"authorizationToken"})

# Members the models flag sensitive that are plain text when a sibling member says so: an SSM
# parameter's Value is secret only as a SecureString (the same member carries both).
PLAIN_WHEN_SIBLING = {"Value": ("Type", frozenset({"String", "StringList"}))}


def without_credential_query(url: str) -> str:
    """A URL or path without the query parameters that carry credentials (presigned URLs)."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if k.lower() not in CREDENTIAL_QUERY]
    return urlunsplit(parts._replace(query=urlencode(kept)))


def plain_by_sibling(structure: Mapping[str, Any], member: str) -> bool:
    sibling = PLAIN_WHEN_SIBLING.get(member)
    return sibling is not None and structure.get(sibling[0]) in sibling[1]


# Secret members whose MD5 botocore computes and sends beside them (S3's SSE-C key MD5, which
# S3 echoes back): the MD5 is faked with the key.
MD5_SENT_BESIDE = frozenset({"SSECustomerKey", "CopySourceSSECustomerKey"})

# Members that hold an account id when their value is twelve digits.
ACCOUNT_MEMBERS = frozenset({
    "account", "accountid", "awsaccountid", "owner", "ownerid", "owneraccount",
    "owneraccountid", "registryid", "sourceaccount", "targetaccount", "accountnumber",
})
# Account ids inside ARNs and ECR registry host names.
ACCOUNT_IN_TEXT = re.compile(
    r"(?<=arn:)(?:aws[a-z-]*):[a-z0-9-]*:[a-z0-9-]*:(\d{12})(?=:)|(?<![\d.])(\d{12})(?=\.dkr\.ecr\.)"
)

# Keys of a JSON secret (a Secrets Manager SecretString) whose values are secret; the rest
# (host, port, username, dbname...) stays readable. If no key looks secret, every string
# value except the ones in READABLE_JSON_KEYS is.
SECRET_JSON_KEY = re.compile(r"pass|pwd|secret|token|key|credential|private|auth|cert", re.I)
READABLE_JSON_KEYS = frozenset({
    "host", "hostname", "port", "username", "user", "dbname", "database", "engine",
    "dbinstanceidentifier", "dbclusteridentifier", "region", "endpoint", "url",
})

# Request parts that carry credentials in plain HTTP (vcrpy's section of a cassette).
CREDENTIAL_HEADERS = frozenset({
    "authorization", "x-amz-security-token", "x-amz-content-sha256", "proxy-authorization",
    "cookie", "set-cookie",
})
CREDENTIAL_QUERY = frozenset({
    "x-amz-signature", "x-amz-credential", "x-amz-security-token", "signature",
    "awsaccesskeyid", "x-amz-date",
})
# Where credentials are fetched from outside botocore's clients: never recorded.
METADATA_HOSTS = frozenset({"169.254.169.254", "169.254.170.2", "fd00:ec2::254"})


@dataclass(frozen=True)
class PathRule:
    pattern: str  # service.Operation.member.path; [] for list items; * matches a segment

    @property
    def segments(self) -> tuple[str, ...]:
        return tuple(self.pattern.replace("[]", ".[]").split("."))

    def applies_to(self, service: str, operation: str) -> bool:
        """Whether the rule can match some position of this call."""
        want = self.segments
        return fnmatch.fnmatchcase(service, want[0]) and fnmatch.fnmatchcase(operation, want[1])

    def matches(self, service: str, operation: str, path: Sequence[str]) -> bool:
        want = self.segments
        have = (service, operation, *path)
        return len(want) == len(have) and all(
            fnmatch.fnmatchcase(h, w) for h, w in zip(have, want, strict=True))


@dataclass(frozen=True)
class RegexRule:
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class Rules:
    """The redaction rules in force: the built-in ones and the user's."""

    paths: tuple[PathRule, ...] = ()
    headers: frozenset[str] = frozenset()
    regexes: tuple[RegexRule, ...] = ()
    source: str = ""
    # Parameters matching compares by presence only, though not secret: the escape hatch for
    # values a test derives from the clock or randomness (``[tool.awstape] ignore``, or
    # ``@pytest.mark.awstape(ignore=[...])``).
    ignored: tuple[PathRule, ...] = ()
    redact_account_ids: bool = True
    _cache: dict[tuple[str, str, tuple[str, ...]], bool] = field(
        default_factory=dict, compare=False, repr=False)
    # Each call's tests, made once: they are asked at every position of every call. Not
    # carried over by ``replace`` (init=False): rules with more ignored parameters test anew.
    _tests: dict[tuple[str, str, str], SecretTest] = field(
        default_factory=dict, compare=False, repr=False, init=False)

    def is_secret(self, service: str, operation: str, path: tuple[str, ...],
                  member: str, shape: Shape | None,
                  structure: Mapping[str, Any] | None = None) -> bool:
        """Whether the member at ``path`` of a call's parameters or response is secret;
        ``structure``, the value that holds it, lets a sibling say it is plain."""
        test = self.secret_test(CallName(service, operation, ""))
        return test(Node(tuple(path), member, shape, "member", structure))

    def secret_test(self, name: CallName) -> SecretTest:
        """The one answer to "is this position of ``name``'s parameters or response secret?",
        for every consumer: matching, redaction, linking, drift."""
        key = ("secret", name.service, name.operation)
        if key not in self._tests:
            self._tests[key] = self._secret_test(name)
        return self._tests[key]

    def _secret_test(self, name: CallName) -> SecretTest:
        by_path = any(r.applies_to(name.service, name.operation) for r in self.paths)

        def test(node: Node) -> bool:
            if node.role == "key":  # a map key is secret only if its model says so
                return model_sensitive(node)
            if node.role == "member":
                if node.parent is not None and plain_by_sibling(node.parent, node.member):
                    return False
                if node.member in MISSED_SECRET_MEMBERS:
                    return True
            if model_sensitive(node):
                return True
            return by_path and self._path_is_secret(name, node.pattern)
        return test if by_path else by_shape(test)

    def presence_test(self, name: CallName) -> SecretTest:
        """What matching compares by presence only: secrets, and the ignored parameters."""
        key = ("presence", name.service, name.operation)
        if key not in self._tests:
            self._tests[key] = self._presence_test(name)
        return self._tests[key]

    def _presence_test(self, name: CallName) -> SecretTest:
        secret = self.secret_test(name)
        if not any(r.applies_to(name.service, name.operation) for r in self.ignored):
            return secret

        def test(node: Node) -> bool:
            return secret(node) or any(r.matches(name.service, name.operation, node.pattern)
                                       for r in self.ignored)
        return test

    def ignoring(self, patterns: Sequence[str], source: str) -> Rules:
        """These rules, with more parameters to ignore (a marker's)."""
        found = _ignore_rules(patterns, source)
        return replace(self, ignored=self.ignored + found) if found else self

    def _path_is_secret(self, name: CallName, pattern: tuple[str, ...]) -> bool:
        key = (name.service, name.operation, pattern)
        if key not in self._cache:
            self._cache[key] = any(r.matches(name.service, name.operation, pattern)
                                   for r in self.paths)
        return self._cache[key]

    def describe(self) -> list[str]:
        lines = [
            "request credentials: never stored (only a request's method and path are kept)",
            "credential chain calls (STS, SSO, instance metadata): never recorded",
            "members botocore's service models mark sensitive, in every service "
            "(an SSM parameter's Value only when it is a SecureString)",
            "members the models miss: " + ", ".join(sorted(MISSED_SECRET_MEMBERS)),
            "JSON secrets: only keys matching /" + SECRET_JSON_KEY.pattern + "/ are faked",
            "account ids in ARNs, ECR registry hosts and owner members: "
            "fixed fakes 111122223333, 444455556666, ...",
            "plain HTTP (vcrpy): headers " + ", ".join(sorted(CREDENTIAL_HEADERS))
            + "; query parameters " + ", ".join(sorted(CREDENTIAL_QUERY)),
        ]
        if not self.redact_account_ids:
            lines[5] = "account ids: kept (redact_account_ids = false)"
        where = f" (from {self.source})" if self.source else ""
        lines += [f"path {r.pattern}{where}" for r in self.paths]
        lines += [f"ignore {r.pattern}{where} (matched by presence, not redacted)"
                  for r in self.ignored]
        lines += [f"header {h}{where}" for h in sorted(self.headers)]
        lines += [f"regex {r.pattern.pattern}{where}" for r in self.regexes]
        return lines

    @classmethod
    def from_config(cls, entries: Any, source: str) -> Rules:
        """Rules from the ``redact`` list of ``[tool.awstape]``; every error at once."""
        if not isinstance(entries, list):
            raise ConfigError(f"{source}: [tool.awstape] redact must be a list of tables, "
                              "e.g. [[tool.awstape.redact]] with path, header or regex")
        paths: list[PathRule] = []
        headers: set[str] = set()
        regexes: list[RegexRule] = []
        errors: list[str] = []
        for index, entry in enumerate(entries):
            where = f"redact[{index}]"
            kinds = [k for k in ("path", "header", "regex") if isinstance(entry, Mapping)
                     and k in entry]
            if not isinstance(entry, Mapping) or len(kinds) != 1 or len(entry) != 1:
                errors.append(f"{where}: {entry!r} must have exactly one of path, header, regex")
                continue
            value = entry[kinds[0]]
            if not isinstance(value, str) or not value:
                errors.append(f"{where}.{kinds[0]}: must be a non-empty string")
            elif kinds[0] == "path":
                if len(PathRule(value).segments) < 3:
                    errors.append(f"{where}.path: {value!r} needs service.Operation.member, "
                                  "e.g. ssm.PutParameter.Value or *.*.Tags[].Value")
                else:
                    paths.append(PathRule(value))
            elif kinds[0] == "header":
                headers.add(value.lower())
            else:
                try:
                    regexes.append(RegexRule(re.compile(value)))
                except re.error as error:
                    errors.append(f"{where}.regex: {value!r} is not a valid regex ({error})")
        if errors:
            raise ConfigError(f"{source}: [tool.awstape] redaction rules are invalid:\n  "
                              + "\n  ".join(errors))
        return cls(tuple(paths), frozenset(headers), tuple(regexes), source)


def load(start: Path) -> Rules:
    """The rules of the nearest ``pyproject.toml`` at or above ``start``."""
    for directory in (start, *start.parents):
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file():
            try:
                document = tomllib.loads(pyproject.read_text(encoding="utf-8"))
            except tomllib.TOMLDecodeError as error:
                raise ConfigError(f"{pyproject}: not valid TOML ({error})") from None
            table = document.get("tool", {}).get("awstape", {})
            rules = Rules.from_config(table.get("redact", []), str(pyproject))
            redact_accounts = table.get("redact_account_ids", True)
            if not isinstance(redact_accounts, bool):
                raise ConfigError(f"{pyproject}: [tool.awstape] redact_account_ids must be true "
                                  "or false")
            return replace(rules, ignored=_ignore_rules(table.get("ignore", []), str(pyproject)),
                           redact_account_ids=redact_accounts)
    return Rules()


def _ignore_rules(patterns: Any, source: str) -> tuple[PathRule, ...]:
    if not isinstance(patterns, list | tuple) or not all(
            isinstance(p, str) and len(PathRule(p).segments) >= 3 for p in patterns):
        raise ConfigError(
            f"{source}: ignore must be a list of service.Operation.member paths, e.g. "
            '["logs.FilterLogEvents.startTime", "dynamodb.PutItem.Item.*.N"]')
    return tuple(PathRule(p) for p in patterns)
