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


# Recorded by plain pytest-recording: awstape is not even imported (the conftest checks), as
# in a venv without it. A custom endpoint (the stand-in) and the authorization header filtered
# out, as vcrpy's docs advise: the service is known only from the request itself.
PLAIN_CONFTEST = '''
import sys

import pytest


@pytest.fixture(scope="module")
def vcr_config():
    return {"filter_headers": ["authorization"]}


def pytest_configure(config):
    if config.getoption("--record-mode") == "once":
        assert "awstape" not in sys.modules, "recorded with awstape loaded"
'''

FAMILIES = '''import base64
import io
import json

import boto3
import pytest

# A 1x1 PNG: a binary body.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


@pytest.mark.vcr
def test_json_protocol():
    dynamodb = boto3.client("dynamodb")
    dynamodb.create_table(TableName="t", KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
                          BillingMode="PAY_PER_REQUEST")
    dynamodb.put_item(TableName="t", Item={"k": {"S": "a"}, "v": {"B": PNG}})
    assert dynamodb.get_item(TableName="t", Key={"k": {"S": "a"}})["Item"]["v"]["B"] == PNG
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="hello")
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "hello"


@pytest.mark.vcr
def test_query_protocol():
    sns = boto3.client("sns")
    arn = sns.create_topic(Name="t")["TopicArn"]
    assert sns.get_topic_attributes(TopicArn=arn)["Attributes"]["TopicArn"] == arn
    iam = boto3.client("iam")
    iam.create_user(UserName="u")
    assert [u["UserName"] for u in iam.list_users()["Users"]] == ["u"]


@pytest.mark.vcr
def test_rest_json_protocol():
    lambda_ = boto3.client("lambda")
    assert lambda_.list_functions()["Functions"] == []
    api = boto3.client("apigateway")
    created = api.create_rest_api(name="a")
    assert api.get_rest_api(restApiId=created["id"])["name"] == "a"


@pytest.mark.vcr
def test_rest_xml_protocol_with_query_string_operations():
    s3 = boto3.client("s3")
    tags = [{"Key": "team", "Value": "x"}]
    s3.create_bucket(Bucket="family-bucket")
    s3.put_bucket_tagging(Bucket="family-bucket", Tagging={"TagSet": tags})
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::family-bucket/*"}]})
    s3.put_bucket_policy(Bucket="family-bucket", Policy=policy)
    s3.put_object(Bucket="family-bucket", Key="pixel.png", Body=PNG)
    s3.upload_fileobj(io.BytesIO(b"streamed"), "family-bucket", "stream.txt")
    assert s3.get_bucket_tagging(Bucket="family-bucket")["TagSet"] == tags
    assert json.loads(s3.get_bucket_policy(Bucket="family-bucket")["Policy"]) == \\
        json.loads(policy)
    assert s3.list_objects_v2(Bucket="family-bucket")["KeyCount"] == 2
    assert s3.get_object(Bucket="family-bucket", Key="pixel.png")["Body"].read() == PNG
    assert s3.get_object(Bucket="family-bucket", Key="stream.txt")["Body"].read() == b"streamed"


@pytest.mark.vcr
def test_cbor_declared_service():
    cloudwatch = boto3.client("cloudwatch")
    cloudwatch.put_metric_data(Namespace="app", MetricData=[{"MetricName": "m", "Value": 1.0}])
    assert [m["MetricName"] for m in cloudwatch.list_metrics(Namespace="app")["Metrics"]] == ["m"]
'''


def test_plain_pytest_recording_cassettes_of_every_protocol_family_replay_and_migrate(
        project: Project) -> None:
    project.write("conftest.py", PLAIN_CONFTEST)
    project.write("test_families.py", FAMILIES)
    with standin.running() as server:
        recorded = project.pytest("-p", "no:awstape", "--record-mode=once", env={
            "AWS_ENDPOINT_URL": server.endpoint_url, "AWS_DEFAULT_REGION": "us-east-1",
            **DUMMY_CREDENTIALS})
    recorded.assert_outcomes(passed=5)
    folder = project.root / "cassettes" / "test_families"
    files = sorted(folder.iterdir())
    assert len(files) == 5 and all("!!binary" in f.read_text() for f in files)
    pickled = folder / "test_rest_xml_protocol_with_query_string_operations.yaml"
    assert "!!python/object/new:_io.BytesIO" in pickled.read_text()  # the streamed upload
    # As vcrpy wrote them: replayed offline, with no endpoint and no credentials.
    project.pytest(offline=True).assert_outcomes(passed=5)
    migrated = project.run("awstape", "migrate", "cassettes")
    assert migrated.returncode == 0 and migrated.output.count("converted") == 5, \
        migrated.output
    calls = {f.stem: [i["call"] for i in json.loads(f.read_text())["interactions"]]
             for f in files}
    assert calls["test_query_protocol"] == [
        "sns.CreateTopic", "sns.GetTopicAttributes", "iam.CreateUser", "iam.ListUsers"]
    assert calls["test_rest_json_protocol"] == [
        "lambda.ListFunctions", "apigateway.CreateRestApi", "apigateway.GetRestApi"]
    assert calls["test_rest_xml_protocol_with_query_string_operations"][5:8] == [
        "s3.GetBucketTagging", "s3.GetBucketPolicy", "s3.ListObjectsV2"]
    assert calls["test_cbor_declared_service"] == [
        "cloudwatch.PutMetricData", "cloudwatch.ListMetrics"]
    assert calls["test_json_protocol"][:3] == [
        "dynamodb.CreateTable", "dynamodb.PutItem", "dynamodb.GetItem"]
    project.pytest(offline=True).assert_outcomes(passed=5)
