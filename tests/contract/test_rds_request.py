"""RDS request files against the parser: identifiers validated before any SQL can run."""

from __future__ import annotations

import pytest

from scripts import rds_request
from scripts.request_files import RequestError
from tests.integration.conftest import REQUESTS


def test_valid_request() -> None:
    request = rds_request.load(REQUESTS / "rds-payments.yaml")
    assert (request.database_name, request.username) == ("payments", "payments_app")
    assert request.privileges == ("CONNECT", "TEMPORARY")
    assert request.plan()["instance"] == "goldenpath-dev-shared"


def test_hostile_and_reserved_names_and_every_other_problem_at_once() -> None:
    with pytest.raises(RequestError) as raised:
        rds_request.load(REQUESTS / "rds-hostile-names.yaml")
    assert raised.value.source == str(REQUESTS / "rds-hostile-names.yaml")
    assert raised.value.problems == [
        "spec.databaseName: must be a lower-case identifier: a letter, then 2 to 62 letters, "
        "digits or underscores (pattern [a-z][a-z0-9_]{2,62}; got "
        "'payments\"; DROP DATABASE postgres; --')",
        "spec.username: 'postgres' is reserved in PostgreSQL or RDS",
        "spec.storageGb: must be between 20 and 1000 (got 5)",
        "spec.privileges[1]: must be one of CONNECT, CREATE, TEMPORARY (got 'SUPERUSER')",
    ]


@pytest.mark.parametrize(("field", "value", "problem"), [
    ("databaseName", "pg_catalog2", "'pg_catalog2' is reserved"),
    ("databaseName", "Payments", "must be a lower-case identifier"),
    ("username", 42, "must be a string, not int 42"),
])
def test_identifier_rules(field: str, value: object, problem: str) -> None:
    document = {
        "apiVersion": "goldenpath.io/v1", "kind": "RdsDatabaseRequest", "id": "RDS-0002",
        "metadata": {"environment": "dev", "owner": "o", "requester": "r"},
        "spec": {"instance": "db", "databaseName": "payments", "username": "payments_app",
                 "masterSecret": "m", "appSecret": "a", field: value},
    }
    with pytest.raises(RequestError) as raised:
        rds_request.parse(document, "inline")
    assert any(p.startswith(f"spec.{field}: ") and problem in p for p in raised.value.problems)
