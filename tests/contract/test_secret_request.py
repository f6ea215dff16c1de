"""SecretRequest files against the parser: valid ones plan, invalid ones list every problem."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scripts import secret_request
from scripts.request_files import RequestError
from tests.integration.conftest import REQUESTS

ROOT = Path(__file__).resolve().parents[2]


def problems(file: str) -> list[str]:
    with pytest.raises(RequestError) as raised:
        secret_request.load(REQUESTS / file)
    return raised.value.problems


def test_valid_request_plans_name_tags_key_window_and_policy() -> None:
    request = secret_request.load(REQUESTS / "secret-payments-db.yaml")
    plan = secret_request.plan(request)
    assert plan.name == "goldenpath/dev/payments/db-credentials"
    assert plan.tags["goldenpath:id"] == "SEC-0007"
    assert plan.recovery_window_days == 7 and plan.kms_key_id is None
    assert plan.policy is not None
    assert plan.policy["Statement"][0]["Principal"] == {
        "AWS": ["arn:aws:iam::111122223333:role/payments-app"]}


def test_ssm_request_plans_a_parameter_path_without_policy() -> None:
    plan = secret_request.plan(secret_request.load(REQUESTS / "secret-payments-api-key-ssm.yaml"))
    assert plan.name == "/goldenpath/dev/payments/stripe-api-key"
    assert plan.policy is None


def test_every_problem_is_reported_at_once_with_its_path_and_allowed_values() -> None:
    found = problems("secret-invalid-everything.yaml")
    assert found == [
        "apiVersion: must be one of goldenpath.io/v1 (got 'goldenpath.io/v2')",
        "id: must be SEC- and four digits, e.g. SEC-0007 (pattern SEC-\\d{4}; got 'SECRET-7')",
        "metadata.name: must be lower-case letters, digits and dashes "
        "(pattern [a-z][a-z0-9-]{1,62}; got 'Bad_Name')",
        "metadata.environment: must be one of dev, staging, prod (got 'qa')",
        "metadata.owner: is required",
        "spec.provider: must be one of aws-secrets-manager, aws-ssm (got 'vault')",
        "spec.rotation.rotationClass: high risk (spec.risk.tier: high) needs rotation: "
        "manual or automatic",
        "spec.lifecycle.recoveryWindowDays: must be between 7 and 30 (got 3)",
        "spec.access.read[0]: must be an IAM role or user ARN (got 'not-an-arn')",
    ]


def test_high_risk_without_rotation_is_refused() -> None:
    assert problems("secret-high-risk-without-rotation.yaml") == [
        "spec.rotation.rotationClass: high risk (spec.risk.tier: high) needs rotation: "
        "manual or automatic"]


def test_malformed_yaml_names_the_line() -> None:
    [problem] = problems("secret-malformed.yaml")
    assert problem.startswith("line 4, column 1: not valid YAML")


def test_missing_file_is_a_request_error() -> None:
    assert problems("no-such-request.yaml")[0].startswith("cannot be read")


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scripts.secret_flow", *args],
                          capture_output=True, text=True, cwd=ROOT, check=False,
                          env={k: v for k, v in os.environ.items() if not k.startswith("AWS_")})


def test_cli_exits_2_on_an_invalid_request_and_lists_the_problems_as_json() -> None:
    done = run_cli(str(REQUESTS / "secret-invalid-everything.yaml"), "--json")
    assert done.returncode == 2
    result = json.loads(done.stdout)
    assert result["ok"] is False and len(result["problems"]) == 9


def test_cli_dry_run_needs_no_aws_at_all() -> None:
    done = run_cli(str(REQUESTS / "secret-payments-db.yaml"), "--dry-run", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["plan"]["name"] == "goldenpath/dev/payments/db-credentials"


def test_misspelt_fields_duplicate_keys_and_binary_files_are_problems_too(tmp_path: Path) -> None:
    valid = (REQUESTS / "secret-payments-db.yaml").read_text()
    misspelt = tmp_path / "misspelt.yaml"
    misspelt.write_text(valid.replace("  provider:", "  providr:") + "extra: 1\n")
    found = problems(str(misspelt))
    assert "spec.provider: is required" in found
    assert any(p.startswith("spec.providr: is not a known field (known here: ") for p in found)
    assert any(p.startswith("extra: is not a known field") for p in found)
    twice = tmp_path / "twice.yaml"
    twice.write_text(valid + "id: SEC-0008\n")
    line = len(valid.splitlines()) + 1
    assert problems(str(twice)) == [f"line {line}: key 'id' is given twice (keep one)"]
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"apiVersion: goldenpath.io/v1\n\x89PNG\x00\xff")
    assert problems(str(binary)) == ["byte 29: not UTF-8 text (a request file is YAML)"]


def test_an_aws_error_names_the_service_that_failed_not_a_guess_from_the_operation(
        capsys: pytest.CaptureFixture[str]) -> None:
    import boto3
    from botocore.stub import Stubber

    from scripts import workflow_cli

    def run(args: object) -> workflow_cli.Result:
        client = boto3.client("secretsmanager", region_name="us-east-1")
        with Stubber(client) as stub:  # botocore's own canned responses, through its events
            stub.add_response("list_secrets", {"SecretList": []})
            stub.add_client_error("tag_resource", "ResourceNotFoundException", "no such secret")
            # A call that succeeds comes back as AWS sent it: only failures are stamped.
            assert client.list_secrets() == {"SecretList": []}
            client.tag_resource(SecretId="s", Tags=[{"Key": "k", "Value": "v"}])
        raise AssertionError("the stubbed call should have failed")

    assert workflow_cli.main([], "test", lambda parser: None, run) == 1
    assert "secretsmanager.TagResource: ResourceNotFoundException: no such secret" in \
        capsys.readouterr().err
