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


def test_help_gives_the_exit_codes_and_where_options_and_the_program_go(
        project: Project) -> None:
    top = project.run("awstape", "--help")
    assert top.returncode == 0 and "exit codes: 0 done" in top.output
    record = project.run("awstape", "record", "--help")
    assert "usage: awstape record [options] CASSETTE -- COMMAND [ARGS...]" in record.output
    assert "Options go anywhere before --" in record.output
    rerecord = project.run("awstape", "rerecord", "--help")
    assert "usage: awstape rerecord [options] [PYTEST ARGS...]" in rerecord.output


def test_a_reader_that_goes_away_is_no_error() -> None:
    # awstape diff | head: the pipe closes before awstape has written everything.
    command = subprocess.Popen([str(Path(sys.executable).parent / "awstape"), "rules"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert command.stdout is not None and command.stderr is not None
    command.stdout.close()
    problems = command.stderr.read().decode()
    assert command.wait() == 0 and problems == "", problems


STANDIN_SUITE = '''
import json
import os

import boto3
import pytest

POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
     "Action": "sts:AssumeRole"}]})


@pytest.mark.vcr
def test_s3():
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="lifecycle")
    s3.put_bucket_versioning(Bucket="lifecycle", VersioningConfiguration={"Status": "Enabled"})
    for i in range(80):  # a listing of long keys: an XML body over 64 KiB
        s3.put_object(Bucket="lifecycle", Key=f"{i:03}/" + "k" * 900, Body=b"x" * i)
    assert s3.list_objects_v2(Bucket="lifecycle")["KeyCount"] == 80
    assert len(s3.list_object_versions(Bucket="lifecycle", MaxKeys=50)["Versions"]) == 50
    up = s3.create_multipart_upload(Bucket="lifecycle", Key="big")
    part = s3.upload_part(Bucket="lifecycle", Key="big", UploadId=up["UploadId"], PartNumber=1,
                          Body=b"y" * 100)
    parts = {"Parts": [{"ETag": part["ETag"], "PartNumber": 1}]}
    s3.complete_multipart_upload(Bucket="lifecycle", Key="big", UploadId=up["UploadId"],
                                 MultipartUpload=parts)


@pytest.mark.vcr
def test_sqs():
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName="lifecycle")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="hello")
    message = sqs.receive_message(QueueUrl=url)["Messages"][0]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]


@pytest.mark.vcr
def test_iam():
    iam = boto3.client("iam")
    role = iam.create_role(RoleName="lifecycle", AssumeRolePolicyDocument=POLICY)["Role"]
    assert iam.get_role(RoleName="lifecycle")["Role"]["RoleId"] == role["RoleId"]
    iam.create_user(UserName="lifecycle")
    key = iam.create_access_key(UserName="lifecycle")["AccessKey"]
    listed = iam.list_access_keys(UserName="lifecycle")["AccessKeyMetadata"]
    assert listed[0]["AccessKeyId"] == key["AccessKeyId"]


@pytest.mark.vcr
def test_ssm_name_from_the_environment():
    ssm = boto3.client("ssm", region_name="us-east-1")
    ssm.put_parameter(Name=os.environ.get("NAME", "/a"), Value="1", Type="String")
'''


def test_an_unchanged_rerecord_on_the_standin_exits_0_and_a_changed_request_is_swapped_in(
        project: Project) -> None:
    project.write("test_suite.py", STANDIN_SUITE)
    project.pytest("--record-mode=once", "--aws-standin", timeout=300).assert_outcomes(passed=4)
    before = cassettes(project)
    listing = next(i for i in project.load("test_suite", "test_s3")["interactions"]
                   if i["call"] == "s3.ListObjectsV2")["response"]["body"]
    assert "xml" in listing and len("".join(listing["xml"])) > 64 * 1024  # one element a line

    # Twice: the stand-in draws new ids, handles, ports and dates on every run.
    for _ in range(2):
        run = project.run("awstape", "rerecord", "--aws-standin", "-k", "s3 or sqs or iam",
                          timeout=300)
        assert run.returncode == 0, run.output + (project.root / ".awstape/drift.md").read_text()
        assert "3 verified unchanged" in run.output
    after = cassettes(project)
    assert {name: without_verified(text) for name, text in after.items()} == \
        {name: without_verified(text) for name, text in before.items()}

    # The same response to another request: replay would miss, so it is swapped in.
    run = project.run("awstape", "rerecord", "--aws-standin", "-k", "ssm", env={"NAME": "/b"},
                      timeout=300)
    assert run.returncode == 1 and "1 cassette(s) updated" in run.output, run.output
    assert 'Name: recorded \\"/a\\", now \\"/b\\"' in \
        (project.root / ".awstape" / "drift.json").read_text()
    project.pytest(offline=True, env={"NAME": "/b"}).assert_outcomes(passed=4)


def test_a_module_run_with_python_m_records_and_replays(project: Project) -> None:
    project.write("prog.py", "import boto3, sys\n"
                  "ssm = boto3.client('ssm', region_name='us-east-1')\n"
                  "ssm.put_parameter(Name='/m', Value=sys.argv[1], Type='String')\n"
                  "print('GOT', ssm.get_parameter(Name='/m')['Parameter']['Value'])\n")
    command = ["cassettes/m.yaml", "--", "python", "-m", "prog", "v1"]
    recorded = project.run("awstape", "record", "--aws-standin", *command, timeout=180)
    assert recorded.returncode == 0 and "GOT v1" in recorded.output, recorded.output
    replayed = project.run("awstape", "replay", *command)
    assert replayed.returncode == 0 and "GOT v1" in replayed.output, replayed.output
    assert "2 call(s) replayed" in replayed.output
