"""aiobotocore (and so aioboto3, and s3fs, tested here too) records and replays as botocore
does: matching, redaction and linking, streamed bodies, no credentials, no network, misses in
AWS terms.

aiobotocore pins botocore to a narrow range of its own, so it gets a venv of its own here,
with awstape installed from this checkout, pytest-asyncio and the stand-in."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest

from awstape.runtime import offline

from ..framework.conftest import Project

ROOT = Path(__file__).resolve().parents[2]
PINNED = ("aiobotocore==3.10.0", "pytest-asyncio==1.5.0", "moto[server]==5.2.5",
          "s3fs==2026.9.0")
SECRET = "s3cr3t-" + "async-value-0042"

ASYNC_TEST = '''
import os

import pytest
from aiobotocore.session import get_session


@pytest.mark.vcr
@pytest.mark.asyncio
async def test_ssm_s3_dynamodb():
    session = get_session()
    async with session.create_client("ssm", region_name="us-east-1") as ssm:
        await ssm.put_parameter(Name=os.environ.get("NAME", "/aio/db"), Value=os.environ["SECRET"],
                                Type="SecureString")
        got = await ssm.get_parameter(Name="/aio/db", WithDecryption=True)
        assert got["Parameter"]["Value"] == os.environ["SECRET"]
    async with session.create_client("s3", region_name="us-east-1") as s3:
        await s3.create_bucket(Bucket="aio-bucket")
        await s3.put_object(Bucket="aio-bucket", Key="k", Body=b"streamed body" * 1000)
        response = await s3.get_object(Bucket="aio-bucket", Key="k")
        async with response["Body"] as stream:
            assert await stream.read() == b"streamed body" * 1000
    async with session.create_client("dynamodb", region_name="us-east-1") as dynamodb:
        await dynamodb.create_table(
            TableName="t", KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST")
        await dynamodb.put_item(TableName="t", Item={"k": {"S": "a"}})
        got = await dynamodb.get_item(TableName="t", Key={"k": {"S": "a"}})
        assert got["Item"]["k"]["S"] == "a"
'''


@pytest.fixture(scope="module")
def python(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A venv with aiobotocore and awstape from this checkout."""
    where = tmp_path_factory.mktemp("aiobotocore") / "venv"
    venv.create(where, with_pip=True)
    interpreter = str(where / "bin" / "python")
    done = subprocess.run([interpreter, "-m", "pip", "install", "-q", "--disable-pip-version-check",
                           *PINNED, str(ROOT)], capture_output=True, text=True, timeout=900,
                          check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return interpreter


def test_aiobotocore_records_on_the_standin_and_replays_offline(project: Project,
                                                                 python: str) -> None:
    project.write("test_async.py", ASYNC_TEST)
    project.write("pytest.ini", "[pytest]\nasyncio_mode = strict\n")
    run = project.run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                      "--record-mode=once", "--aws-standin", env={"SECRET": SECRET},
                      timeout=300)
    assert "1 passed" in run.output, run.output
    cassette = project.cassette("test_async", "test_ssm_s3_dynamodb")
    calls = [i["call"] for i in project.load("test_async", "test_ssm_s3_dynamodb")[
        "interactions"]]
    assert calls == ["ssm.PutParameter", "ssm.GetParameter", "s3.CreateBucket", "s3.PutObject",
                     "s3.GetObject", "dynamodb.CreateTable", "dynamodb.PutItem",
                     "dynamodb.GetItem"]
    assert SECRET not in cassette.read_text()
    assert offline.namespaces_allowed(), "these tests need unshare -n (root)"
    replay = project.run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                         env={"SECRET": SECRET, "CI": "true"}, offline=True)
    assert "1 passed" in replay.output, replay.output
    # A call the recording does not hold is a miss in AWS terms, at the test's line.
    miss = project.run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                       env={"SECRET": SECRET, "NAME": "/aio/other", "CI": "true"}, offline=True)
    assert "no recording answers ssm.PutParameter" in miss.output, miss.output
    assert 'Name: recorded "/aio/db", now "/aio/other"' in miss.output
    assert sys.executable != python


S3FS_TEST = '''
import pytest
import s3fs


@pytest.mark.vcr
def test_s3fs_round_trip():
    fs = s3fs.S3FileSystem(skip_instance_cache=True)  # aiobotocore, on a loop of its own
    fs.mkdir("fs-bucket")
    with fs.open("fs-bucket/data.csv", "wb") as f:
        f.write(b"a,b\\n1,2\\n" * 1000)
    assert fs.cat("fs-bucket/data.csv") == b"a,b\\n1,2\\n" * 1000
    assert fs.ls("fs-bucket") == ["fs-bucket/data.csv"]
'''


def test_s3fs_records_on_the_standin_and_replays_offline(project: Project, python: str) -> None:
    project.write("test_fs.py", S3FS_TEST)
    run = project.run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                      "--record-mode=once", "--aws-standin", timeout=300)
    assert "1 passed" in run.output, run.output
    calls = [i["call"] for i in project.load("test_fs", "test_s3fs_round_trip")["interactions"]]
    assert "s3.PutObject" in calls and "s3.ListObjectsV2" in calls, calls
    replay = project.run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                         env={"CI": "true"}, offline=True)
    assert "1 passed" in replay.output, replay.output
