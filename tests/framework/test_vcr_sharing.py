"""vcrpy keeps the non-AWS HTTP of a test in the same cassette, without credentials; AWS traffic
is awstape's alone."""

from __future__ import annotations

from .conftest import Project

MIXED = '''
import http.server
import os
import threading
import urllib.request

import boto3
import pytest

PORT = 47811


class Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"hello from a plain HTTP service")

    def log_message(self, *args):
        pass


@pytest.mark.vcr
def test_mixed():
    if os.environ.get("RECORDING"):
        server = http.server.HTTPServer(("127.0.0.1", PORT), Hello)
        threading.Thread(target=server.serve_forever, daemon=True).start()
    presigned = (f"http://127.0.0.1:{PORT}/hello?page=2&X-Amz-Credential=" + "AKIA" +
                 "CANARY1234567890%2F20261124%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=" +
                 "ab" * 32)
    request = urllib.request.Request(presigned, headers={"Authorization": "Bearer canary-bearer"})
    body = urllib.request.urlopen(request).read()
    assert body == b"hello from a plain HTTP service"
    ssm = boto3.client("ssm")
    ssm.put_parameter(Name="/mixed", Value="yes", Type="String")
    assert ssm.get_parameter(Name="/mixed")["Parameter"]["Value"] == "yes"
'''


def test_plain_http_lives_in_the_http_section_and_replays(project: Project) -> None:
    project.write("test_user.py", MIXED)
    project.pytest("--record-mode=once", "--aws-standin",
                   env={"RECORDING": "1"}).assert_outcomes(passed=1)
    document = project.load("test_user", "test_mixed")
    assert [i["call"] for i in document["interactions"]] == ["ssm.PutParameter", "ssm.GetParameter"]
    assert [i["request"]["uri"] for i in document["http"]] == [
        "http://127.0.0.1:47811/hello?page=2"]
    text = project.cassette("test_user", "test_mixed").read_text()
    assert "amz-sdk-invocation-id" not in text
    assert "canary-bearer" not in text and "CANARY" not in text and "abab" not in text
    project.pytest(offline=True).assert_outcomes(passed=1)


OWN_SERVER = '''
import http.server
import threading
import urllib.request

import pytest
from test_user import Hello


@pytest.fixture
def server_url():
    server = http.server.HTTPServer(("127.0.0.1", 0), Hello)  # the OS picks the port
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.mark.vcr
def test_own_server(server_url):
    assert urllib.request.urlopen(f"{server_url}/hello").read().startswith(b"hello")
'''


def test_a_server_the_test_starts_on_loopback_replays_on_another_port(project: Project) -> None:
    project.write("test_user.py", MIXED)
    project.write("test_own.py", OWN_SERVER)
    project.pytest("--record-mode=once", "test_own.py").assert_outcomes(passed=1)
    project.pytest("test_own.py", offline=True).assert_outcomes(passed=1)


PRESIGNED = '''
import os
import pathlib
import urllib.request

import boto3
import pytest


@pytest.mark.vcr
def test_presigned_get():
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="pre-signed")
    s3.put_object(Bucket="pre-signed", Key="k", Body=b"hello")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "pre-signed", "Key": "k"},
                                    ExpiresIn=60)
    assert urllib.request.urlopen(url).read() == b"hello"


@pytest.mark.vcr
def test_presigned_put_to_the_same_local_endpoint():
    # As moto's own tests do: the client names the local endpoint, at record and at replay.
    endpoint = os.environ.get("LOCAL_S3") or os.environ["AWS_ENDPOINT_URL"]
    pathlib.Path("endpoint.txt").write_text(endpoint)
    s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=endpoint)
    s3.create_bucket(Bucket="local-put")
    url = s3.generate_presigned_url("put_object", Params={"Bucket": "local-put", "Key": "k"},
                                    ExpiresIn=60)
    request = urllib.request.Request(url, data=b"uploaded", method="PUT")
    assert urllib.request.urlopen(request).status == 200
'''


