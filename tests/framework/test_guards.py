"""What replay refuses, and what recording never loses, tested as users run pytest."""

from __future__ import annotations

from .conftest import Project

TWO_CALLS = '''
import boto3
import pytest


@pytest.mark.vcr{marker}
def test_calls():
    ssm = boto3.client("ssm")
    ssm.put_parameter(Name="/team/flag", Value="on", Type="String")
    value = ssm.get_parameter(Name="/team/flag")["Parameter"]["Value"]
    {extra}
    assert value == "on"
'''


def user_test(marker: str = "", extra: str = "pass") -> str:
    return TWO_CALLS.format(marker=marker, extra=extra)


def record(project: Project, text: str | None = None) -> bytes:
    project.write("test_user.py", text or user_test())
    project.pytest("--record-mode=once", "--aws-standin").assert_outcomes(passed=1)
    return project.cassette("test_user", "test_calls").read_bytes()


def test_missing_cassette_in_ci_says_how_to_record(project: Project) -> None:
    project.write("test_user.py", user_test())
    run = project.pytest(offline=True, env={"CI": "true"})
    run.assert_outcomes(failed=1)  # at the first AWS call: a test making none needs no cassette
    assert "no cassette at" in run.output and "cassettes/test_user/test_calls.yaml" in run.output
    assert "pytest 'test_user.py::test_calls' --record-mode=rewrite" in run.output
    assert not project.cassette("test_user", "test_calls").exists()


def test_unplayed_recordings_fail_and_are_listed(project: Project) -> None:
    record(project)
    get = '    value = ssm.get_parameter(Name="/team/flag")["Parameter"]["Value"]'
    project.write("test_user.py", user_test().replace(get, '    value = "on"'))
    run = project.pytest(offline=True)
    run.assert_outcomes(passed=1, errors=1)  # at teardown: fixtures' cleanup may make them
    assert "left 1 recorded call(s) unplayed" in run.output
    assert 'ssm.GetParameter in us-east-1 {"Name": "/team/flag"}' in run.output
    assert "site-packages" not in run.output and "def awstape" not in run.output  # no source
    project.pytest("--awstape-allow-unused", offline=True).assert_outcomes(passed=1)


def test_failed_rerecord_keeps_the_old_cassette(project: Project) -> None:
    before = record(project)
    project.write("test_user.py", user_test(extra='assert False, "broken on purpose"'))
    for mode in ("rewrite", "all", "new_episodes"):
        project.pytest(f"--record-mode={mode}", "--aws-standin").assert_outcomes(failed=1)
        assert project.cassette("test_user", "test_calls").read_bytes() == before, mode
    assert [p.name for p in project.cassette("test_user", "test_calls").parent.iterdir()] == [
        "test_calls.yaml"]


def test_killed_recording_keeps_the_old_cassette(project: Project) -> None:
    before = record(project)
    project.write("test_user.py", user_test(extra="import os, signal; os.kill(os.getpid(), 9)"))
    run = project.pytest("--record-mode=rewrite", "--aws-standin")
    assert run.returncode == -9, run.output
    assert project.cassette("test_user", "test_calls").read_bytes() == before


def test_command_line_record_mode_beats_marker_and_config(project: Project) -> None:
    project.write("conftest.py", '''
import pytest

@pytest.fixture
def vcr_config():
    return {"record_mode": "none"}
''')
    record(project, user_test(marker='(record_mode="none")'))
    document = project.load("test_user", "test_calls")
    assert [i["call"] for i in document["interactions"]] == ["ssm.PutParameter", "ssm.GetParameter"]


def test_rewrite_records_afresh_and_replaces_on_success(project: Project) -> None:
    record(project)
    project.write("test_user.py", user_test(extra='ssm.get_parameter(Name="/team/flag")'))
    project.pytest("--record-mode=rewrite", "--aws-standin").assert_outcomes(passed=1)
    calls = [i["call"] for i in project.load("test_user", "test_calls")["interactions"]]
    assert calls == ["ssm.PutParameter", "ssm.GetParameter", "ssm.GetParameter"]


def test_network_is_blocked_in_replay_dns_included(project: Project) -> None:
    record(project, user_test(extra="pass  # NET"))
    project.write("test_user.py", user_test(extra='''try:
        import socket
        socket.getaddrinfo("example.com", 443)
    except OSError as swallowed:
        print("swallowed:", swallowed)'''))
    run = project.pytest("-s")  # not in a namespace: the guard alone must stop it
    run.assert_outcomes(failed=1)
    assert "network access to example.com:443 (DNS lookup of) blocked during replay" in run.output


def test_a_miss_and_a_network_block_are_each_one_failure_at_the_tests_line(
        project: Project) -> None:
    record(project)
    missing = user_test(extra='ssm.get_parameter(Name="/team/other")')
    blocked = user_test(extra='urllib.request.urlopen("http://example.com/", timeout=5)')
    project.write("test_user.py", missing + blocked.replace("def test_calls", "def test_net")
                  .replace("import boto3", "import urllib.request"))
    (project.root / "cassettes" / "test_user" / "test_net.yaml").write_bytes(
        project.cassette("test_user", "test_calls").read_bytes())
    run = project.pytest(offline=True)
    run.assert_outcomes(failed=2)  # no teardown error beside them
    assert "no recording answers ssm.GetParameter" in run.output
    assert 'test_user.py:11: ssm.get_parameter(Name="/team/other")' in run.output
    assert "the test tried to reach the network during replay" in run.output
    assert 'urllib.request.urlopen("http://example.com/", timeout=5)' in run.output
    # Neither botocore's, vcrpy's nor awstape's frames, nor vcrpy's own refusal, nor a chain.
    for noise in ("site-packages", "During handling", "Can't play back", "def emit"):
        assert noise not in run.output, run.output


def test_allowed_hosts_reach_local_services_in_replay(project: Project) -> None:
    record(project)
    project.write("test_user.py", user_test(extra='''import socket
    server = socket.create_server(("127.0.0.1", 0))
    socket.create_connection(server.getsockname()).close()'''))
    project.pytest("--allowed-hosts=127.0.0.1", offline=True).assert_outcomes(passed=1)


def test_corrupt_cassette_is_named_with_what_to_do(project: Project) -> None:
    record(project)
    path = project.cassette("test_user", "test_calls")
    path.write_text(path.read_text()[:200])
    run = project.pytest(offline=True)
    run.assert_outcomes(errors=1)
    assert "test_calls.yaml" in run.output and "cannot be parsed" in run.output
    assert "restore it from git" in run.output
