"""RDS provision: request -> parser -> psql. The database exists, with its owner, on a real
PostgreSQL, in recording and in replay alike; the cassette holds no password."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import boto3
import pytest

from scripts import rds_provision, rds_request
from scripts.local_postgres import LocalPostgres
from scripts.request_files import RequestError

from .conftest import FIXTURES, REQUESTS

pytestmark = pytest.mark.vcr
CASSETTES = FIXTURES / "mock_responses" / Path(__file__).stem


@pytest.fixture(scope="module")
def passwords_used() -> Iterator[list[str]]:
    """Every password the tests handled; no cassette of this module may contain one."""
    used: list[str] = []
    yield used
    for cassette in CASSETTES.glob("*.yaml"):
        text = cassette.read_text()
        assert not [p for p in used if p in text], f"a password reached {cassette}"


@pytest.fixture
def instance_with_secrets(postgres: LocalPostgres, isolated_namespace: str,
                          cleanup: Callable[[Callable[[], Any]], None],
                          passwords_used: list[str]) -> tuple[rds_request.RdsRequest, str]:
    """An RDS instance with its master secret (the local PostgreSQL's superuser) and an app
    secret; returns the request for it and the app password."""
    rds, sm = boto3.client("rds"), boto3.client("secretsmanager")
    name = isolated_namespace.replace("-", "_")
    app_password = secrets.token_urlsafe(24)
    passwords_used += [postgres.password, app_password]
    rds.create_db_instance(
        DBInstanceIdentifier=isolated_namespace, Engine="postgres", DBInstanceClass="db.t3.micro",
        MasterUsername=postgres.user, MasterUserPassword=postgres.password, AllocatedStorage=20)
    cleanup(lambda: rds.delete_db_instance(DBInstanceIdentifier=isolated_namespace,
                                           SkipFinalSnapshot=True))
    for secret, value in ((f"{name}/master", {"username": postgres.user,
                                              "password": postgres.password}),
                          (f"{name}/app", {"username": f"{name}_app", "password": app_password})):
        sm.create_secret(Name=secret, SecretString=json.dumps(value))
        cleanup(lambda secret=secret: sm.delete_secret(SecretId=secret,
                                                       ForceDeleteWithoutRecovery=True))
    request = replace(rds_request.load(REQUESTS / "rds-payments.yaml"),
                      instance=isolated_namespace, database_name=name, username=f"{name}_app",
                      master_secret=f"{name}/master", app_secret=f"{name}/app")
    return request, app_password


@pytest.fixture
def drop_after(postgres: LocalPostgres) -> Iterator[list[str]]:
    """Databases and roles to drop from the local PostgreSQL after the test."""
    names: list[str] = []
    yield names
    with postgres.connect() as connection:
        for database, role in zip(names[::2], names[1::2], strict=True):
            connection.execute(f'DROP DATABASE IF EXISTS "{database}"')
            connection.execute(f'DROP ROLE IF EXISTS "{role}"')


class TestRdsProvisioning:
    def test_database_exists_with_its_owner_then_no_change(
            self, postgres: LocalPostgres, instance_with_secrets: tuple[Any, str],
            drop_after: list[str]) -> None:
        request, app_password = instance_with_secrets
        drop_after += [request.database_name, request.username]

        result = rds_provision.provision(request, connect_to=postgres.address)
        # The owner holds every database privilege already; only PUBLIC's are taken away.
        assert result.actions == ["role-created", "database-created", "public-revoked"]
        with postgres.connect() as connection:
            owner = connection.execute(
                "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s",
                (request.database_name,)).fetchone()
        assert owner == (request.username,)
        # The app logs in with the password from its secret.
        postgres.connect(request.database_name, request.username, app_password).close()

        assert rds_provision.provision(request, connect_to=postgres.address).actions == []

    def test_an_existing_database_gets_its_owner_fixed(
            self, postgres: LocalPostgres, instance_with_secrets: tuple[Any, str],
            drop_after: list[str]) -> None:
        request, _ = instance_with_secrets
        drop_after += [request.database_name, request.username]
        with postgres.connect() as connection:
            connection.execute(f'CREATE DATABASE "{request.database_name}"')

        result = rds_provision.provision(request, connect_to=postgres.address)
        assert result.actions == ["role-created", "owner-updated", "public-revoked"]

    def test_a_missing_instance_fails_in_aws_terms(self, isolated_namespace: str) -> None:
        request = replace(rds_request.load(REQUESTS / "rds-payments.yaml"),
                          instance=f"{isolated_namespace}-absent")
        with pytest.raises(rds_provision.WorkflowError,
                           match=r"rds\.DescribeDBInstances: no instance"):
            rds_provision.provision(request, connect_to="127.0.0.1:1")

    def test_hostile_names_are_rejected_before_any_sql(self) -> None:
        with pytest.raises(RequestError) as raised:
            rds_request.load(REQUESTS / "rds-hostile-names.yaml")
        paths = [p.split(":")[0] for p in raised.value.problems]
        assert paths == ["spec.databaseName", "spec.username", "spec.storageGb",
                         "spec.privileges[1]"]