def test_a_presigned_url_replays_by_what_it_asks_for(project: Project) -> None:
    # Recorded through the stand-in's endpoint (path-style, signed); replayed against S3's
    # virtual host, unsigned: the same bucket and key.
    project.write("test_presigned.py", PRESIGNED)
    project.pytest("--record-mode=once", "--aws-standin").assert_outcomes(passed=2)
    http = project.load("test_presigned", "test_presigned_get")["http"]
    assert [i["request"]["uri"] for i in http] == ["https://s3.amazonaws.com/pre-signed/k"]
    endpoint = (project.root / "endpoint.txt").read_text()
    project.pytest(offline=True, env={"LOCAL_S3": endpoint}).assert_outcomes(passed=2)


AWS_ONLY = '''
import http.client
import os
import urllib.request

import boto3
import pytest


@pytest.mark.vcr
def test_aws_only():
    ssm = boto3.client("ssm", region_name="us-east-1")
    ssm.put_parameter(Name="/only", Value="aws", Type="String")
    if not os.environ.get("RECORDING"):
        # Nothing for vcrpy to answer: pytest-recording opened no vcrpy cassette.
        assert "VCR" not in http.client.HTTPConnection.__name__
        if os.environ.get("PLAIN_REQUEST"):  # still stopped, in awstape's words
            urllib.request.urlopen("http://example.com/unrecorded", timeout=5)


@pytest.mark.vcr
def test_asks_for_vcr(vcr):
    assert vcr is not None  # a test that reads vcrpy's cassette still gets one
    assert "VCR" in http.client.HTTPConnection.__name__
    boto3.client("ssm", region_name="us-east-1").get_parameter(Name="/only")
'''


def test_a_replay_with_no_plain_http_pays_for_no_vcrpy_cassette(project: Project) -> None:
    project.write("test_user.py", AWS_ONLY)
    project.pytest("--record-mode=once", "--aws-standin",
                   env={"RECORDING": "1"}).assert_outcomes(passed=2)
    project.pytest("-k", "aws_only", offline=True).assert_outcomes(passed=1)
    refused = project.pytest("-k", "aws_only", offline=True, env={"PLAIN_REQUEST": "1"})
    refused.assert_outcomes(failed=1)
    assert "example.com" in refused.output and "--record-mode" in refused.output
    project.pytest("-k", "asks_for_vcr", offline=True).assert_outcomes(passed=1)


BESIDE_VCRPY = '''
import botocore.awsrequest as awsrequest
import boto3
import pytest
import urllib3.connectionpool


def own_connections():
    return (awsrequest.AWSHTTPConnectionPool.ConnectionCls is awsrequest.AWSHTTPConnection
            and awsrequest.AWSHTTPSConnectionPool.ConnectionCls is awsrequest.AWSHTTPSConnection)


@pytest.mark.vcr
def test_recorded(vcr):
    assert vcr is not None
    # botocore sends through its own connections; plain HTTP is still vcrpy's
    assert own_connections()
    assert "VCR" in urllib3.connectionpool.HTTPConnectionPool.ConnectionCls.__name__
    boto3.client("ssm", region_name="us-east-1").put_parameter(
        Name="/beside", Value="vcrpy", Type="String")


def test_after():  # vcrpy put back what it found
    assert own_connections()
    assert "VCR" not in urllib3.connectionpool.HTTPConnectionPool.ConnectionCls.__name__
'''


def test_aws_calls_bypass_vcrpys_connection_stubs(project: Project) -> None:
    project.write("test_user.py", BESIDE_VCRPY)
    project.pytest("--record-mode=once", "--aws-standin").assert_outcomes(passed=2)
    document = project.load("test_user", "test_recorded")
    assert [i["call"] for i in document["interactions"]] == ["ssm.PutParameter"]
    project.pytest(offline=True).assert_outcomes(passed=2)
