"""The README's main job: the three workflows recorded, then replayed offline.

Recording runs here, against the AWS stand-in (moto's server on loopback) and a local
PostgreSQL, into ``cassettes/<workflow>.yaml``. Replay runs in a child process with every AWS
variable unset and, where ``unshare`` is allowed, in an empty network namespace; it starts its
own PostgreSQL there, so the RDS workflow's database is created, and checked, again.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3

from awstape import Target, use_cassette
from awstape.environment import AWS_VARIABLES, isolated, variables
from awstape.standin import running

from . import ecr_sync, local_postgres, rds_provision, rds_request, secret_flow, secret_request
from .local_postgres import LocalPostgres

ROOT = Path(__file__).resolve().parent.parent
CASSETTES = ROOT / "cassettes"
TEST_DATA = ROOT / "tests" / "integration" / "fixtures" / "test_data"
REQUESTS = TEST_DATA / "requests"


def ecr_scenario(postgres: LocalPostgres) -> str:
    first = ecr_sync.sync_images("local", "aws", "backstage:latest",
                                 archive=TEST_DATA / "sample-image.tar")
    second = ecr_sync.sync_images("local", "aws", "backstage:latest",
                                  archive=TEST_DATA / "sample-image.tar")
    assert (first.pushed, second.skipped) == (1, 1), (first.summary(), second.summary())
    return f"pushed backstage:latest ({first.outcomes[0].detail}); again: skipped"


def secret_scenario(postgres: LocalPostgres) -> str:
    done = []
    for file in ("secret-payments-db.yaml", "secret-payments-api-key-ssm.yaml"):
        request = secret_request.load(REQUESTS / file)
        first, again = secret_flow.provision(request), secret_flow.provision(request)
        assert not again.changed, again.summary()
        done.append(f"{first.name}: {', '.join(first.actions)}")
    return "; ".join(done) + "; again: no change"


def rds_scenario(postgres: LocalPostgres) -> str:
    request = rds_request.load(REQUESTS / "rds-payments.yaml")
    rds, sm = boto3.client("rds"), boto3.client("secretsmanager")
    rds.create_db_instance(
        DBInstanceIdentifier=request.instance, Engine="postgres", DBInstanceClass="db.t3.micro",
        MasterUsername=postgres.user, MasterUserPassword=postgres.password, AllocatedStorage=20)
    sm.create_secret(Name=request.master_secret, SecretString=json.dumps(
        {"username": postgres.user, "password": postgres.password}))
    # The app's credentials are the secret that secret-flow created (SEC-0007) just before.
    first = rds_provision.provision(request, connect_to=postgres.address)
    again = rds_provision.provision(request, connect_to=postgres.address)
    assert not again.changed, again.summary()
    with postgres.connect() as connection:
        owner = connection.execute(
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s",
            (request.database_name,)).fetchone()
    assert owner == (request.username,), owner
    return (f"{', '.join(first.actions)}; database {request.database_name} exists on "
            f"PostgreSQL {postgres.address}, owned by {owner[0]}; again: no change")


SCENARIOS: dict[str, Callable[[LocalPostgres], str]] = {
    "ecr-sync": ecr_scenario, "secret-flow": secret_scenario, "rds-provision": rds_scenario}


def record() -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    with running() as standin, local_postgres.running() as postgres, \
            variables(isolated(endpoint_url=standin.endpoint_url)):
        target = Target("standin", moto_version=standin.moto_version)
        for name, scenario in SCENARIOS.items():
            started = time.perf_counter()
            with use_cassette(CASSETTES / f"{name}.yaml", "rewrite", target=target,
                              allowed_hosts=["127.0.0.1"]) as use:
                done = scenario(postgres)
            results[name] = {"done": done, "calls": use.tape.recorded,
                             "seconds": time.perf_counter() - started}
    return results


def replay() -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    with local_postgres.running() as postgres:
        for name, scenario in SCENARIOS.items():
            started = time.perf_counter()
            with use_cassette(CASSETTES / f"{name}.yaml", "none",
                              allowed_hosts=["127.0.0.1"]) as use:
                done = scenario(postgres)
            results[name] = {"done": done, "calls": use.tape.replayed,
                             "seconds": time.perf_counter() - started}
    return results


def offline_command(command: list[str]) -> tuple[list[str], str]:
    """``command`` in an empty network namespace (loopback only), when unshare is allowed."""
    if shutil.which("unshare") and subprocess.run(
            ["unshare", "-n", "true"], capture_output=True, check=False).returncode == 0:
        return (["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "sh", *command],
                "an empty network namespace")
    return command, "the network guard only (unshare is not permitted here)"


def main() -> int:
    if sys.argv[1:] == ["--replay"]:
        print(json.dumps(replay()))
        return 0
    recorded = record()
    env = {k: v for k, v in os.environ.items() if k not in AWS_VARIABLES}
    command, offline = offline_command([sys.executable, "-m", "scripts.demo", "--replay"])
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False,
                          cwd=ROOT)
    if done.returncode != 0:
        print(done.stdout + done.stderr, file=sys.stderr)
        return 1
    replayed = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"Recorded against the AWS stand-in (moto server) and a local PostgreSQL into "
          f"{CASSETTES.relative_to(ROOT)}/; replayed in {offline}, no AWS variables, no "
          "credentials.\n")
    for name, result in recorded.items():
        again = replayed[name]
        print(f"{name}\n  recorded: {result['done']}\n"
              f"  replayed: {again['done']}\n"
              f"  AWS calls: {result['calls']} recorded, {again['calls']} replayed; "
              f"{result['seconds'] * 1000:.0f} ms recording, "
              f"{again['seconds'] * 1000:.0f} ms replay "
              f"({again['seconds'] / result['seconds']:.2f}x)\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
