"""The three workflows as their users run them: command lines, exit codes, --json outputs.

Exit codes: 0 done or nothing to do, 1 the workflow failed (in AWS terms), 2 the request was
invalid. The commands run in this process (``main(argv)``, stdout and stderr captured), as
``python -m scripts.<workflow>`` runs them, so that mutation testing sees which code each
reaches; tests/contract runs the same entry points as subprocesses.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest

from scripts import build_sample_image, ecr_sync, rds_provision, secret_flow

from .conftest import REQUESTS, TEST_DATA, Cli, request_file

pytestmark = pytest.mark.vcr
SAMPLE = TEST_DATA / "sample-image.tar"


class TestSecretFlowCli:
    def test_dry_run_prints_the_plan_and_exits_0(self, cli: Cli) -> None:
        request = str(REQUESTS / "secret-payments-db.yaml")
        code, out, err = cli(secret_flow.main, request, "--dry-run")
        assert (code, err) == (0, "")
        assert out == ("SEC-0007: would provision goldenpath/dev/payments/db-credentials "
                       "(aws-secrets-manager); nothing done\n")
        code, out, _ = cli(secret_flow.main, request, "--dry-run", "--json")
        assert code == 0
        result = json.loads(out)
        assert {k: result[k] for k in ("id", "actions", "changed", "dryRun", "ok", "name",
                                       "provider", "arn")} == {
            "id": "SEC-0007", "actions": [], "changed": False, "dryRun": True, "ok": True,
            "name": "goldenpath/dev/payments/db-credentials",
            "provider": "aws-secrets-manager", "arn": ""}
        assert result["plan"]["recoveryWindowDays"] == 7

    def test_an_invalid_request_exits_2_with_every_problem(self, cli: Cli) -> None:
        request = str(REQUESTS / "secret-invalid-everything.yaml")
        code, out, err = cli(secret_flow.main, request)
        assert (code, out) == (2, "")
        assert err.startswith(f"{request}: 9 problem(s):\n  - apiVersion: must be one of")
        code, out, err = cli(secret_flow.main, request, "--json")
        failed = json.loads(out)
        assert (code, err, failed["ok"]) == (2, "", False)
        assert out.startswith('{\n  "ok": false,\n  "error": ')
        assert failed["error"].startswith(f"{request}: 9 problem(s)")
        assert failed["problems"][-1] == \
            "spec.access.read[0]: must be an IAM role or user ARN (got 'not-an-arn')"

    def test_creates_then_reports_no_change(self, cli: Cli, tmp_path: Path,
                                            isolated_namespace: str,
                                            caplog: pytest.LogCaptureFixture,
                                            cleanup: Callable[[Callable[[], Any]], None]) -> None:
        caplog.set_level("INFO", logger="goldenpath")
        request = request_file(tmp_path, "secret-payments-api-key-ssm.yaml",
                               metadata={"name": isolated_namespace})
        name = f"/goldenpath/dev/payments/{isolated_namespace}"
        ssm = boto3.client("ssm")
        cleanup(lambda: ssm.delete_parameter(Name=name))

        code, out, err = cli(secret_flow.main, request, "--json")
        assert (code, err) == (0, "")
        result = json.loads(out)
        assert {k: result[k] for k in ("actions", "changed", "dryRun", "ok", "name",
                                       "provider")} == {
            "actions": ["created"], "changed": True, "dryRun": False, "ok": True,
            "name": name, "provider": "aws-ssm"}
        assert result["arn"] == ssm.get_parameter(Name=name)["Parameter"]["ARN"]
        assert caplog.messages == [f"SEC-0011 {name}: created"]  # never the value
        assert cli(secret_flow.main, request) == (0, f"SEC-0011: {name} (aws-ssm): no change\n",
                                                  "")


    def test_text_output_lists_every_action(
            self, cli: Cli, tmp_path: Path, isolated_namespace: str,
            cleanup: Callable[[Callable[[], Any]], None]) -> None:
        request = request_file(tmp_path, "secret-payments-db.yaml",
                               metadata={"name": isolated_namespace})
        name = f"goldenpath/dev/payments/{isolated_namespace}"
        sm = boto3.client("secretsmanager")
        cleanup(lambda: sm.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True))
        assert cli(secret_flow.main, request) == (
            0, f"SEC-0007: {name} (aws-secrets-manager): created, policy-set\n", "")


class TestRdsProvisionCli:
    def test_dry_run_names_database_and_instance(self, cli: Cli) -> None:
        code, out, _ = cli(rds_provision.main, str(REQUESTS / "rds-payments.yaml"), "--dry-run")
        assert (code, out) == (0, "RDS-0001: would provision database payments on "
                                  "goldenpath-dev-shared; nothing done\n")
        code, out, _ = cli(rds_provision.main, str(REQUESTS / "rds-payments.yaml"), "--dry-run",
                           "--json")
        result = json.loads(out)
        assert (code, result["endpoint"], result["dryRun"], result["plan"]["owner"]) == \
            (0, "", True, "payments_app")

    def test_a_missing_instance_exits_1_in_aws_terms(self, cli: Cli, tmp_path: Path,
                                                    isolated_namespace: str) -> None:
        request = request_file(tmp_path, "rds-payments.yaml",
                               spec={"instance": f"{isolated_namespace}-absent"})
        code, out, err = cli(rds_provision.main, request, "--connect", "127.0.0.1:1")
        assert (code, out) == (1, "")
        assert err == (f"rds.DescribeDBInstances: no instance {isolated_namespace}-absent: "
                       "create it first, or fix spec.instance\n")
        code, out, err = cli(rds_provision.main, request, "--connect", "127.0.0.1:1", "--json")
        assert (code, json.loads(out), err) == (1, {
            "ok": False, "error": f"rds.DescribeDBInstances: no instance "
                                  f"{isolated_namespace}-absent: create it first, or fix "
                                  "spec.instance"}, "")

    def test_an_aws_error_exits_1_naming_service_operation_and_code(
            self, cli: Cli, tmp_path: Path, isolated_namespace: str,
            cleanup: Callable[[Callable[[], Any]], None]) -> None:
        """The master secret is scheduled for deletion: Secrets Manager refuses to read it."""
        rds, sm = boto3.client("rds"), boto3.client("secretsmanager")
        rds.create_db_instance(DBInstanceIdentifier=isolated_namespace, Engine="postgres",
                               DBInstanceClass="db.t3.micro", MasterUsername="master",
                               MasterUserPassword="not-used-here-1", AllocatedStorage=20)
        cleanup(lambda: rds.delete_db_instance(DBInstanceIdentifier=isolated_namespace,
                                               SkipFinalSnapshot=True))
        master = f"{isolated_namespace}/master"
        sm.create_secret(Name=master, SecretString='{"username": "u", "password": "p"}')
        sm.delete_secret(SecretId=master, RecoveryWindowInDays=7)
        cleanup(lambda: sm.delete_secret(SecretId=master, ForceDeleteWithoutRecovery=True))
        request = request_file(tmp_path, "rds-payments.yaml",
                               spec={"instance": isolated_namespace, "masterSecret": master})

        code, out, err = cli(rds_provision.main, request, "--connect", "127.0.0.1:1")
        assert (code, out) == (1, "")
        assert err.startswith("secretsmanager.GetSecretValue: InvalidRequestException: ")


class TestEcrSyncCli:
    def test_dry_run_plans_each_image_and_a_missing_one_fails_alone(self, cli: Cli,
                                                                    tmp_path: Path) -> None:
        code, out, err = cli(ecr_sync.main, "nope:1", "backstage:latest", "--dry-run",
                             "--archive", str(SAMPLE))
        assert (code, err) == (1, "")
        assert out == (f"nope:1: failed (no local image nope:1 in {SAMPLE})\n"
                       f"backstage:latest: planned (3 blobs, from {SAMPLE})\n"
                       "pushed 0, skipped 0, failed 1\n")
        code, out, _ = cli(ecr_sync.main, "backstage:latest", "--dry-run", "--json",
                           "--archive", str(SAMPLE), "--repository-prefix", "team/")
        [planned] = json.loads(out)["images"]
        assert code == 0 and out.startswith('{\n  "pushed": 0,\n  "skipped": 0,')
        assert planned == {"image": "backstage:latest", "status": "planned",
                           "detail": f"3 blobs, from {SAMPLE}",
                           "digest": planned["digest"], "repository": "team/backstage",
                           "layers_uploaded": 0}
        assert planned["digest"].startswith("sha256:")

    def test_every_image_of_a_folder_is_planned(self, cli: Cli, tmp_path: Path) -> None:
        (tmp_path / "backstage.tar").write_bytes(SAMPLE.read_bytes())
        (tmp_path / "other.tar").write_bytes(build_sample_image.build(tag="other:1"))
        code, out, _ = cli(ecr_sync.main, "backstage:latest", "other:1", "--dry-run", "--json",
                           "--archive", str(tmp_path))
        assert code == 0
        assert [(i["image"], i["status"], i["repository"]) for i in json.loads(out)["images"]] \
            == [("backstage:latest", "planned", "backstage"), ("other:1", "planned", "other")]

    def test_a_missing_repository_is_not_created_when_told_so(
            self, cli: Cli, isolated_namespace: str) -> None:
        code, out, _ = cli(ecr_sync.main, "backstage:latest", "--archive", str(SAMPLE),
                           "--repository-prefix", f"{isolated_namespace}/",
                           "--no-create-repository", "--json")
        [failed] = json.loads(out)["images"]
        assert code == 1
        assert (failed["status"], failed["repository"], failed["detail"]) == (
            "failed", f"{isolated_namespace}/backstage",
            f"repository {isolated_namespace}/backstage does not exist (create it, or allow "
            "the sync to with create_repository)")

    def test_pushes_then_skips(self, cli: Cli, isolated_namespace: str,
                               caplog: pytest.LogCaptureFixture,
                               cleanup: Callable[[Callable[[], Any]], None]) -> None:
        caplog.set_level("INFO", logger="goldenpath")
        ecr = boto3.client("ecr")
        cleanup(lambda: ecr.delete_repository(repositoryName=f"{isolated_namespace}/backstage",
                                              force=True))
        prefix = ("--archive", str(SAMPLE), "--repository-prefix", f"{isolated_namespace}/")
        code, out, err = cli(ecr_sync.main, "backstage:latest", *prefix, "--json")
        result = json.loads(out)
        assert (code, err) == (0, "")
        assert {k: result[k] for k in ("pushed", "skipped", "failed", "dryRun", "ok")} == {
            "pushed": 1, "skipped": 0, "failed": 0, "dryRun": False, "ok": True}
        assert result["images"][0]["detail"] == "3 blob(s) uploaded"
        assert caplog.messages == ["backstage:latest: pushed 3 blob(s) uploaded"]
        assert cli(ecr_sync.main, "backstage:latest", *prefix) == (0, (
            "backstage:latest: skipped (same digest in ECR)\npushed 0, skipped 1, failed 0\n"),
            "")

    def test_a_refused_tag_exits_1(self, cli: Cli, tmp_path: Path, isolated_namespace: str,
                                   cleanup: Callable[[Callable[[], Any]], None]) -> None:
        ecr = boto3.client("ecr")
        cleanup(lambda: ecr.delete_repository(repositoryName=f"{isolated_namespace}/backstage",
                                              force=True))
        other = tmp_path / "other.tar"
        other.write_bytes(build_sample_image.build(variant=" (rebuilt)"))
        prefix = ("--repository-prefix", f"{isolated_namespace}/")
        assert cli(ecr_sync.main, "backstage:latest", "--archive", str(other), *prefix)[0] == 0
        code, out, _ = cli(ecr_sync.main, "backstage:latest", "--archive", str(SAMPLE), *prefix)
        assert code == 1 and "holds another digest" in out and "failed 1" in out
        code, out, _ = cli(ecr_sync.main, "backstage:latest", "--archive", str(SAMPLE), *prefix,
                           "--no-create-repository", "--overwrite")
        assert code == 0 and "tag moved from sha256:" in out
