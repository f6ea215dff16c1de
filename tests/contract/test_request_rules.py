"""The request files' rules at their edges: each bound on both sides, each default, each
pattern, in the words a requester reads."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from scripts import rds_request, request_files, secret_request
from scripts.request_files import RequestError
from tests.integration.conftest import REQUESTS

SECRET = request_files.load(REQUESTS / "secret-payments-db.yaml")
SSM = request_files.load(REQUESTS / "secret-payments-api-key-ssm.yaml")
RDS = request_files.load(REQUESTS / "rds-payments.yaml")
ROLE = "arn:aws:iam::111122223333:role/payments-app"


def edited(document: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A copy of ``document`` with dotted paths set (a value of ``...`` removes the key)."""
    out = copy.deepcopy(document)
    for path, value in changes.items():
        *above, last = path.split("__")
        node = out
        for part in above:
            node = node.setdefault(part, {})
        if value is ...:
            node.pop(last, None)
        else:
            node[last] = value
    return out


def secret_problems(document: dict[str, Any]) -> list[str]:
    with pytest.raises(RequestError) as raised:
        secret_request.parse(document, "request.yaml")
    assert raised.value.source == "request.yaml"
    return raised.value.problems


def rds_problems(document: dict[str, Any]) -> list[str]:
    with pytest.raises(RequestError) as raised:
        rds_request.parse(document, "request.yaml")
    assert raised.value.source == "request.yaml"
    return raised.value.problems


# --- SecretRequest -----------------------------------------------------------------------

@pytest.mark.parametrize(("length", "problem"), [
    (15, "spec.value.generate.length: must be between 16 and 128 (got 15)"),
    (16, None), (128, None),
    (129, "spec.value.generate.length: must be between 16 and 128 (got 129)"),
    (True, "spec.value.generate.length: must be an integer, not bool True"),
    ("32", "spec.value.generate.length: must be an integer, not str '32'"),
])
def test_generated_length_is_16_to_128(length: Any, problem: str | None) -> None:
    document = edited(SECRET, spec__value__generate={"length": length})
    if problem is None:
        assert secret_request.parse(document, "r").generate_length == length
    else:
        assert secret_problems(document) == [problem]


@pytest.mark.parametrize(("days", "problem"), [
    (6, "spec.lifecycle.recoveryWindowDays: must be between 7 and 30 (got 6)"),
    (7, None), (30, None),
    (31, "spec.lifecycle.recoveryWindowDays: must be between 7 and 30 (got 31)"),
])
def test_recovery_window_is_7_to_30_days(days: int, problem: str | None) -> None:
    document = edited(SECRET, spec__lifecycle={"recoveryWindowDays": days})
    if problem is None:
        assert secret_request.plan(secret_request.parse(document, "r")).recovery_window_days \
            == days
    else:
        assert secret_problems(document) == [problem]


def test_defaults_window_30_length_32_no_key_no_fields_no_access() -> None:
    document = edited(SECRET, spec__lifecycle=..., spec__value=..., spec__access=...)
    request = secret_request.parse(document, "r")
    assert (request.recovery_window_days, request.generate_length, request.from_env) == \
        (30, 32, None)
    assert (request.kms_key_id, request.fields) == (None, {})
    assert (request.readers, request.writers, request.break_glass) == ((), (), ())
    planned = secret_request.plan(request)
    assert planned.policy is None
    assert planned.to_dict()["kmsKeyId"] == "AWS managed key"


def test_from_env_replaces_generation_and_both_at_once_is_refused() -> None:
    from_env = edited(SECRET, spec__value={"fromEnv": "PAYMENTS_DB_PASSWORD"})
    request = secret_request.parse(from_env, "r")
    assert (request.from_env, request.generate_length) == ("PAYMENTS_DB_PASSWORD", None)
    both = edited(SECRET, spec__value={"fromEnv": "X", "generate": {"length": 20}})
    assert secret_problems(both) == ["spec.value: give either generate or fromEnv, not both"]


