"""Living with vcrpy: its old cassettes replay and migrate; plain vcrpy reads and writes ours."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from awstape.runtime import standin

from .conftest import Project

SECRET = "canary-legacy-" + "secure-value-42"

PLAIN_VCRPY = '''
import os
import sys

import boto3
import vcr

import awstape

recorder = vcr.VCR(record_mode=sys.argv[2], match_on=["method", "uri", "body"])
recorder.register_serializer("awstape", awstape.vcrpy_serializer)
serializer = sys.argv[3] if len(sys.argv) > 3 else "yaml"
with recorder.use_cassette(sys.argv[1], serializer=serializer):
    ssm = boto3.client("ssm", region_name="us-east-1")
    if sys.argv[2] != "none":
        ssm.put_parameter(Name="/legacy/db", Value=os.environ["SECRET"], Type="SecureString")
    got = ssm.get_parameter(Name="/legacy/db", WithDecryption=True)["Parameter"]["Value"]
    if sys.argv[2] == "none":  # plain vcrpy has no links back: it reads the fake
        assert got != os.environ["SECRET"] and len(got) == len(os.environ["SECRET"]), got
    else:
        assert got == os.environ["SECRET"], got
    boto3.client("rds", region_name="us-east-1").describe_db_instances()
print("plain vcrpy ok")
'''

USER_TEST = '''
import os

import boto3
import pytest


@pytest.mark.vcr
def test_legacy():
    ssm = boto3.client("ssm")
    ssm.put_parameter(Name="/legacy/db", Value=os.environ["SECRET"], Type="SecureString")
    got = ssm.get_parameter(Name="/legacy/db", WithDecryption=True)["Parameter"]["Value"]
    assert got == os.environ["SECRET"]
    assert boto3.client("rds").describe_db_instances()["DBInstances"] == []
'''

DUMMY_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "AKIAPLAINVCRPEXAMPLE", "AWS_SECRET_ACCESS_KEY": "x"}


def plain_vcrpy(project: Project, cassette: Path, mode: str, *serializer: str,
                offline: bool = False, endpoint: str = "") -> None:
    script = project.write("plain_vcrpy.py", PLAIN_VCRPY)
    env = {**DUMMY_CREDENTIALS, "SECRET": SECRET}
    if endpoint:
        env["AWS_ENDPOINT_URL"] = endpoint
    run = project.run("python", str(script), str(cassette), mode, *serializer, offline=offline,
                      env=env)
    assert "plain vcrpy ok" in run.output, run.output


@pytest.fixture
def legacy(project: Project) -> Path:
    """A cassette written by plain vcrpy, in its own YAML, against the stand-in."""
    cassette = project.cassette("test_user", "test_legacy")
    cassette.parent.mkdir(parents=True)
    with standin.running() as server:
        plain_vcrpy(project, cassette, "once", endpoint=server.endpoint_url)
    return cassette


def test_a_vcrpy_cassette_replays_as_it_is_then_migrates_without_secrets(
        project: Project, legacy: Path) -> None:
    assert SECRET in legacy.read_text()  # what plain vcrpy commits
    project.write("test_user.py", USER_TEST)
    project.pytest(offline=True, env={"SECRET": SECRET}).assert_outcomes(passed=1)

    run = project.run("awstape", "migrate", "cassettes")
    assert run.returncode == 0, run.output
    assert "converted 3 AWS call(s)" in run.output
    text = legacy.read_text()
    assert SECRET not in text
    document = yaml.safe_load(text)
    assert [i["call"] for i in document["interactions"]] == [
        "ssm.PutParameter", "ssm.GetParameter", "rds.DescribeDBInstances"]
    assert document["interactions"][0]["params"]["Name"] == "/legacy/db"
    project.pytest(offline=True, env={"SECRET": SECRET}).assert_outcomes(passed=1)
    again = project.run("awstape", "migrate", "cassettes")
    assert "already an awstape cassette" in again.output


def test_plain_vcrpy_writes_and_replays_an_awstape_cassette(project: Project) -> None:
    cassette = project.root / "plain.yaml"
    with standin.running() as server:
        plain_vcrpy(project, cassette, "once", "awstape", endpoint=server.endpoint_url)
    document = json.loads(cassette.read_text())
    assert document["awstape"] == 1
    assert [i["call"] for i in document["interactions"]] == [
        "ssm.PutParameter", "ssm.GetParameter", "rds.DescribeDBInstances"]
    assert SECRET not in cassette.read_text()
    plain_vcrpy(project, cassette, "none", "awstape", offline=True)
