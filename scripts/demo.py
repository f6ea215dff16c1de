"""The README's main job: the three workflows recorded, then replayed offline.

Each workflow's scenario runs as a command under ``awstape record`` (against the AWS stand-in,
moto's server on loopback, one for all three so that they share an account) into
``cassettes/<workflow>.yaml``, then under ``awstape replay``: every AWS variable unset, in an
empty network namespace where allowed. The RDS scenario starts its own PostgreSQL each time,
so its database is created, and checked, again in replay.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3

from awstape.lifecycle import command
from awstape.runtime.offline import in_empty_network
from awstape.runtime.standin import running

from . import ecr_sync, local_postgres, rds_provision, rds_request, secret_flow, secret_request

ROOT = Path(__file__).resolve().parent.parent
CASSETTES = ROOT / "cassettes"
TEST_DATA = ROOT / "tests" / "integration" / "fixtures" / "test_data"
REQUESTS = TEST_DATA / "requests"


def ecr_scenario() -> str:
    first = ecr_sync.sync_images("local", "aws", "backstage:latest",
                                 archive=TEST_DATA / "sample-image.tar")
    second = ecr_sync.sync_images("local", "aws", "backstage:latest",
                                  archive=TEST_DATA / "sample-image.tar")
    assert (first.pushed, second.skipped) == (1, 1), (first.summary(), second.summary())
    return f"pushed backstage:latest ({first.outcomes[0].detail}); again: skipped"


def secret_scenario() -> str:
    done = []
    for file in ("secret-payments-db.yaml", "secret-payments-api-key-ssm.yaml"):
        request = secret_request.load(REQUESTS / file)
        first, again = secret_flow.provision(request), secret_flow.provision(request)
        assert not again.changed, again.summary()
        done.append(f"{first.name}: {', '.join(first.actions)}")
    return "; ".join(done) + "; again: no change"


def rds_scenario() -> str:
    with local_postgres.running() as postgres:
        return _rds(postgres)


def _rds(postgres: local_postgres.LocalPostgres) -> str:
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


SCENARIOS: dict[str, Callable[[], str]] = {
    "ecr-sync": ecr_scenario, "secret-flow": secret_scenario, "rds-provision": rds_scenario}
_SUMMARY = re.compile(r"awstape (?:record|replay): (\d+) call\(s\) \w+ in (\d+) ms")


def run_all(mode: str) -> dict[str, dict[str, Any]]:
    """Each scenario under ``awstape record`` or ``awstape replay``: what it did, its calls
    and the time they took in the program (without interpreter start-up)."""
    results = {}
    with running() as server:
        for name in SCENARIOS:
            done = command.spawn(
                mode, CASSETTES / f"{name}.yaml",
                [sys.executable, "-m", "scripts.demo", "scenario", name],
                server=server if mode == "record" else None, allowed_hosts=["127.0.0.1"],
                capture=True)
            summary = _SUMMARY.search(done.stderr)
            if done.returncode != 0 or summary is None:
                raise SystemExit(f"{name}: awstape {mode} failed:\n{done.stdout}{done.stderr}")
            results[name] = {"done": json.loads(done.stdout.strip().splitlines()[-1]),
                             "calls": int(summary.group(1)), "ms": int(summary.group(2))}
    return results


def main(argv: list[str]) -> int:
    if argv[:1] == ["scenario"]:
        print(json.dumps(SCENARIOS[argv[1]]()))
        return 0
    recorded, replayed = run_all("record"), run_all("replay")
    offline = in_empty_network([])[1]
    print(f"Recorded with `awstape record` against the AWS stand-in (moto server) into "
          f"{CASSETTES.relative_to(ROOT)}/; replayed with `awstape replay` in {offline}, "
          "no AWS variables, no credentials.\n")
    for name, result in recorded.items():
        again = replayed[name]
        print(f"{name}\n  recorded: {result['done']}\n  replayed: {again['done']}\n"
              f"  AWS calls: {result['calls']} recorded, {again['calls']} replayed; "
              f"{result['ms']} ms recording, {again['ms']} ms replay "
              f"({again['ms'] / max(result['ms'], 1):.2f}x"
              + (", both including a PostgreSQL start" if name == "rds-provision" else "")
              + ")\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
