"""RDS provision: request -> parser -> psql. The database exists, with its owner, on a real
PostgreSQL, in recording and in replay alike; the cassette holds no password."""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import boto3
import pytest

from scripts import rds_provision, rds_request
from scripts.local_postgres import LocalPostgres
from scripts.request_files import RequestError

from .conftest import FIXTURES, REQUESTS, Cli, request_file

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


MakeInstance = Callable[..., tuple[rds_request.RdsRequest, str]]


@pytest.fixture
def make_instance(postgres: LocalPostgres, isolated_namespace: str,
                  cleanup: Callable[[Callable[[], Any]], None],
                  passwords_used: list[str]) -> MakeInstance:
    """Makes an RDS instance (its endpoint on ``port``) with its master secret (by default the
    local PostgreSQL's superuser; ``master`` replaces or adds keys, a string replaces it whole)
    and an app secret; returns the request for it and the app password."""
    rds, sm = boto3.client("rds"), boto3.client("secretsmanager")
    name = isolated_namespace.replace("-", "_")

    def make(master: dict[str, Any] | str | None = None,
             port: int | None = None) -> tuple[rds_request.RdsRequest, str]:
        app_password = secrets.token_urlsafe(24)
        passwords_used.extend([postgres.password, app_password])
        rds.create_db_instance(
            DBInstanceIdentifier=isolated_namespace, Engine="postgres",
            DBInstanceClass="db.t3.micro", MasterUsername=postgres.user,
            MasterUserPassword=postgres.password, AllocatedStorage=20,
            **({"Port": port} if port else {}))  # RDS's default: 5432
        cleanup(lambda: rds.delete_db_instance(DBInstanceIdentifier=isolated_namespace,
                                               SkipFinalSnapshot=True))
        master_value = master if isinstance(master, str) else json.dumps(
            {"username": postgres.user, "password": postgres.password, **(master or {})})
        for secret, value in ((f"{name}/master", master_value),
                              (f"{name}/app", json.dumps({"username": f"{name}_app",
                                                          "password": app_password}))):
            sm.create_secret(Name=secret, SecretString=value)
            cleanup(lambda secret=secret: sm.delete_secret(SecretId=secret,
                                                           ForceDeleteWithoutRecovery=True))
        request = replace(rds_request.load(REQUESTS / "rds-payments.yaml"),
                          instance=isolated_namespace, database_name=name,
                          username=f"{name}_app", master_secret=f"{name}/master",
                          app_secret=f"{name}/app")
        return request, app_password

    return make


