"""The README's main job: record AWS calls against the stand-in, then replay them offline.

Recording runs here against moto's server on loopback; replay runs in a child process with
every AWS variable unset and, where ``unshare`` is allowed, in an empty network namespace.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import boto3

from awstape import Target, use_cassette
from awstape.environment import AWS_VARIABLES, isolated, variables
from awstape.standin import running

CASSETTE = Path(__file__).resolve().parent.parent / "cassettes" / "demo" / "core.yaml"


def platform_calls() -> None:
    """A small platform flow: parameters, a secret, a database and its waiter."""
    ssm = boto3.client("ssm")
    ssm.put_parameter(Name="/demo/app/log-level", Value="info", Type="String", Overwrite=True)
    assert ssm.get_parameter(Name="/demo/app/log-level")["Parameter"]["Value"] == "info"
    secrets = boto3.client("secretsmanager")
    secrets.create_secret(Name="demo/app/config", SecretString='{"host": "db.internal"}')
    assert json.loads(secrets.get_secret_value(SecretId="demo/app/config")["SecretString"])
    rds = boto3.client("rds")
    rds.create_db_instance(
        DBInstanceIdentifier="demo-db", Engine="postgres", DBInstanceClass="db.t3.micro",
        MasterUsername="demo", AllocatedStorage=20, ManageMasterUserPassword=True,
    )
    rds.get_waiter("db_instance_available").wait(DBInstanceIdentifier="demo-db")


def record() -> tuple[int, float]:
    with running() as standin, variables(isolated(endpoint_url=standin.endpoint_url)):
        started = time.perf_counter()
        target = Target("standin", moto_version=standin.moto_version)
        with use_cassette(CASSETTE, "rewrite", target=target) as use:
            platform_calls()
        return use.tape.recorded, time.perf_counter() - started


def replay() -> tuple[int, float]:
    started = time.perf_counter()
    with use_cassette(CASSETTE, "none") as use:
        platform_calls()
    return use.tape.replayed, time.perf_counter() - started


def main() -> int:
    if sys.argv[1:] == ["--replay"]:
        print(json.dumps(dict(zip(("calls", "seconds"), replay(), strict=True))))
        return 0
    calls, seconds = record()
    shown = CASSETTE.relative_to(Path.cwd()) if CASSETTE.is_relative_to(Path.cwd()) else CASSETTE
    print(f"recorded  {calls} AWS calls against the stand-in in {seconds * 1000:.0f} ms -> {shown}")
    env = {k: v for k, v in os.environ.items() if k not in AWS_VARIABLES}
    command = [sys.executable, "-m", "scripts.demo", "--replay"]
    offline = "no network namespace (unshare not permitted): network guard only"
    if shutil.which("unshare") and subprocess.run(
            ["unshare", "-n", "true"], capture_output=True, check=False).returncode == 0:
        command = ["unshare", "-n", *command]
        offline = "empty network namespace"
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False,
                          cwd=Path(__file__).resolve().parent.parent)
    if done.returncode != 0:
        print(done.stdout + done.stderr, file=sys.stderr)
        return 1
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"replayed  {result['calls']} AWS calls offline in {result['seconds'] * 1000:.0f} ms "
          f"(no AWS variables, no credentials, {offline})")
    print(f"replay took {result['seconds'] / seconds:.2f}x the recording time")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
