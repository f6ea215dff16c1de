"""Record against the stand-in, then replay offline: the core promise, tested as users run it."""

from __future__ import annotations

import json

from .conftest import Project

USER_TEST = '''
import boto3
import pytest


@pytest.mark.vcr
def test_platform_calls():
    ssm = boto3.client("ssm")
    ssm.put_parameter(Name="/app/db/host", Value="db.internal", Type="String")
    ssm.put_parameter(Name="/app/db/port", Value="5432", Type="String")
    secrets = boto3.client("secretsmanager")
    secrets.create_secret(Name="app/db", SecretString="{}")
    rds = boto3.client("rds")
    rds.create_db_instance(
        DBInstanceIdentifier="app-db", Engine="postgres", DBInstanceClass="db.t3.micro",
        MasterUsername="app", MasterUserPassword="not-a-real-one-1", AllocatedStorage=20,
    )
    rds.get_waiter("db_instance_available").wait(DBInstanceIdentifier="app-db")
    # BODY
    assert ssm.get_parameter(Name="/app/db/host")["Parameter"]["Value"] == "db.internal"
    assert ssm.get_parameter(Name="/app/db/port")["Parameter"]["Value"] == "5432"
    assert secrets.describe_secret(SecretId="app/db")["Name"] == "app/db"
'''


def record(project: Project, text: str = USER_TEST) -> None:
    project.write("test_user.py", text)
    project.pytest("--record-mode=once", "--aws-standin").assert_outcomes(passed=1)


def test_recorded_on_standin_replays_offline_without_aws_variables(project: Project) -> None:
    record(project)
    document = project.load("test_user", "test_platform_calls")
    assert document["recorded"]["against"] == "standin"
    assert document["recorded"]["moto"]
    assert document["recorded"]["botocore"]
    assert [i["call"] for i in document["interactions"]][:3] == [
        "ssm.PutParameter", "ssm.PutParameter", "secretsmanager.CreateSecret"]
    project.pytest(offline=True).assert_outcomes(passed=1)


def test_replay_never_reads_the_developers_profiles(project: Project) -> None:
    record(project)
    broken = project.write("home/.aws/credentials", "this is [not an ini file\n")
    run = project.pytest(offline=True, env={
        "HOME": str(broken.parent.parent), "AWS_PROFILE": "no-such-profile",
        "AWS_SHARED_CREDENTIALS_FILE": str(broken), "AWS_CONFIG_FILE": str(broken),
    })
    run.assert_outcomes(passed=1)


def test_reordered_calls_replay(project: Project) -> None:
    record(project)
    reordered = USER_TEST.replace(
        '''    assert ssm.get_parameter(Name="/app/db/host")["Parameter"]["Value"] == "db.internal"
    assert ssm.get_parameter(Name="/app/db/port")["Parameter"]["Value"] == "5432"''',
        '''    assert ssm.get_parameter(Name="/app/db/port")["Parameter"]["Value"] == "5432"
    assert ssm.get_parameter(Name="/app/db/host")["Parameter"]["Value"] == "db.internal"''',
    )
    assert reordered != USER_TEST
    project.write("test_user.py", reordered)
    project.pytest(offline=True).assert_outcomes(passed=1)


def test_recording_replays_against_another_endpoint(project: Project) -> None:
    record(project)
    project.write("test_user.py", USER_TEST.replace(
        'boto3.client("ssm")', 'boto3.client("ssm", endpoint_url="http://nowhere.invalid")'))
    project.pytest(offline=True).assert_outcomes(passed=1)
    project.pytest(offline=True, env={"AWS_ENDPOINT_URL": "https://ssm.eu-west-1.amazonaws.com"}
                   ).assert_outcomes(passed=1)


def test_added_call_fails_at_once_in_aws_terms(project: Project) -> None:
    record(project)
    project.write("test_user.py", USER_TEST.replace(
        "    # BODY", '    ssm.get_parameter(Name="/app/db/user")'))
    run = project.pytest(offline=True)
    run.assert_outcomes(failed=1)
    assert "no recording answers ssm.GetParameter in us-east-1" in run.output
    assert 'Name: recorded "/app/db/host", now "/app/db/user"' in run.output
    assert "cassettes/test_user/test_platform_calls.yaml" in run.output
    assert ("pytest 'test_user.py::test_platform_calls' --record-mode=rewrite --aws-standin"
            in run.output)
    assert "HTTPClientError" not in run.output and "Max retries" not in run.output


def test_waiter_with_pending_polls_replays_without_sleeping(project: Project) -> None:
    record(project)
    document = project.load("test_user", "test_platform_calls")
    polls = [i for i in document["interactions"] if i["call"] == "rds.DescribeDBInstances"]
    assert len(polls) == 1
    pending = json.loads(json.dumps(polls[0]))
    lines = pending["response"]["body"]["xml"]
    pending["response"]["body"]["xml"] = [
        line.replace("<DBInstanceStatus>available<", "<DBInstanceStatus>creating<")
        for line in lines]
    assert pending != polls[0]
    at = document["interactions"].index(polls[0])
    document["interactions"][at:at] = [pending, pending, pending]
    project.save("test_user", "test_platform_calls", document)
    # Three pending polls at the waiter's 30 s delay would take 90 s; the bound is far below.
    run = project.pytest("--durations=1", offline=True, timeout=60)
    run.assert_outcomes(passed=1)


def test_identical_calls_replay_in_recorded_order(project: Project) -> None:
    record(project, USER_TEST.replace("    # BODY", '''\
    before = ssm.get_parameter(Name="/app/db/host")["Parameter"]["Version"]
    ssm.put_parameter(Name="/app/db/host", Value="db2.internal", Type="String", Overwrite=True)
    after = ssm.get_parameter(Name="/app/db/host")["Parameter"]
    assert (before, after["Version"], after["Value"]) == (1, 2, "db2.internal")
    ssm.put_parameter(Name="/app/db/host", Value="db.internal", Type="String", Overwrite=True)'''))
    project.pytest(offline=True).assert_outcomes(passed=1)


def test_many_tests_in_one_session_each_play_their_own_calls(project: Project) -> None:
    # boto3's default session is made during the first test; later tests must not get
    # awstape's handlers twice (each before-send handler would play a recording).
    project.write("test_user.py", '''
import boto3
import pytest


@pytest.mark.vcr
@pytest.mark.parametrize("n", [1, 2, 3])
def test_each(n):
    ssm = boto3.client("ssm")
    ssm.put_parameter(Name=f"/n/{n}", Value=str(n), Type="String")
    assert ssm.get_parameter(Name=f"/n/{n}")["Parameter"]["Value"] == str(n)
''')
    project.pytest("--record-mode=once", "--aws-standin").assert_outcomes(passed=3)
    project.pytest(offline=True).assert_outcomes(passed=3)