@pytest.mark.parametrize("name", ["lower", "1ABC", "A-B", ""])
def test_from_env_must_name_an_environment_variable(name: str) -> None:
    document = edited(SECRET, spec__value={"fromEnv": name})
    assert secret_problems(document) == [
        f"spec.value.fromEnv: must be an environment variable name (pattern "
        f"[A-Z_][A-Z0-9_]*; got {name!r})"]


@pytest.mark.parametrize("group", ["read", "write", "breakGlass"])
def test_every_access_group_takes_role_or_user_arns_only(group: str) -> None:
    good = edited(SECRET, spec__access={group: [ROLE, "arn:aws:iam::111122223333:user/ops"]})
    assert secret_request.parse(good, "r")
    bad = edited(SECRET, spec__access={group: [ROLE, "arn:aws:iam::1:role/x", 7]})
    assert secret_problems(bad) == [
        f"spec.access.{group}[1]: must be an IAM role or user ARN (got 'arn:aws:iam::1:role/x')",
        f"spec.access.{group}[2]: must be an IAM role or user ARN (got 7)"]


@pytest.mark.parametrize("group", ["read", "write", "breakGlass"])
def test_ssm_parameters_refuse_any_access_group(group: str) -> None:
    document = edited(SSM, spec__access={group: [ROLE]})
    assert secret_problems(document) == [
        "spec.access: aws-ssm parameters have no resource policy: grant access in IAM, or use "
        "provider aws-secrets-manager"]


def test_the_policy_has_one_statement_per_group_given() -> None:
    document = edited(SECRET, spec__access={"read": [ROLE], "write": [ROLE],
                                            "breakGlass": [ROLE]})
    policy = secret_request.plan(secret_request.parse(document, "r")).policy
    assert policy == {"Version": "2012-10-17", "Statement": [
        {"Sid": "Read", "Effect": "Allow", "Principal": {"AWS": [ROLE]},
         "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
         "Resource": "*"},
        {"Sid": "Write", "Effect": "Allow", "Principal": {"AWS": [ROLE]},
         "Action": ["secretsmanager:PutSecretValue", "secretsmanager:UpdateSecret",
                    "secretsmanager:DescribeSecret"], "Resource": "*"},
        {"Sid": "BreakGlass", "Effect": "Allow", "Principal": {"AWS": [ROLE]},
         "Action": ["secretsmanager:*"], "Resource": "*"}]}


def test_the_plan_names_describes_tags_and_keys_the_secret() -> None:
    document = edited(SECRET, spec__kmsKeyId="alias/goldenpath-dev")
    planned = secret_request.plan(secret_request.parse(document, "r"))
    assert planned.to_dict() == {
        "name": "goldenpath/dev/payments/db-credentials", "provider": "aws-secrets-manager",
        "description": "SEC-0007: database-credentials for payments (dev), owned by "
                       "team-payments",
        "tags": {"goldenpath:id": "SEC-0007", "goldenpath:owner": "team-payments",
                 "goldenpath:service": "payments", "goldenpath:environment": "dev",
                 "goldenpath:secret-type": "database-credentials",
                 "goldenpath:risk-tier": "medium", "goldenpath:rotation-class": "manual"},
        "kmsKeyId": "alias/goldenpath-dev", "recoveryWindowDays": 7,
        "policy": planned.policy}


@pytest.mark.parametrize("rotation", ["manual", "automatic"])
def test_high_risk_is_accepted_with_rotation(rotation: str) -> None:
    document = edited(SECRET, spec__risk={"tier": "high"},
                      spec__rotation={"rotationClass": rotation})
    assert secret_request.parse(document, "r").risk_tier == "high"


def test_fields_must_be_a_mapping_and_its_keys_are_the_requesters_own() -> None:
    assert secret_problems(edited(SECRET, spec__value={"fields": ["a"]})) == [
        "spec.value.fields: must be a mapping, not list ['a']"]
    free = edited(SECRET, spec__value={"fields": {"anything": 1, "nested": {"x": 2}}})
    assert secret_request.parse(free, "r").fields == {"anything": 1, "nested": {"x": 2}}


