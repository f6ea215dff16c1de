"""A test file written the ordinary way, with no awstape-specific code in it, records on the
stand-in and replays offline: uuid4 names imported at module top, random payloads, IAM with no
region, head_object sizes, a multipart download with a progress callback, the documented
example account, a name from hash(), a timestamp parameter, a named profile, a six-digit hex
suffix nothing can seed, a JSON Web Token read, an event stream, and a test skipped at
record."""

from __future__ import annotations

import datetime

from .conftest import Project

ORDINARY = '''
import base64
import datetime
import hashlib
import json
import os
import random
import secrets
import threading
import time
from uuid import uuid4

import boto3
import pytest
from boto3.dynamodb.conditions import Key
from boto3.s3.transfer import TransferConfig
from botocore.config import Config

S3 = boto3.client("s3", region_name="us-east-1")  # module level, as people write it


@pytest.mark.vcr
def test_uuid_names_and_random_payloads():
    bucket = f"bucket-{uuid4()}"
    S3.create_bucket(Bucket=bucket)
    payload = random.randbytes(64)
    S3.put_object(Bucket=bucket, Key=f"k-{random.randint(0, 10**9)}", Body=payload)
    assert len(S3.list_objects_v2(Bucket=bucket)["Contents"]) == 1


@pytest.mark.vcr
def test_iam_with_no_region():
    iam = boto3.client("iam")
    name = f"role-{uuid4().hex[:8]}"
    iam.create_role(RoleName=name, AssumeRolePolicyDocument="{}")
    arn = iam.get_role(RoleName=name)["Role"]["Arn"]
    assert arn == f"arn:aws:iam::123456789012:role/{name}"  # the documented example account
    made = iam.get_role(RoleName=name)["Role"]["CreateDate"]
    assert datetime.datetime.now(datetime.timezone.utc) - made < datetime.timedelta(seconds=60)


@pytest.mark.vcr
def test_a_name_from_hash():
    route53 = boto3.client("route53")
    zone = route53.create_hosted_zone(Name="example.com.", CallerReference=str(hash("foo")))
    route53.get_hosted_zone(Id=zone["HostedZone"]["Id"])


@pytest.mark.vcr
def test_a_secret_that_is_also_a_name():
    events = boto3.client("events", region_name="eu-central-1")
    events.create_connection(
        Name="test", AuthorizationType="API_KEY",
        AuthParameters={"ApiKeyAuthParameters": {"ApiKeyName": "test", "ApiKeyValue": "test"}})
    assert events.describe_connection(Name="test")["Name"] == "test"


@pytest.mark.vcr
def test_a_token_no_seed_reaches():
    ssm = boto3.client("ssm", region_name="us-east-1")
    token = os.urandom(16).hex()
    ssm.put_parameter(Name="/token", Value=token, Type="String")
    assert ssm.get_parameter(Name="/token")["Parameter"]["Value"] == token


@pytest.mark.vcr
def test_a_dynamodb_query_through_the_resource_layer():
    dynamodb = boto3.resource("dynamodb", region_name="us-east-1")
    table = dynamodb.create_table(
        TableName="items", BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    table.put_item(Item={"id": "a", "n": 1})
    found = table.query(KeyConditionExpression=Key("id").eq("a"))["Items"]
    assert found == [{"id": "a", "n": 1}]


@pytest.mark.vcr
def test_a_time_the_test_chose_reads_back_as_it_was_sent():
    bucket = f"locked-{uuid4()}"
    S3.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=True)
    until = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    until += datetime.timedelta(minutes=1)
    S3.put_object(Bucket=bucket, Key="k", Body=b"x", ObjectLockMode="GOVERNANCE",
                  ObjectLockRetainUntilDate=until,
                  ContentMD5=base64.b64encode(hashlib.md5(b"x").digest()).decode())
    assert S3.head_object(Bucket=bucket, Key="k")["ObjectLockRetainUntilDate"] == until


@pytest.mark.vcr
def test_sizes_and_a_multipart_download_with_progress(tmp_path):
    bucket = f"big-{uuid4()}"
    S3.create_bucket(Bucket=bucket)
    data = random.randbytes(6 * 1024 * 1024)
    S3.put_object(Bucket=bucket, Key="big", Body=data)
    assert S3.head_object(Bucket=bucket, Key="big")["ContentLength"] == len(data)
    seen = []
    lock = threading.Lock()

    def progress(n):
        with lock:
            seen.append(n)

    S3.download_file(bucket, "big", str(tmp_path / "big"), Callback=progress,
                     Config=TransferConfig(multipart_threshold=2 * 1024 * 1024,
                                           multipart_chunksize=2 * 1024 * 1024, max_concurrency=1))
    assert (tmp_path / "big").read_bytes() == data
    assert sum(seen) == len(data)


@pytest.mark.vcr
def test_clock_derived_parameter():
    logs = boto3.client("logs", region_name="us-east-1")
    group = f"group-{uuid4()}"
    logs.create_log_group(logGroupName=group)
    now = datetime.datetime.now(datetime.timezone.utc)
    logs.filter_log_events(logGroupName=group, startTime=int(now.timestamp() * 1000) - 60000)
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    stamp = int(time.time() * 1000)
    logs.put_log_events(logGroupName=group, logStreamName="s",
                        logEvents=[{"timestamp": stamp, "message": "hi"}])
    events = logs.get_log_events(logGroupName=group, logStreamName="s")["events"]
    assert events[0]["timestamp"] == stamp  # what the test sent reads back as itself
    cloudwatch = boto3.client("cloudwatch", region_name="us-east-1")
    cloudwatch.get_metric_statistics(
        Namespace="App", MetricName="Hits", StartTime=now - datetime.timedelta(hours=1),
        EndTime=now, Period=60, Statistics=["Sum"])


@pytest.mark.vcr
def test_a_named_profile():
    session = boto3.Session(profile_name="deploy")
    ssm = session.client("ssm")
    ssm.put_parameter(Name=f"/p/{uuid4()}", Value="1", Type="String")
    assert ssm.meta.region_name == "eu-west-1"  # the profile's, at record and at replay


@pytest.mark.vcr
def test_a_short_random_suffix_and_a_web_token():
    idp = boto3.client("cognito-idp", region_name="us-east-1")
    name = f"pool_{secrets.token_hex(3)}"  # six hex digits nothing can seed
    pool = idp.create_user_pool(PoolName=name)["UserPool"]
    assert pool["Name"] == name
    client = idp.create_user_pool_client(
        UserPoolId=pool["Id"], ClientName="app",
        ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH"])["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool["Id"], Username="ann", UserAttributes=[
        {"Name": "email", "Value": "ann@example.com"},
        {"Name": "email_verified", "Value": "true"}])
    idp.admin_set_user_password(UserPoolId=pool["Id"], Username="ann",
                                Password="Real-Passw0rd!", Permanent=True)
    tokens = idp.admin_initiate_auth(
        UserPoolId=pool["Id"], ClientId=client, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "ann", "PASSWORD": "Real-Passw0rd!"})["AuthenticationResult"]
    claims = tokens["IdToken"].split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))
    assert claims["cognito:username"] == "ann" and claims["aud"] == client
    assert idp.get_user(AccessToken=tokens["AccessToken"])["Username"] == "ann"


@pytest.mark.vcr
def test_an_event_stream():
    # No "stream-" host prefix: the stand-in listens on an IP address, not a hostname.
    logs = boto3.client("logs", region_name="us-east-1",
                        config=Config(inject_host_prefix=False))
    logs.create_log_group(logGroupName="live")
    logs.create_log_stream(logGroupName="live", logStreamName="app")
    logs.put_log_events(logGroupName="live", logStreamName="app", logEvents=[
        {"timestamp": int(time.time() * 1000), "message": "error: disk full"}])
    arn = logs.describe_log_groups(logGroupNamePrefix="live")["logGroups"][0]["logGroupArn"]
    stream = logs.start_live_tail(logGroupIdentifiers=[arn])["responseStream"]
    events = iter(stream)
    assert "sessionStart" in next(events)
    assert "sessionUpdate" in next(events)


@pytest.mark.vcr
def test_skipped_at_record():
    pytest.skip("not today")
'''


