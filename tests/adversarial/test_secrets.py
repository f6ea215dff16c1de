"""No secret in any written file or any message, under attack.

A user's test sends canary values through the AWS paths where secrets have leaked before
(sensitive map values, JSON secrets in every spelling, bodies stored beside the cassette,
binary and gzip bodies, SSE-C keys, plain HTTP beside AWS), recorded against the stand-in.
Then every file under the project and every line pytest printed, at record and at replay, is
searched for every canary in every encoding the leak finder knows (tests/adversarial/leaks.py,
itself tested by planting each encoding).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator

import pytest

from awstape.runtime.recording import Target

from ..framework.conftest import Project
from .leaks import found_in, leaks

# Each canary is unique text that appears nowhere else; built from pieces so that the
# repository's own scan does not flag this file.
SSEC_KEY = "cnrySSEC" + "k" * 24  # 32 bytes: an S3 customer key
CANARIES = {
    "CANARY_LOGIN": "cnryLoginToken." + "Gx7Qm2" * 6,
    "CANARY_ESCAPED": "cnry/Esc4ped-slash-value",
    "CANARY_UESCAPED": "cnryUnicodeEscaped-77",
    "CANARY_NUMBER": "73915408264",
    "CANARY_URLPW": "cnryUrlPassw0rd",
    "CANARY_DSNPW": "cnryDsnPassw0rd",
    "CANARY_SHORT": "cN4r7",
    "CANARY_LATE": "cnryLearnedLater-3131",
    "CANARY_BINARY": "cnryBinaryBody-4242",
    "CANARY_GZIP": "cnryGzipBody-5353",
    "CANARY_SSEC": SSEC_KEY,
    "CANARY_HEADER": "cnryHeaderKey-6464",
    "CANARY_JWT_CLAIM": "cnryJwtClaim-9191",
    "CANARY_JWT_SIG": "cnryJwtSignature-8181",
}
DERIVED = {  # what botocore computes from a secret: no hash of one may be stored either
    "SSEC_MD5": base64.b64encode(hashlib.md5(SSEC_KEY.encode()).digest()).decode(),
}

USER_TEST = r'''
import base64
import gzip
import json
import os
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer

import boto3
import pytest

E = os.environ


class Echo(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"got " + str(len(body)).encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def vcr_config():
    return {"match_on": ["method", "scheme", "host", "path"]}  # the echo port changes


def plain_http(key, body):
    url = E.get("ECHO_URL")
    request = urllib.request.Request(url or "http://127.0.0.1:1/", data=body,
                                     headers={"X-Api-Key": key}, method="POST")
    return urllib.request.urlopen(request, timeout=5).read()


@pytest.fixture(scope="module", autouse=True)
def echo_server():
    if E.get("ECHO"):
        server = HTTPServer(("127.0.0.1", 0), Echo)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        os.environ["ECHO_URL"] = f"http://127.0.0.1:{server.server_port}/"
        yield
        server.shutdown()
    else:
        yield


def secret_strings():
    return {
        "escaped": '{"password": "' + E["CANARY_ESCAPED"].replace("/", "\\/") + '"}',
        "uescaped": '{"password": "\\u0063' + E["CANARY_UESCAPED"][1:] + '"}',
        "number": '{"username": "app", "password": ' + E["CANARY_NUMBER"] + '}',
        "url": json.dumps({"url": "postgres://app:" + E["CANARY_URLPW"] + "@db:5432/x"}),
        "dsn": json.dumps({"password": E["CANARY_DSNPW"],
                           "dsn": "host=db password=" + E["CANARY_DSNPW"] + " user=app"}),
    }


@pytest.mark.vcr
def test_secrets_everywhere():
    identity = boto3.client("cognito-identity")
    pool = identity.create_identity_pool(
        IdentityPoolName="pool", AllowUnauthenticatedIdentities=True)["IdentityPoolId"]
    identity.get_id(IdentityPoolId=pool, Logins={"accounts.google.com": E["CANARY_LOGIN"]})

    secrets = boto3.client("secretsmanager")
    for name, text in secret_strings().items():
        secrets.create_secret(Name=name, SecretString=text)
        assert secrets.get_secret_value(SecretId=name)["SecretString"] == text

    ssm = boto3.client("ssm")
    ssm.put_parameter(Name="/short", Value=E["CANARY_SHORT"], Type="SecureString")
    ssm.put_parameter(Name=E.get("PLAIN_NAME", "/plain"), Value="a " + E["CANARY_SHORT"] + " b",
                      Type="String")

    # A JSON Web Token: its signature is the credential, a secret-keyed claim a secret too.
    def b64url(data):
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    claims = json.dumps({"sub": "someone", "api_token": E["CANARY_JWT_CLAIM"]}).encode()
    token = "eyJhbGciOiJSUzI1NiJ9." + b64url(claims) + "." + b64url(E["CANARY_JWT_SIG"].encode())
    ssm.put_parameter(Name="/jwt", Value=token, Type="SecureString")
    assert ssm.get_parameter(Name="/jwt", WithDecryption=True)["Parameter"]["Value"] == token

    # Secrets the test knows first, then sends inside bodies: binary, gzip, plain HTTP.
    for name in ("BINARY", "GZIP", "HEADER"):
        ssm.put_parameter(Name="/" + name, Value=E["CANARY_" + name], Type="SecureString")
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="bucket")
    binary = b"\x00\xff\xfe" + E["CANARY_BINARY"].encode() + b"\x80"
    s3.put_object(Bucket="bucket", Key="binary", Body=binary)
    assert s3.get_object(Bucket="bucket", Key="binary")["Body"].read() == binary
    packed = gzip.compress(E["CANARY_GZIP"].encode(), mtime=0)
    s3.put_object(Bucket="bucket", Key="packed", Body=packed)
    assert gzip.decompress(s3.get_object(Bucket="bucket", Key="packed")["Body"].read()) \
        == E["CANARY_GZIP"].encode()
    s3.put_object(Bucket="bucket", Key="ssec", Body=b"hello", SSECustomerAlgorithm="AES256",
                  SSECustomerKey=E["CANARY_SSEC"])
    assert plain_http(E["CANARY_HEADER"], b"\x00\x01" + E["CANARY_HEADER"].encode()) == b"got 20"
    if E.get("FAIL_AT_END"):
        raise AssertionError("the test failed: nothing may be written")


@pytest.mark.vcr
def test_secret_learned_after_the_body_that_held_it():
    # A body over 64 KiB (kept in _bodies/) holds a secret the test reveals only later: the
    # file is still swept for it. (At replay that earlier call sees the fake: the secret is
    # not known yet when it is answered.)
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="later")
    big = ("x" * 70000 + E["CANARY_LATE"]).encode()
    s3.put_object(Bucket="later", Key="big", Body=big)
    assert len(s3.get_object(Bucket="later", Key="big")["Body"].read()) == len(big)
    boto3.client("ssm").put_parameter(Name="/late", Value=E["CANARY_LATE"], Type="SecureString")
'''


def searched(project: Project, *outputs: str) -> list[str]:
    canaries = {**CANARIES, **DERIVED}
    found = leaks(project.root / "cassettes", canaries)
    for index, output in enumerate(outputs):
        found += [f"{hit} in pytest output #{index}"
                  for hit in found_in(output.encode(), canaries)]
    return found


@pytest.fixture
def recorded(project: Project) -> Iterator[tuple[Project, str]]:
    project.write("test_user.py", USER_TEST)
    run = project.pytest("--record-mode=once", "--aws-standin", env={**CANARIES, "ECHO": "1"})
    run.assert_outcomes(passed=2)
    yield project, run.output


def test_no_canary_in_any_written_file_or_output(recorded: tuple[Project, str]) -> None:
    project, output = recorded
    assert project.cassette("test_user", "test_secrets_everywhere").is_file()
    assert len(list((project.root / "cassettes" / "test_user" / "_bodies").iterdir())) == 1
    assert searched(project, output) == []


def test_a_rewrite_keeps_the_plain_http_and_still_leaks_nothing(
        recorded: tuple[Project, str]) -> None:
    project, _ = recorded
    run = project.pytest("--record-mode=rewrite", "--aws-standin", env={**CANARIES, "ECHO": "1"})
    run.assert_outcomes(passed=2)
    assert len(project.load("test_user", "test_secrets_everywhere")["http"]) == 1
    assert searched(project, run.output) == []


def test_replay_offline_gives_the_test_its_own_values_back(
        recorded: tuple[Project, str]) -> None:
    project, _ = recorded
    run = project.pytest(offline=True, env=CANARIES)
    run.assert_outcomes(passed=2)
    assert searched(project, run.output) == []


def test_a_miss_prints_no_secret(recorded: tuple[Project, str]) -> None:
    project, _ = recorded
    changed = {**CANARIES, "CANARY_LOGIN": CANARIES["CANARY_LOGIN"] + "x"}
    run = project.pytest(offline=True, env={**changed, "PLAIN_NAME": "/other"})
    run.assert_outcomes(passed=1, failed=1)
    assert "no recording answers ssm.PutParameter" in run.output
    assert 'Name: recorded "/plain", now "/other"' in run.output
    assert searched(project, run.output) == []
    assert found_in(run.output.encode(), {"changed": changed["CANARY_LOGIN"]}) == []


def test_a_failing_test_writes_nothing(project: Project) -> None:
    project.write("test_user.py", USER_TEST)
    run = project.pytest("--record-mode=once", "--aws-standin", env={
        **CANARIES, "ECHO": "1", "FAIL_AT_END": "1"})
    run.assert_outcomes(passed=1, failed=1)
    assert not project.cassette("test_user", "test_secrets_everywhere").exists()
    assert searched(project, run.output) == []


def test_endpoint_credentials_never_reach_provenance(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://app:{CANARIES['CANARY_URLPW']}@127.0.0.1:9")
    provenance = Target.from_environment().provenance()
    assert provenance["against"] == "endpoint"
    assert found_in(str(provenance).encode(), CANARIES) == []


def test_the_search_would_find_a_planted_leak(recorded: tuple[Project, str]) -> None:
    project, _ = recorded
    cassette = project.cassette("test_user", "test_secrets_everywhere")
    text = cassette.read_text()
    cassette.write_text(text.replace('"Name": "/short"', '"Name": "/short", "x": "'
                                     + base64.b64encode(b"ab" + CANARIES["CANARY_LOGIN"].encode())
                                     .decode() + '"', 1))
    assert searched(project) == [
        "CANARY_LOGIN (base64) in test_user/test_secrets_everywhere.yaml"]


def test_planted_credential_in_a_body_file_is_refused_before_writing(project: Project) -> None:
    # A body over 64 KiB that holds a credential-shaped line is refused like any cassette.
    project.write("test_user.py", r'''
import boto3
import pytest


@pytest.mark.vcr
def test_big_body():
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="bucket")
    body = ("x" * 70000 + "\naws_access_key_id = AKIA" + "Q" * 16 + "\n").encode()
    s3.put_object(Bucket="bucket", Key="k", Body=body)
    s3.get_object(Bucket="bucket", Key="k")["Body"].read()
''')
    run = project.pytest("--record-mode=once", "--aws-standin")
    assert run.returncode != 0
    assert "refused to write" in run.output and "AWS access key id" in run.output
    written = [p for p in (project.root / "cassettes").rglob("*") if p.is_file()] \
        if (project.root / "cassettes").exists() else []
    assert written == []

