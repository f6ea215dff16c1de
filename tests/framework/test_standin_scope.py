"""--aws-standin records the marked tests on moto's server and touches nothing else: a test
with its own in-process mock_aws keeps it, and under xdist each worker has one server."""

from __future__ import annotations

from .conftest import Project

MIXED = '''
import os

import boto3
import pytest
from moto import mock_aws


@pytest.mark.vcr
def test_a_recorded_test_writes():
    boto3.client("ssm").put_parameter(Name="/kept", Value="1", Type="String")


def test_an_unmarked_test_has_its_own_mock_aws():
    assert "AWS_ENDPOINT_URL" not in os.environ  # the session's environment, not the stand-in's
    with mock_aws():
        ssm = boto3.client("ssm", region_name="eu-west-1")
        ssm.put_parameter(Name="/own", Value="2", Type="String")
        assert ssm.get_parameter(Name="/own")["Parameter"]["Value"] == "2"


@pytest.mark.vcr
def test_a_later_recorded_test_still_reads_what_the_first_wrote():
    assert boto3.client("ssm").get_parameter(Name="/kept")["Parameter"]["Value"] == "1"
'''

PER_WORKER = '''
import os
from pathlib import Path

import boto3
import pytest


def servers_of(controller: int) -> int:
    """The stand-in servers running under the xdist controller, in any of its processes."""
    found = 0
    for entry in Path("/proc").iterdir():
        try:
            if not entry.name.isdigit() or b"ThreadedMotoServer" not in \\
                    (entry / "cmdline").read_bytes():
                continue
            pid = int(entry.name)
            while pid > 1 and pid != controller:
                # The parent's pid follows the state, after the name in brackets, which may
                # hold spaces (xdist names its workers so when setproctitle is installed).
                stat = (Path("/proc") / str(pid) / "stat").read_text()
                pid = int(stat.rpartition(")")[2].split()[1])
            found += pid == controller
        except (OSError, ValueError, IndexError):
            continue
    return found


@pytest.mark.vcr
@pytest.mark.parametrize("n", range(4))
def test_on_the_workers_server(n):
    boto3.client("ssm").put_parameter(Name=f"/p/{n}", Value="v", Type="String")
    Path(f"seen-{os.environ['PYTEST_XDIST_WORKER']}-{n}").write_text(
        f"{os.environ['AWS_ENDPOINT_URL']} {servers_of(os.getppid())}")
'''


def test_an_unmarked_mock_aws_test_neither_sees_nor_wipes_the_standin(project: Project) -> None:
    project.write("test_user.py", MIXED)
    project.pytest("--record-mode=once", "--aws-standin", "-p", "no:randomly").assert_outcomes(
        passed=3)
    project.pytest(offline=True, env={"CI": "true"}).assert_outcomes(passed=3)


def test_under_xdist_each_worker_has_one_server_and_the_controller_none(
        project: Project) -> None:
    project.write("test_user.py", PER_WORKER)
    run = project.pytest("-n", "2", "--record-mode=once", "--aws-standin", timeout=300)
    run.assert_outcomes(passed=4)
    seen = [p.read_text().split() for p in project.root.glob("seen-*")]
    assert len(seen) == 4
    endpoints = {endpoint for endpoint, _ in seen}
    assert len(endpoints) == 2, seen  # one per worker
    assert {count for _, count in seen} <= {"1", "2"}, seen  # never a third, the controller's
