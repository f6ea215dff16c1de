"""RDS provision: find the instance, read its secrets, create the role and the database.

    python -m scripts.rds_provision REQUEST.yaml [--connect HOST:PORT] [--dry-run] [--json]

Waits until the instance is available, reads the master and app secrets from Secrets Manager,
connects with psycopg and creates or updates the owner role and the database, with grants.
Identifiers are validated by the request parser and quoted by psycopg, never interpolated.
``--connect`` (or RDS_PROVISION_CONNECT) reaches the database elsewhere than the instance's
endpoint: through a tunnel, or a local PostgreSQL standing in for the instance.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import boto3
import psycopg
from psycopg import sql

from . import rds_request, workflow_cli
from .rds_request import RdsRequest
from .workflow_cli import ActionsResult, WorkflowError

log = logging.getLogger("goldenpath.rds_provision")


@dataclass
class RdsResult(ActionsResult):
    endpoint: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "endpoint": self.endpoint}

    def summary(self) -> str:
        target = f"database {self.plan['database']} on {self.plan['instance']}"
        if self.dry_run:
            return f"{self.id}: would provision {target}; nothing done"
        return f"{self.id}: {target}: {', '.join(self.actions) or 'no change'}"


def provision(request: RdsRequest, *, dry_run: bool = False,
              connect_to: str | None = None) -> RdsResult:
    result = RdsResult(request.id, request.plan(), dry_run=dry_run)
    if dry_run:
        return result
    instance = _available_instance(request.instance)
    endpoint = instance.get("Endpoint") or {}
    result.endpoint = f"{endpoint.get('Address', '')}:{endpoint.get('Port', 5432)}"
    master = _secret_json(request.master_secret, ("username", "password"))
    app = _secret_json(request.app_secret, ("password",))
    host, port = _address(connect_to or os.environ.get("RDS_PROVISION_CONNECT")
                          or f"{master.get('host') or endpoint.get('Address')}:"
                             f"{master.get('port') or endpoint.get('Port') or 5432}")
    try:
        with psycopg.connect(host=host, port=port, user=master["username"],
                             password=master["password"], dbname=master.get("dbname", "postgres"),
                             autocommit=True, connect_timeout=10) as connection:
            _apply(connection, request, app["password"], host, port, result)
    except psycopg.OperationalError as error:
        raise WorkflowError(f"{request.id}: cannot reach PostgreSQL at {host}:{port} as "
                            f"{master['username']}: {str(error).strip()}") from None
    for action in result.actions:
        log.info("%s %s: %s", request.id, request.database_name, action)
    return result


def _available_instance(identifier: str) -> dict[str, Any]:
    rds = boto3.client("rds")
    try:
        instance = rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]
    except rds.exceptions.DBInstanceNotFoundFault:
        raise WorkflowError(f"rds.DescribeDBInstances: no instance {identifier}: create it "
                            "first, or fix spec.instance") from None
    if instance.get("DBInstanceStatus") != "available":
        rds.get_waiter("db_instance_available").wait(DBInstanceIdentifier=identifier)
        instance = rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]
    return dict(instance)


def _secret_json(secret_id: str, required: tuple[str, ...]) -> dict[str, Any]:
    client = boto3.client("secretsmanager")
    try:
        text = client.get_secret_value(SecretId=secret_id)["SecretString"]
    except client.exceptions.ResourceNotFoundException:
        raise WorkflowError(f"secretsmanager.GetSecretValue: no secret {secret_id}") from None
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    missing = [k for k in required if not isinstance(value, dict) or not value.get(k)]
    if missing:  # name the keys, never the value
        raise WorkflowError(f"secret {secret_id} must be JSON with {', '.join(required)}; "
                            f"missing {', '.join(missing)}")
    return dict(value)


def _address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit():
        raise WorkflowError(f"not a HOST:PORT address: {text!r}")
    return host, int(port)


def _apply(connection: psycopg.Connection, request: RdsRequest, password: str, host: str,
           port: int, result: RdsResult) -> None:
    database, role = request.database_name, request.username
    run = connection.execute
    if run("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone() is None:
        run(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
            sql.Identifier(role), sql.Literal(password)))
        result.actions.append("role-created")
    elif not _can_log_in(host, port, role, password):
        run(sql.SQL("ALTER ROLE {} WITH LOGIN PASSWORD {}").format(
            sql.Identifier(role), sql.Literal(password)))
        result.actions.append("role-password-updated")
    superuser = run("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()
    if not (superuser and superuser[0]):  # RDS: the master must be a member to hand ownership
        run(sql.SQL("GRANT {} TO current_user").format(sql.Identifier(role)))
    owner = run("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s",
                (database,)).fetchone()
    if owner is None:
        run(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(database),
                                                         sql.Identifier(role)))
        result.actions.append("database-created")
    elif owner[0] != role:
        run(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(sql.Identifier(database),
                                                           sql.Identifier(role)))
        result.actions.append("owner-updated")
    missing = [p for p in request.privileges if not (run(
        "SELECT has_database_privilege(%s, %s, %s)", (role, database, p)).fetchone() or
        (False,))[0]]
    if missing:
        run(sql.SQL("GRANT {} ON DATABASE {} TO {}").format(
            sql.SQL(", ").join(sql.SQL(p) for p in missing), sql.Identifier(database),
            sql.Identifier(role)))
        result.actions.append("privileges-granted")
    public_connect = run("SELECT has_database_privilege('public', %s, 'CONNECT')",
                         (database,)).fetchone()
    if public_connect and public_connect[0]:
        run(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(sql.Identifier(database)))
        result.actions.append("public-revoked")


def _can_log_in(host: str, port: int, role: str, password: str) -> bool:
    try:
        psycopg.connect(host=host, port=port, user=role, password=password, dbname="postgres",
                        connect_timeout=10).close()
        return True
    except psycopg.OperationalError:
        return False


def main(argv: Sequence[str] | None = None) -> int:
    def arguments(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("request", help="an RdsDatabaseRequest YAML file")
        parser.add_argument("--connect", metavar="HOST:PORT",
                            help="reach PostgreSQL here instead of the instance's endpoint")

    def run(args: argparse.Namespace) -> RdsResult:
        return provision(rds_request.load(args.request), dry_run=args.dry_run,
                         connect_to=args.connect)

    return workflow_cli.main(argv, __doc__.splitlines()[0], arguments, run)


if __name__ == "__main__":
    raise SystemExit(main())