def test_an_ordinary_test_file_records_on_the_standin_and_replays_offline(
        project: Project) -> None:
    project.write("test_ordinary.py", ORDINARY)
    recorded = project.pytest("--record-mode=once", "--aws-standin", timeout=300,
                              env={"AWS_DEFAULT_REGION": "eu-west-1"})
    recorded.assert_outcomes(passed=12)
    assert "1 skipped" in recorded.output
    # As if recorded two days ago: the role's CreateDate must still read as just made.
    today = datetime.datetime.now(datetime.UTC).date()
    iam = project.cassette("test_ordinary", "test_iam_with_no_region")
    iam.write_text(iam.read_text().replace(
        today.isoformat(), (today - datetime.timedelta(days=2)).isoformat()))
    replayed = project.pytest(offline=True, timeout=300)
    replayed.assert_outcomes(passed=12)
    assert "1 skipped" in replayed.output
    again = project.pytest(offline=True, timeout=300)  # and again: nothing left to chance
    again.assert_outcomes(passed=12)


ESCAPE_HATCH = '''
import time
from uuid import uuid4

import boto3
import pytest


def table(name):
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    dynamodb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                          KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    return dynamodb


@pytest.mark.vcr
@pytest.mark.awstape(ignore=["dynamodb.PutItem.Item.at.N"])
def test_a_marker_ignores_a_clock_value():
    table("a").put_item(TableName="a", Item={"id": {"S": "a"}, "at": {"N": str(time.time())}})


@pytest.mark.vcr
def test_pyproject_ignores_a_clock_value():
    table("b").put_item(TableName="b", Item={"id": {"S": "b"}, "seen": {"S": time.ctime()}})


@pytest.mark.vcr
@pytest.mark.awstape(random=False)
def test_opted_out_of_seeding():
    # A short random name, and no hex draw standing alone: nothing pairs it up, so it misses.
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=f"b-{uuid4().hex[:11]}z")
'''


