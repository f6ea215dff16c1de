"""What a reviewer sees: a re-recording that changes one response field changes its own line."""

from __future__ import annotations

import difflib

import boto3

from awstape.runtime import standin

from .conftest import Project

USER_TEST = '''
import boto3
import pytest


@pytest.mark.vcr
def test_reads_config():
    ssm = boto3.client("ssm")
    parameter = ssm.get_parameter(Name="/app/config/replicas")["Parameter"]
    assert parameter["Value"] in ("2", "3")
'''


def record_with(project: Project, value: str, *mode: str) -> str:
    with standin.running() as server:
        ssm = boto3.client("ssm", endpoint_url=server.endpoint_url, region_name="us-east-1",
                           aws_access_key_id="x", aws_secret_access_key="x")
        ssm.put_parameter(Name="/app/config/replicas", Value=value, Type="String")
        project.pytest(*mode, env={
            "AWS_ENDPOINT_URL": server.endpoint_url, "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x",
        }).assert_outcomes(passed=1)
    return project.cassette("test_user", "test_reads_config").read_text()


def test_one_changed_field_is_one_changed_line(project: Project) -> None:
    project.write("test_user.py", USER_TEST)
    before = record_with(project, "2", "--record-mode=once")
    after = record_with(project, "3", "--record-mode=rewrite")
    changed = [line for line in difflib.unified_diff(before.splitlines(), after.splitlines(),
                                                     lineterm="", n=0)
               if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    stripped = [line[0] + line[1:].strip() for line in changed]
    assert '-"Value": "2",' in stripped
    assert '+"Value": "3",' in stripped
    # Besides the field, only what always changes: when it was recorded, request ids, dates.
    noise = [line for line in changed if '"Value"' not in line]
    assert all(any(word in line for word in ('"at"', "requestid", "Date")) for line in noise), \
        changed