# --- RdsDatabaseRequest ------------------------------------------------------------------

@pytest.mark.parametrize(("path", "low", "high", "default"), [
    ("spec__storageGb", 20, 1000, 20),
    ("spec__backups__retentionDays", 1, 35, 7),
])
def test_rds_bounds_and_defaults(path: str, low: int, high: int, default: int) -> None:
    dotted = path.replace("__", ".")
    attribute = "storage_gb" if "storage" in path else "backup_retention_days"
    for fine in (low, high):
        assert getattr(rds_request.parse(edited(RDS, **{path: fine}), "r"), attribute) == fine
    for wrong in (low - 1, high + 1):
        assert rds_problems(edited(RDS, **{path: wrong})) == [
            f"{dotted}: must be between {low} and {high} (got {wrong})"]
    assert getattr(rds_request.parse(edited(RDS, **{path: ...}), "r"), attribute) == default


def test_rds_defaults_size_small_and_privileges_connect_temporary() -> None:
    request = rds_request.parse(edited(RDS, spec__size=..., spec__privileges=...), "r")
    assert (request.size, request.privileges) == ("small", ("CONNECT", "TEMPORARY"))
    twice = rds_request.parse(edited(RDS, spec__privileges=["CREATE", "CONNECT", "CREATE"]),
                              "r")
    assert twice.privileges == ("CREATE", "CONNECT")
    assert rds_problems(edited(RDS, spec__size="huge")) == [
        "spec.size: must be one of small, medium, large (got 'huge')"]


@pytest.mark.parametrize(("name", "problem"), [
    ("pg_payments", "'pg_payments' is reserved in PostgreSQL or RDS"),
    ("template1", "'template1' is reserved in PostgreSQL or RDS"),
    ("ab", "must be a lower-case identifier: a letter, then 2 to 62 letters, digits or "
           "underscores (pattern [a-z][a-z0-9_]{2,62}; got 'ab')"),
    ("Payments", "must be a lower-case identifier: a letter, then 2 to 62 letters, digits or "
                 "underscores (pattern [a-z][a-z0-9_]{2,62}; got 'Payments')"),
])
def test_database_and_role_names(name: str, problem: str) -> None:
    for field in ("databaseName", "username"):
        assert rds_problems(edited(RDS, **{f"spec__{field}": name})) == [
            f"spec.{field}: {problem}"]
    assert rds_request.parse(edited(RDS, spec__username="abc"), "r").username == "abc"


def test_instance_and_secret_ids_and_the_plan() -> None:
    assert rds_problems(edited(RDS, spec__instance="Shared_DB", spec__masterSecret="a b",
                               spec__appSecret="")) == [
        "spec.instance: must be an RDS instance identifier (pattern [a-z][a-z0-9-]{0,62}; got "
        "'Shared_DB')",
        "spec.masterSecret: must be a Secrets Manager secret id (pattern "
        "[A-Za-z0-9/_+=.@-]{1,512}; got 'a b')",
        "spec.appSecret: must be a Secrets Manager secret id (pattern "
        "[A-Za-z0-9/_+=.@-]{1,512}; got '')"]
    assert rds_problems(edited(RDS, spec__appSecret=...)) == ["spec.appSecret: is required"]
    request = rds_request.load(REQUESTS / "rds-payments.yaml")
    assert (request.id, request.environment, request.owner, request.requester) == (
        "RDS-0001", "dev", "team-payments", "alice@example.com")
    assert rds_request.parse(RDS, "r").plan() == {
        "instance": "goldenpath-dev-shared", "database": "payments", "owner": "payments_app",
        "privileges": ["CONNECT", "TEMPORARY"], "masterSecret": "goldenpath/dev/rds/master",
        "appSecret": "goldenpath/dev/payments/db-credentials"}


