"""The cassette lifecycle: re-record with a drift report, audit, and command-level record/replay."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from awstape.runtime import standin

from .conftest import Project

USER_TESTS = '''
import os
import time

import boto3
import pytest


@pytest.mark.vcr
def test_reads_replicas():
    ssm = boto3.client("ssm")
    assert ssm.get_parameter(Name="/app/replicas")["Parameter"]["Value"] in ("2", "3")


@pytest.mark.vcr
def test_lists_parameters():
    ssm = boto3.client("ssm")
    names = [p["Name"] for p in ssm.describe_parameters()["Parameters"]]
    assert "/app/replicas" in names
    time.sleep(float(os.environ.get("SLOW_SECONDS", "0")))
'''


class Server:
    """A stand-in the test controls from outside: it changes what AWS answers."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self.ssm = boto3.client("ssm", endpoint_url=endpoint, region_name="us-east-1",
                                aws_access_key_id="x", aws_secret_access_key="x")
        self.env = {"AWS_ENDPOINT_URL": endpoint, "AWS_DEFAULT_REGION": "us-east-1",
                    "AWS_ACCESS_KEY_ID": "AKIALIFECYCLEEXAMPLE", "AWS_SECRET_ACCESS_KEY": "x"}

    def replicas(self, value: str) -> None:
        self.ssm.put_parameter(Name="/app/replicas", Value=value, Type="String", Overwrite=True)


@pytest.fixture
def server() -> Iterator[Server]:
    with standin.running() as running:
        yield Server(running.endpoint_url)


@pytest.fixture
def recorded(project: Project, server: Server) -> Project:
    project.write("test_user.py", USER_TESTS)
    server.replicas("2")
    project.pytest("--record-mode=once", env=server.env).assert_outcomes(passed=2)
    return project


def cassettes(project: Project) -> dict[str, bytes]:
    return {str(p.relative_to(project.root)): p.read_bytes()
            for p in sorted((project.root / "cassettes").rglob("*.yaml"))}


def without_verified(text: bytes) -> dict:
    document = json.loads(text)
    document["recorded"].pop("verified", None)
    return document


def test_drift_is_reported_in_markdown_naming_operation_and_field(
        recorded: Project, server: Server) -> None:
    server.replicas("3")
    run = recorded.run("awstape", "rerecord", "--report-dir", "report", env=server.env)
    assert run.returncode == 1, run.output
    report = (recorded.root / "report" / "drift.md").read_text()
    assert "`ssm.GetParameter`" in report and "`Parameter.Value`" in report
    assert '| "2" | "3" |' in report
    assert json.loads((recorded.root / "report" / "drift.json").read_text())["drift"] is True
    document = recorded.load("test_user", "test_reads_replicas")
    assert document["interactions"][0]["response"]["body"]["json"]["Parameter"]["Value"] == "3"


def test_no_drift_exits_0_and_changes_only_the_verification_date(
        recorded: Project, server: Server) -> None:
    before = cassettes(recorded)
    run = recorded.run("awstape", "rerecord", "--report-dir", "report", env=server.env)
    assert run.returncode == 0, run.output
    assert "No drift" in (recorded.root / "report" / "drift.md").read_text()
    after = cassettes(recorded)
    assert after.keys() == before.keys()
    for name in before:
        assert without_verified(after[name]) == without_verified(before[name])
        assert json.loads(after[name])["recorded"]["verified"]