@pytest.fixture
def instance_with_secrets(make_instance: MakeInstance) -> tuple[rds_request.RdsRequest, str]:
    return make_instance()


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
            drop_after: list[str], caplog: pytest.LogCaptureFixture) -> None:
        request, app_password = instance_with_secrets
        drop_after += [request.database_name, request.username]
        caplog.set_level("INFO", logger="goldenpath")

        result = rds_provision.provision(request, connect_to=postgres.address)
        # The owner holds every database privilege already; only PUBLIC's are taken away.
        assert result.actions == ["role-created", "database-created", "public-revoked"]
        assert caplog.messages == [f"RDS-0001 {request.database_name}: {action}"
                                   for action in result.actions]
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

    def test_connects_where_the_master_secret_says(
            self, postgres: LocalPostgres, make_instance: MakeInstance,
            drop_after: list[str]) -> None:
        request, _ = make_instance({"host": postgres.host, "port": postgres.port}, port=5433)
        drop_after += [request.database_name, request.username]
        result = rds_provision.provision(request)
        assert result.actions == ["role-created", "database-created", "public-revoked"]
        [instance] = boto3.client("rds").describe_db_instances(
            DBInstanceIdentifier=request.instance)["DBInstances"]
        assert result.endpoint == \
            f"{instance['Endpoint']['Address']}:{instance['Endpoint']['Port']}"

    def test_connects_where_the_environment_says(
            self, postgres: LocalPostgres, make_instance: MakeInstance,
            drop_after: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
        request, _ = make_instance()
        drop_after += [request.database_name, request.username]
        monkeypatch.setenv("RDS_PROVISION_CONNECT", postgres.address)
        assert rds_provision.provision(request).actions == [
            "role-created", "database-created", "public-revoked"]

    def test_without_a_port_the_endpoints_is_used_and_a_refusal_is_explained(
            self, postgres: LocalPostgres, make_instance: MakeInstance) -> None:
        request, _ = make_instance({"host": "127.0.0.1"}, port=5433)
        with pytest.raises(rds_provision.WorkflowError) as raised:
            rds_provision.provision(request)
        message = str(raised.value)
        assert message.startswith(
            f"RDS-0001: cannot reach PostgreSQL at 127.0.0.1:5433 as {postgres.user}: ")
        assert "refused" in message.lower()  # PostgreSQL's own words follow
        assert postgres.password not in message

    def test_the_master_secrets_database_is_the_one_connected_to(
            self, postgres: LocalPostgres, make_instance: MakeInstance) -> None:
        request, _ = make_instance({"dbname": "no_such_database"})
        with pytest.raises(rds_provision.WorkflowError,
                           match='database "no_such_database" does not exist'):
            rds_provision.provision(request, connect_to=postgres.address)

    @pytest.mark.parametrize(("master", "problem"), [
        ({"password": ""}, "must be JSON with username, password; missing password"),
        ("not json", "must be JSON with username, password; missing username, password"),
        ('["a list"]', "must be JSON with username, password; missing username, password"),
    ], ids=["empty-password", "not-json", "a-list"])
    def test_a_master_secret_that_cannot_be_used_is_named_not_shown(
            self, make_instance: MakeInstance, master: Any, problem: str) -> None:
        request, _ = make_instance(master)
        with pytest.raises(rds_provision.WorkflowError) as raised:
            rds_provision.provision(request, connect_to="127.0.0.1:1")
        assert str(raised.value) == f"secret {request.master_secret} {problem}"

    def test_an_instance_not_yet_available_is_waited_for(
            self, postgres: LocalPostgres, instance_with_secrets: tuple[Any, str],
            drop_after: list[str]) -> None:
        """Stopped, then started by someone else while the workflow waits (one waiter delay
        when recorded; replay skips the delays)."""
        request, _ = instance_with_secrets
        drop_after += [request.database_name, request.username]
        rds = boto3.client("rds")
        rds.stop_db_instance(DBInstanceIdentifier=request.instance)
        starter = threading.Timer(
            1.0, lambda: rds.start_db_instance(DBInstanceIdentifier=request.instance))
        starter.start()
        try:
            result = rds_provision.provision(request, connect_to=postgres.address)
        finally:
            starter.join()
        assert result.actions == ["role-created", "database-created", "public-revoked"]

    def test_a_missing_app_secret_is_named(self, make_instance: MakeInstance) -> None:
        request, _ = make_instance()
        absent = replace(request, app_secret=f"{request.app_secret}-absent")
        with pytest.raises(rds_provision.WorkflowError) as raised:
            rds_provision.provision(absent, connect_to="127.0.0.1:1")
        assert str(raised.value) == \
            f"secretsmanager.GetSecretValue: no secret {request.app_secret}-absent"

    def test_the_command_line_reports_the_actions_then_no_change(
            self, postgres: LocalPostgres, make_instance: MakeInstance, tmp_path: Path,
            drop_after: list[str], cli: Cli) -> None:
        request, _ = make_instance()
        drop_after += [request.database_name, request.username]
        file = request_file(tmp_path, "rds-payments.yaml", spec={
            "instance": request.instance, "databaseName": request.database_name,
            "username": request.username, "masterSecret": request.master_secret,
            "appSecret": request.app_secret})
        target = f"RDS-0001: database {request.database_name} on {request.instance}"
        for expected in ("role-created, database-created, public-revoked", "no change"):
            assert cli(rds_provision.main, file, "--connect", postgres.address) == (
                0, f"{target}: {expected}\n", "")
        with postgres.connect() as connection:  # a superuser master needs no membership
            assert connection.execute(
                "SELECT count(*) FROM pg_auth_members WHERE member = "
                "(SELECT oid FROM pg_roles WHERE rolname = current_user)").fetchone() == (0,)

    def test_an_ipv6_host_keeps_its_colons(self, make_instance: MakeInstance) -> None:
        request, _ = make_instance()
        with pytest.raises(rds_provision.WorkflowError,
                           match=r"^RDS-0001: cannot reach PostgreSQL at ::1:1 as "):
            rds_provision.provision(request, connect_to="::1:1")

    @pytest.mark.parametrize("address", ["localhost", "localhost:", ":5432", "host:port"])
    def test_a_connect_address_must_be_host_colon_port(
            self, make_instance: MakeInstance, address: str) -> None:
        request, _ = make_instance()
        with pytest.raises(rds_provision.WorkflowError) as raised:
            rds_provision.provision(request, connect_to=address)
        assert str(raised.value) == f"not a HOST:PORT address: {address!r}"

    def test_a_changed_app_password_and_revoked_privileges_are_put_back(
            self, postgres: LocalPostgres, instance_with_secrets: tuple[Any, str],
            drop_after: list[str]) -> None:
        request, app_password = instance_with_secrets
        drop_after += [request.database_name, request.username]
        rds_provision.provision(request, connect_to=postgres.address)
        with postgres.connect() as connection:
            connection.execute(f'ALTER ROLE "{request.username}" PASSWORD \'drifted-away-1\'')
            connection.execute(f'REVOKE CONNECT, TEMPORARY ON DATABASE '
                               f'"{request.database_name}" FROM "{request.username}"')

        result = rds_provision.provision(request, connect_to=postgres.address)
        assert result.actions == ["role-password-updated", "privileges-granted"]
        postgres.connect(request.database_name, request.username, app_password).close()
        assert rds_provision.provision(request, connect_to=postgres.address).actions == []

    def test_a_master_that_is_no_superuser_hands_the_database_over_as_on_rds(
            self, postgres: LocalPostgres, make_instance: MakeInstance, isolated_namespace: str,
            drop_after: list[str], passwords_used: list[str]) -> None:
        """RDS's master has CREATEROLE and CREATEDB only: it must join the owner role to
        create a database owned by it."""
        master, master_password = f"{isolated_namespace}_master".replace("-", "_"), \
            secrets.token_urlsafe(18)
        passwords_used.append(master_password)
        with postgres.connect() as connection:
            connection.execute(f"CREATE ROLE {master} LOGIN CREATEROLE CREATEDB "
                               f"PASSWORD '{master_password}'")
        request, app_password = make_instance(
            {"username": master, "password": master_password})
        drop_after += [request.database_name, request.username]
        try:
            result = rds_provision.provision(request, connect_to=postgres.address)
            assert result.actions == ["role-created", "database-created", "public-revoked"]
            postgres.connect(request.database_name, request.username, app_password).close()
        finally:  # the database and the app role go with drop_after
            with postgres.connect() as connection:
                connection.execute(f"DROP ROLE {master}")