def test_the_escape_hatch_for_values_from_the_clock(project: Project) -> None:
    project.write("pyproject.toml", '[tool.awstape]\nignore = ["dynamodb.PutItem.Item.seen.S"]\n')
    project.write("test_hatch.py", ESCAPE_HATCH)
    project.pytest("--record-mode=once", "--aws-standin").assert_outcomes(passed=3)
    replayed = project.pytest(offline=True)
    replayed.assert_outcomes(passed=2, failed=1)
    # The opted-out test misses, and the message says what to do instead of re-recording.
    assert "look random or drawn from the clock" in replayed.output
    assert 'ignore=["s3.CreateBucket.Bucket"]' in replayed.output
    listed = project.run("awstape", "rules")
    assert "ignore dynamodb.PutItem.Item.seen.S" in listed.output


def test_hash_is_fixed_for_pytest_as_the_program_and_only_then(project: Project) -> None:
    project.write("test_h.py", 'import os\n\n\ndef test_h():\n'
                  '    print("HASH", hash("foo"), os.environ.get("PYTHONHASHSEED"))\n')
    # A project with no cassettes and no awstape option is not awstape's: never restarted.
    alone = project.pytest("-s", "test_h.py").output
    assert "HASH" in alone and alone.count(" None") == 1, alone
    (project.root / "cassettes").mkdir()  # a project that records and replays
    runs = [project.pytest("-s", "test_h.py").output for _ in range(2)]
    hashes = [line for run in runs for line in run.splitlines() if line.startswith("HASH")]
    assert len(hashes) == 2 and hashes[0] == hashes[1] and hashes[0].endswith(" 0"), runs
    # A program that runs pytest inside itself is never started again: it may have done
    # things before that a second start would repeat.
    project.write("inline.py",
                  'import pytest\n\nprint("STARTED")\npytest.main(["-s", "test_h.py"])\n')
    inline = project.run("python", "inline.py").output
    assert inline.count("STARTED") == 1 and "HASH" in inline and inline.count(" None") == 1, inline


WIDER_FIXTURES = '''
import os
import urllib.request
from uuid import uuid4

import boto3
import pytest


@pytest.fixture(scope="module")
def bucket():
    s3 = boto3.client("s3", region_name="us-east-1")
    name = f"shared-{uuid4()}"
    s3.create_bucket(Bucket=name)
    yield name
    s3.delete_bucket(Bucket=name)


@pytest.mark.vcr
class TestWithATableMadeOnce:
    @classmethod
    def setup_class(cls):
        # Plain HTTP too, as moto's server mode resets its server (offline: any loopback port)
        endpoint = os.environ.get("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        reset = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")
        assert urllib.request.urlopen(reset).status == 200
        cls.client = boto3.client("dynamodb", region_name="us-east-1")
        cls.name = f"T{uuid4()}"
        cls.client.create_table(
            TableName=cls.name, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])

    @classmethod
    def teardown_class(cls):
        cls.client.delete_table(TableName=cls.name)

    def test_put(self):
        self.client.put_item(TableName=self.name, Item={"pk": {"S": "a"}})

    def test_count(self, bucket):
        assert self.client.scan(TableName=self.name)["Count"] == 1
        boto3.client("s3", region_name="us-east-1").head_bucket(Bucket=bucket)
'''


def test_calls_in_class_and_module_fixtures_replay(project: Project) -> None:
    project.write("test_wider.py", WIDER_FIXTURES)
    project.pytest("--record-mode=once", "--aws-standin").assert_outcomes(passed=2)
    kept = sorted(p.name for p in (project.root / "cassettes" / "test_wider").iterdir())
    assert kept == [
        "TestWithATableMadeOnce.test_count.yaml", "TestWithATableMadeOnce.test_put.yaml",
        "TestWithATableMadeOnce.xunit_setup_class_fixture_TestWithATableMadeOnce.yaml",
        "test_wider.py.bucket.yaml"], kept
    project.pytest(offline=True).assert_outcomes(passed=2)