def test_a_killed_rerecord_leaves_every_cassette_as_it_was(
        recorded: Project, server: Server) -> None:
    before = cassettes(recorded)
    server.replicas("3")  # drift the killed run must not bring in
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    environment.update(server.env, SLOW_SECONDS="60")
    awstape = str(Path(sys.executable).parent / "awstape")
    process = subprocess.Popen([awstape, "rerecord", "-x", "-p", "no:randomly"],
                               cwd=recorded.root, env=environment, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    assert process.stdout is not None
    deadline = time.monotonic() + 60
    for line in process.stdout:  # kill once the first test has passed and been staged
        if "test_reads_replicas PASSED" in line or time.monotonic() > deadline:
            break
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert cassettes(recorded) == before


def test_audit_finds_orphans_stale_missing_and_standin_cassettes(recorded: Project) -> None:
    stale = recorded.cassette("test_user", "test_lists_parameters")
    document = json.loads(stale.read_text())
    document["recorded"]["at"] = "2020-01-01T00:00:00+00:00"
    stale.write_text(json.dumps(document, indent=2))
    orphan = recorded.cassette("test_user", "test_that_was_deleted")
    orphan.write_text(recorded.cassette("test_user", "test_reads_replicas").read_text())
    recorded.write("test_new.py", USER_TESTS.replace("def test_", "def test_new_"))

    run = recorded.run("awstape", "audit", "--max-age", "30", "--fail-on", "orphan,missing")
    assert run.returncode == 1, run.output
    lines = run.output.splitlines()
    assert any(line.startswith("orphan") and "test_that_was_deleted.yaml" in line
               for line in lines)
    assert any(line.startswith("stale") and "test_lists_parameters.yaml" in line
               and "days old" in line for line in lines)
    assert sum(line.startswith("missing") and "test_new.py::test_new_" in line
               for line in lines) == 2
    # Recorded on a local endpoint, not on AWS: flagged as a stand-in recording.
    assert any(line.startswith("standin") and "recorded against endpoint, not AWS" in line
               for line in lines)

    only_old = ("awstape", "audit", "--max-age", "100000", "--fail-on", "orphan,missing",
                "test_user.py")
    assert recorded.run(*only_old).returncode == 1  # the orphan is still there
    orphan.unlink()
    assert recorded.run(*only_old).returncode == 0
    # pytest's own options pass through, wherever they stand.
    selected = recorded.run("awstape", "audit", "-k", "test_new_reads", "--fail-on", "missing")
    assert selected.returncode == 1 and selected.output.count("\nmissing") + \
        selected.output.startswith("missing") == 1, selected.output
    # Asked about some tests only: the other files' cassettes are no orphans, and it says so.
    orphan.write_text(recorded.cassette("test_user", "test_reads_replicas").read_text())
    picked = recorded.run("awstape", "audit", "--fail-on", "orphan", "test_new.py")
    assert picked.returncode == 0 and "orphan" not in picked.output.split("partial")[0]
    assert "a partial view" in picked.output and "cassette folders only" in picked.output
    some = recorded.run("awstape", "audit", "--fail-on", "orphan", "-k", "test_reads")
    assert some.returncode == 0 and "orphans are not judged" in some.output, some.output


def test_aws_cli_recorded_with_awstape_record_replays_offline(
        project: Project, server: Server) -> None:
    server.replicas("2")
    command = ["--", "aws", "ssm", "get-parameter", "--name", "/app/replicas"]
    recording = project.run("awstape", "record", "cassettes/cli.yaml", *command, env=server.env)
    assert recording.returncode == 0, recording.output
    assert "1 call(s) recorded" in recording.output

    replay = project.run("awstape", "replay", "cassettes/cli.yaml", *command)
    assert replay.returncode == 0, replay.output
    assert json.loads(replay.output[replay.output.index("{"):replay.output.rindex("}") + 1])[
        "Parameter"]["Value"] == "2"
    assert "empty network namespace" in replay.output and "1 call(s) replayed" in replay.output

    # Recording again keeps the cassette byte for byte unless AWS answered differently.
    before = (project.root / "cassettes" / "cli.yaml").read_bytes()
    again = project.run("awstape", "record", "cassettes/cli.yaml", *command, env=server.env)
    assert "no drift: the previous cassette is kept" in again.output
    assert (project.root / "cassettes" / "cli.yaml").read_bytes() == before
    server.replicas("3")
    changed = project.run("awstape", "record", "cassettes/cli.yaml", *command, env=server.env)
    assert "change(s) from the previous recording: replaced" in changed.output
    assert list((project.root / "cassettes").iterdir()) == [project.root / "cassettes" / "cli.yaml"]

    other = project.run("awstape", "replay", "cassettes/cli.yaml", "--", "aws", "ssm",
                        "get-parameter", "--name", "/app/other")
    assert other.returncode != 0
    assert 'Name: recorded "/app/replicas", now "/app/other"' in other.output


def test_a_reader_that_goes_away_is_no_error() -> None:
    # awstape diff | head: the pipe closes before awstape has written everything.
    command = subprocess.Popen([str(Path(sys.executable).parent / "awstape"), "rules"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert command.stdout is not None and command.stderr is not None
    command.stdout.close()
    problems = command.stderr.read().decode()
    assert command.wait() == 0 and problems == "", problems
