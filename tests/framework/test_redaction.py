"""No credential, secret or account id reaches a cassette, and replay still works.

Recorded against moto reached through AWS_ENDPOINT_URL with canary credentials, a canary account
id and canary secrets; then everything the recording wrote is searched for each canary, as is,
base64-decoded and URL-decoded.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote_plus

import pytest

from awstape.runtime import standin

from .conftest import Project

# Built from pieces so that the scanner, run on this repository, does not flag this file.
CANARY_ACCESS_KEY = "AKIA" + "CANARY1234567890"
CANARIES = {
    "AWS_ACCESS_KEY_ID": CANARY_ACCESS_KEY,
    "AWS_SECRET_ACCESS_KEY": "canarySecretKey/" + "x7Q2mZp9Lk4Wv8Rt3Yb6Nc1D",
    "AWS_SESSION_TOKEN": "canarySessionToken" + "Hq8Zt2Lw5Xr9Km3Vp7Yc4Nb6" * 4,
    "MOTO_ACCOUNT_ID": "987650001234",
    "CANARY_SSM": "canary-ssm-secure-7f3a9",
    "CANARY_JSON_PASSWORD": "canary-json-password-91x",
    "CANARY_RDS": "canary-rds-master-55q",
    "CANARY_DESCRIPTION": "canary-user-rule-description",
    "CANARY_GITHUB": "ghp_" + "Canary0123456789abcdefghijklmnopqrstuv"[:36],
}

PYPROJECT = '''
[[tool.awstape.redact]]
path = "ssm.PutParameter.Description"
[[tool.awstape.redact]]
regex = "ghp_[A-Za-z0-9]{36}"
'''

USER_TEST = '''
import base64
import json
import os
from pathlib import Path

import boto3
import pytest

E = os.environ


@pytest.mark.vcr
def test_secrets_round_trip():
    ssm = boto3.client("ssm")
    name = "/app/db/" + E.get("PARAMETER", "password")
    ssm.put_parameter(Name=name, Value=E["CANARY_SSM"], Type="SecureString",
                      Description=E["CANARY_DESCRIPTION"],
                      Tags=[{"Key": "deploy-token", "Value": E["CANARY_GITHUB"]}])
    got = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]
    assert got["Value"] == E["CANARY_SSM"]

    secrets = boto3.client("secretsmanager")
    secret = {"host": "db.internal", "port": 5432, "username": "app",
              "password": E["CANARY_JSON_PASSWORD"]}
    secrets.create_secret(Name="app/db", SecretString=json.dumps(secret))
    assert json.loads(secrets.get_secret_value(SecretId="app/db")["SecretString"]) == secret

    generated = secrets.get_random_password(PasswordLength=24)["RandomPassword"]
    assert len(generated) == 24
    secrets.create_secret(Name="app/generated", SecretString=generated)
    assert secrets.get_secret_value(SecretId="app/generated")["SecretString"] == generated

    boto3.client("rds").create_db_instance(
        DBInstanceIdentifier="app-db", Engine="postgres", DBInstanceClass="db.t3.micro",
        MasterUsername="app", MasterUserPassword=E["CANARY_RDS"], AllocatedStorage=20)

    ecr = boto3.client("ecr")
    ecr.create_repository(repositoryName="backstage")
    data = ecr.get_authorization_token()["authorizationData"][0]
    user, _, password = base64.b64decode(data["authorizationToken"]).decode().partition(":")
    assert user == "AWS" and password

    sts = boto3.client("sts")
    account = sts.get_caller_identity()["Account"]
    assert len(account) == 12
    assumed = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/deployer",
                              RoleSessionName="deploy")["Credentials"]
    assert assumed["AccessKeyId"].startswith("ASIA") and len(assumed["AccessKeyId"]) == 20

    if E.get("GENERATED_OUT"):
        Path(E["GENERATED_OUT"]).write_text(json.dumps(
            {"generated": generated, "ecr_token": data["authorizationToken"],
             "ecr_password": password, "assumed_secret": assumed["SecretAccessKey"],
             "assumed_token": assumed["SessionToken"], "assumed_key": assumed["AccessKeyId"]}))
'''


def decoded_views(text: str) -> Iterator[str]:
    """The text as it is, URL-decoded, and every base64 run in it decoded."""
    yield text
    yield unquote_plus(text)
    for run in re.findall(r"[A-Za-z0-9+/_-]{8,}={0,2}", text):
        for decode in (base64.b64decode, base64.urlsafe_b64decode):
            with contextlib.suppress(binascii.Error, ValueError):
                yield decode(run + "=" * (-len(run) % 4)).decode("utf-8", errors="ignore")


def leaked(root: Path, canaries: dict[str, str]) -> list[str]:
    found = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        text = path.read_bytes().decode("utf-8", errors="replace")
        views = list(decoded_views(text))
        found += [f"{name} in {path.name}" for name, canary in canaries.items()
                  if any(canary in view for view in views)]
    return found


@pytest.fixture
def recorded(project: Project, tmp_path: Path,
             monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Project, dict[str, str]]]:
    monkeypatch.setenv("MOTO_ACCOUNT_ID", CANARIES["MOTO_ACCOUNT_ID"])  # read by moto per request
    project.write("pyproject.toml", PYPROJECT)
    project.write("test_user.py", USER_TEST)
    generated_out = tmp_path / "generated.json"
    with standin.running() as server:
        project.pytest("--record-mode=once", env={
            **CANARIES, "AWS_ENDPOINT_URL": server.endpoint_url, "AWS_DEFAULT_REGION": "eu-west-1",
            "GENERATED_OUT": str(generated_out),
        }).assert_outcomes(passed=1)
    generated = json.loads(generated_out.read_text())
    yield project, {**CANARIES, **generated}


def test_no_canary_reaches_the_cassette_raw_or_decoded(
        recorded: tuple[Project, dict[str, str]]) -> None:
    project, canaries = recorded
    assert project.load("test_user", "test_secrets_round_trip")["recorded"]["against"] == "endpoint"
    assert leaked(project.root / "cassettes", canaries) == []


def test_fakes_keep_shape_and_link_to_what_the_test_wrote(
        recorded: tuple[Project, dict[str, str]]) -> None:
    project, canaries = recorded
    document = project.load("test_user", "test_secrets_round_trip")
    text = json.dumps(document)
    calls: dict[str, dict] = {}
    for interaction in document["interactions"]:
        calls.setdefault(interaction["call"], interaction)  # the first of each
    # The JSON secret keeps its readable keys; only the password is faked.
    created = json.loads(calls["secretsmanager.CreateSecret"]["params"]["SecretString"])
    assert created["host"] == "db.internal" and created["port"] == 5432
    assert len(created["password"]) == len(canaries["CANARY_JSON_PASSWORD"])
    # The same real value has the same fake everywhere: written, then read back.
    put_value = calls["ssm.PutParameter"]["params"]["Value"]
    got = calls["ssm.GetParameter"]["response"]["body"]["json"]["Parameter"]
    assert got["Value"] == put_value and len(put_value) == len(canaries["CANARY_SSM"])
    # One fixed fake account, in ARNs and owner fields alike.
    assert "111122223333" in got["ARN"]
    token = calls["ecr.GetAuthorizationToken"]["response"]["body"]["json"]["authorizationData"][0]
    assert base64.b64decode(token["authorizationToken"]).startswith(b"AWS:")
    assert token["proxyEndpoint"].startswith("https://111122223333.dkr.ecr.")
    assert re.search(r"ASIA[A-Z0-9]{9}EXAMPLE", text)


def test_replays_offline_with_what_the_test_wrote(
        recorded: tuple[Project, dict[str, str]]) -> None:
    project, canaries = recorded
    supplied = {k: v for k, v in canaries.items() if k.startswith("CANARY_")}
    project.pytest(offline=True, env=supplied).assert_outcomes(passed=1)


def test_rerecording_unchanged_data_gives_the_same_fakes(
        recorded: tuple[Project, dict[str, str]]) -> None:
    project, _ = recorded
    first = project.load("test_user", "test_secrets_round_trip")
    with standin.running() as server:
        project.pytest("--record-mode=rewrite", env={
            **CANARIES, "AWS_ENDPOINT_URL": server.endpoint_url, "AWS_DEFAULT_REGION": "eu-west-1",
        }).assert_outcomes(passed=1)
    again = project.load("test_user", "test_secrets_round_trip")

    def unchanged_data(document: dict) -> list:
        # The generated password is new on each recording, so its fake is too.
        return [i["params"] for i in document["interactions"]
                if i["params"].get("Name") != "app/generated"]

    assert unchanged_data(again) == unchanged_data(first)
    assert len(unchanged_data(first)) == len(first["interactions"]) - 1


def test_a_miss_names_the_call_and_never_the_secret(
        recorded: tuple[Project, dict[str, str]]) -> None:
    project, canaries = recorded
    supplied = {k: v for k, v in canaries.items() if k.startswith("CANARY_")}
    run = project.pytest(offline=True, env={**supplied, "PARAMETER": "other"})
    run.assert_outcomes(failed=1)
    assert "no recording answers ssm.PutParameter" in run.output
    assert 'Name: recorded "/app/db/password", now "/app/db/other"' in run.output
    assert [name for name, canary in canaries.items() if canary in run.output] == []


def test_user_rules_are_listed(project: Project) -> None:
    project.write("pyproject.toml", PYPROJECT)
    run = project.run("awstape", "rules")
    assert "path ssm.PutParameter.Description" in run.output
    assert "regex ghp_[A-Za-z0-9]{36}" in run.output
    assert "members botocore's service models mark sensitive" in run.output


def test_invalid_user_rules_are_all_reported(project: Project) -> None:
    project.write("pyproject.toml", '''
[[tool.awstape.redact]]
jsonpath = "$.x"
[[tool.awstape.redact]]
regex = "([unclosed"
''')
    run = project.pytest()
    assert run.returncode != 0
    assert "redact[0]" in run.output and "exactly one of path, header, regex" in run.output
    assert "redact[1].regex" in run.output and "not a valid regex" in run.output
