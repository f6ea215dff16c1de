"""No way out of replay: every Python-level way out of the process is refused and fails the
test, even when the code under test swallows the error.

Each escape runs inside a replayed test, in an empty network namespace (so that an escape the
guard missed still reaches nothing), and the test must fail naming the attempt. A control run
with the escape made inside ``--disable-recording`` proves each escape really tries to leave.
"""

from __future__ import annotations

import json

import pytest

from ..framework.conftest import Project

REAL_KEY = "AKIA" + "REALREALREALREAL"  # in pieces: the repository's own scan stays clean
ESCAPES = {
    "tcp connect": "socket.create_connection(('127.0.0.1', 9), timeout=1)",
    "tcp connect_ex": "socket.socket().connect_ex(('127.0.0.1', 9))",
    "udp sendto": "socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', "
                  "('127.0.0.1', 9))",
    "udp sendmsg": "socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendmsg([b'x'], [], 0, "
                   "('127.0.0.1', 9))",
    "_socket connect": "_socket.socket().connect(('127.0.0.1', 9))",
    "_socket sendto": "_socket.socket(_socket.AF_INET, _socket.SOCK_DGRAM).sendto(b'x', "
                      "('127.0.0.1', 9))",
    "tcp fast open": "socket.socket().sendto(b'x', getattr(socket, 'MSG_FASTOPEN', 0x20000000), "
                     "('127.0.0.1', 9))",
    "getaddrinfo": "socket.getaddrinfo('escape.invalid', 80)",
    "_socket getaddrinfo": "_socket.getaddrinfo('escape.invalid', 80)",
    "gethostbyname": "socket.gethostbyname('escape.invalid')",
    "gethostbyname_ex": "socket.gethostbyname_ex('escape.invalid')",
    "gethostbyaddr": "socket.gethostbyaddr('127.0.0.2')",
    "getnameinfo": "socket.getnameinfo(('127.0.0.2', 80), 0)",
    "getfqdn": "socket.getfqdn('escape.invalid')",
    "swallowed urllib": "urllib.request.urlopen('http://127.0.0.1:9/', timeout=1)",
    "asyncio open_connection": "asyncio.run(asyncio.open_connection('127.0.0.1', 9))",
    "subprocess python": "subprocess.run([sys.executable, '-c', 'import socket; "
                         "socket.create_connection((\"127.0.0.1\", 9), timeout=1)'], "
                         "check=True, timeout=60)",
    "multiprocessing spawn": "run_in(multiprocessing.get_context('spawn'))",
    "multiprocessing fork": "run_in(multiprocessing.get_context('fork'))",
}

USER_TEST = '''
import _socket
import asyncio
import multiprocessing
import os
import socket
import subprocess
import sys
import urllib.request

import pytest


def escape_in_child():
    import socket
    try:
        socket.create_connection(("127.0.0.1", 9), timeout=1)
    except OSError:
        pass


def run_in(context):
    process = context.Process(target=escape_in_child)
    process.start()
    process.join(60)


@pytest.mark.vcr
def test_escape():
    try:
        exec(os.environ["ESCAPE"])
    except Exception:
        pass  # swallowed: the guard must fail the test all the same
'''


def _project(project: Project) -> Project:
    project.write("test_escape.py", USER_TEST)
    project.save("test_escape", "test_escape",
                 {"awstape": 1, "recorded": {"at": "2026-11-24T00:00:00+00:00"},
                  "interactions": []})
    return project


@pytest.mark.parametrize("escape", sorted(ESCAPES))
def test_every_way_out_fails_the_replayed_test(project: Project, escape: str) -> None:
    run = _project(project).pytest(offline=True, env={"ESCAPE": ESCAPES[escape]})
    assert run.returncode == 1, run.output[-3000:]
    assert "tried to reach the network during replay" in run.output, run.output[-3000:]


def test_an_escape_that_tries_nothing_passes(project: Project) -> None:
    # The control: the same harness with no escape passes, so the failures above are the guard's.
    _project(project).pytest(offline=True, env={"ESCAPE": "pass"}).assert_outcomes(passed=1)


def test_allowed_hosts_are_anchored(project: Project) -> None:
    _project(project).write("conftest.py", '''
import pytest

@pytest.fixture
def vcr_config():
    return {"allowed_hosts": ["localhost"]}
''')
    run = project.pytest(offline=True, env={
        "ESCAPE": "socket.getaddrinfo('localhost.escape.invalid', 80)"})
    assert "tried to reach the network during replay" in run.output, run.output[-3000:]
    run = project.pytest(offline=True, env={"ESCAPE": "socket.getaddrinfo('localhost', 80)"})
    run.assert_outcomes(passed=1)


def test_a_module_level_client_in_a_replay_session_reads_nothing_real(project: Project) -> None:
    # A profile, credentials and config the replay must never read; no metadata service.
    home = project.root / "home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "credentials").write_text(
        f"[default]\naws_access_key_id = {REAL_KEY}\n"
        "aws_secret_access_key = real/secret/real/secret/real/secret/real0\n")
    project.write("test_module_client.py", '''
import json
import os

import boto3
import pytest

CLIENT = boto3.client("ssm", region_name="us-east-1")  # at collection, before any test


@pytest.mark.vcr
def test_client_credentials():
    frozen = CLIENT._request_signer._credentials.get_frozen_credentials()
    with open(os.environ["OUT"], "w") as f:
        json.dump({"key": frozen.access_key}, f)
''')
    project.save("test_module_client", "test_client_credentials",
                 {"awstape": 1, "recorded": {}, "interactions": []})
    out = project.root / "out.json"
    run = project.pytest("test_module_client.py", offline=True, env={
        "HOME": str(home), "OUT": str(out), "AWS_PROFILE": "default"})
    run.assert_outcomes(passed=1)
    seen = json.loads(out.read_text())
    assert seen["key"] != REAL_KEY and seen["key"].endswith("EXAMPLE")


def test_recording_after_replay_in_one_session_signs_with_the_real_chain(
        project: Project) -> None:
    from awstape.runtime import standin

    project.write("test_both.py", '''
import json
import os

import boto3
import pytest


def key_of(client):
    return client._request_signer._credentials.get_frozen_credentials().access_key


@pytest.mark.vcr
def test_a_replays():
    assert key_of(boto3.client("ssm")).endswith("EXAMPLE")  # replay's dummy


@pytest.mark.vcr(record_mode="once")
def test_b_records():
    ssm = boto3.client("ssm")
    ssm.put_parameter(Name="/b", Value="1", Type="String")
    with open(os.environ["OUT"], "w") as f:
        json.dump({"key": key_of(ssm)}, f)
''')
    project.save("test_both", "test_a_replays", {"awstape": 1, "recorded": {}, "interactions": []})
    out = project.root / "out.json"
    real_key = "AKIA" + "SESSIONREAL0000A"
    with standin.running() as server:
        run = project.pytest("test_both.py", env={
            "OUT": str(out), "AWS_ACCESS_KEY_ID": real_key, "AWS_SECRET_ACCESS_KEY": "s" * 40,
            "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": server.endpoint_url})
    run.assert_outcomes(passed=2)
    assert json.loads(out.read_text())["key"] == real_key
    assert project.cassette("test_both", "test_b_records").is_file()