def test_rds_header_id_and_metadata() -> None:
    document = edited(RDS, kind="SecretRequest", id="RDS-1", metadata={"environment": "qa"})
    assert rds_problems(document) == [
        "kind: must be one of RdsDatabaseRequest (got 'SecretRequest')",
        "id: must be RDS- and four digits, e.g. RDS-0001 (pattern RDS-\\d{4}; got 'RDS-1')",
        "metadata.environment: must be one of dev, staging, prod (got 'qa')",
        "metadata.owner: is required",
        "metadata.requester: is required"]


# --- what every request file shares ------------------------------------------------------

def test_the_error_message_lists_every_problem_under_the_file() -> None:
    error = RequestError("r.yaml", ["a: is required", "b: is wrong"])
    assert str(error) == "r.yaml: 2 problem(s):\n  - a: is required\n  - b: is wrong"
    assert error.source == "r.yaml"


def test_unknown_fields_are_named_with_the_known_ones_beside_them() -> None:
    document = edited(SECRET, spec__risk={"tier": "low", "teir": "low"}, extra=1)
    assert secret_problems(document) == [
        "spec.risk.teir: is not a known field (known here: tier)",
        "extra: is not a known field (known here: apiVersion, id, kind, metadata, spec)"]


@pytest.mark.parametrize(("text", "problem"), [
    ("- a list\n", "the file must hold a mapping (apiVersion, kind, ...)"),
    ("", "the file must hold a mapping (apiVersion, kind, ...)"),
    ("a: 1\nb: [\n", "line 3, column 1: not valid YAML"),
    ("a: 1\na: 2\nb: 1\nb: 2\n", "line 2: key 'a' is given twice (keep one)"),
    ("a: 1\n[x, y]: 2\n", "line 2, column 1: not valid YAML (found unhashable key)"),
])
def test_files_that_are_no_request(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(text)
    with pytest.raises(RequestError) as raised:
        request_files.load(path)
    assert raised.value.problems[0].startswith(problem)
    assert raised.value.source == str(path)
    if "twice" in problem:
        assert raised.value.problems == [problem, "line 4: key 'b' is given twice (keep one)"]


def test_unreadable_files_name_the_file(tmp_path: Path) -> None:
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"id: \xff\n")
    for path, problem in ((binary, "byte 4: not UTF-8 text (a request file is YAML)"),
                          (tmp_path / "absent.yaml", "cannot be read: No such file or directory")):
        with pytest.raises(RequestError) as raised:
            request_files.load(path)
        assert (raised.value.source, raised.value.problems) == (str(path), [problem])
    request = secret_request.load(REQUESTS / "secret-payments-db.yaml")
    assert (request.name, request.service) == ("db-credentials", "payments")


@pytest.mark.parametrize(("text", "problem"), [
    # A scanner error has a place and a problem of its own...
    ("a: 1\nb: [\n", "line 3, column 1: not valid YAML (expected the node content, but "
                      "found '<stream end>')"),
    # ...a character YAML refuses has neither: the error says it all.
    ("a: \x07\n", "not valid YAML (unacceptable character #x0007: special characters are "
                   "not allowed\n  in \"<unicode string>\", position 3)"),
])
def test_yaml_errors_say_where_and_what(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(text)
    with pytest.raises(RequestError) as raised:
        request_files.load(path)
    assert raised.value.problems == [problem]


def test_metadata_service_is_a_lower_case_name() -> None:
    assert secret_problems(edited(SECRET, metadata={**SECRET["metadata"], "service": "Pay"})) \
        == ["metadata.service: must be lower-case letters, digits and dashes (pattern "
            "[a-z][a-z0-9-]{1,62}; got 'Pay')"]


def test_a_type_among_several_is_named_by_each(tmp_path: Path) -> None:
    check = request_files.Checker({"a": 1.5, "b": None, "c": ["x", 2]}, "r")
    assert check.value("a", (str, int)) is None
    assert check.value("b", str, default="fallback") == "fallback"
    assert check.strings("missing") == []
    assert check.strings("c") == ["x"]
    assert check.problems == ["a: must be str or int, not float 1.5",
                              "c[1]: must be a string (got 2)"]
