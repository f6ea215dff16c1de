"""Secret flow: request -> parser -> AWS SDK. The secret lands in Secrets Manager or SSM."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import boto3
import pytest

from scripts import secret_flow, secret_request

from .conftest import REQUESTS

pytestmark = pytest.mark.vcr


def request_named(file: str, namespace: str) -> secret_request.SecretRequest:
    return replace(secret_request.load(REQUESTS / file), name=namespace)


class TestSecretProvisioning:
    def test_creates_secret_with_tags_and_policy_then_reports_no_change(
            self, isolated_namespace: str, cleanup: Callable[[Callable[[], Any]], None]) -> None:
        request = request_named("secret-payments-db.yaml", isolated_namespace)
        sm = boto3.client("secretsmanager")
        name = f"goldenpath/dev/payments/{isolated_namespace}"
        cleanup(lambda: sm.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True))

        first = secret_flow.provision(request)
        assert first.actions == ["created", "policy-set"]
        assert first.name == name

        value = json.loads(sm.get_secret_value(SecretId=name)["SecretString"])
        assert {k: value[k] for k in ("username", "host", "port", "dbname")} == {
            "username": "payments_app", "host": "db.internal", "port": 5432,
            "dbname": "payments"}
        assert len(value["password"]) == 32
        tags = {t["Key"]: t["Value"] for t in sm.describe_secret(SecretId=name)["Tags"]}
        assert tags["goldenpath:id"] == "SEC-0007" and tags["goldenpath:risk-tier"] == "medium"
        policy = json.loads(sm.get_resource_policy(SecretId=name)["ResourcePolicy"])
        assert [s["Sid"] for s in policy["Statement"]] == ["Read", "BreakGlass"]

        again = secret_flow.provision(request)
        assert again.actions == [] and not again.changed

    def test_creates_secure_string_in_ssm(
            self, isolated_namespace: str, cleanup: Callable[[Callable[[], Any]], None]) -> None:
        request = request_named("secret-payments-api-key-ssm.yaml", isolated_namespace)
        ssm = boto3.client("ssm")
        name = f"/goldenpath/dev/payments/{isolated_namespace}"
        cleanup(lambda: ssm.delete_parameter(Name=name))

        assert secret_flow.provision(request).actions == ["created"]
        parameter = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]
        assert parameter["Type"] == "SecureString" and len(parameter["Value"]) == 40
        assert secret_flow.provision(request).actions == []

    def test_restores_and_adopts_a_secret_scheduled_for_deletion(
            self, isolated_namespace: str, cleanup: Callable[[Callable[[], Any]], None]) -> None:
        request = request_named("secret-payments-db.yaml", isolated_namespace)
        sm = boto3.client("secretsmanager")
        name = f"goldenpath/dev/payments/{isolated_namespace}"
        sm.create_secret(Name=name, SecretString='{"username": "legacy"}')
        sm.delete_secret(SecretId=name, RecoveryWindowInDays=7)
        cleanup(lambda: sm.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True))

        result = secret_flow.provision(request)
        assert result.actions == ["restored", "adopted", "tagged", "policy-set"]
        assert "DeletedDate" not in sm.describe_secret(SecretId=name)
        # Adopting keeps the existing value: the request does not overwrite secrets.
        assert json.loads(sm.get_secret_value(SecretId=name)["SecretString"]) == {
            "username": "legacy"}

    def test_dry_run_makes_no_aws_call(self, isolated_namespace: str) -> None:
        result = secret_flow.provision(
            request_named("secret-payments-db.yaml", isolated_namespace), dry_run=True)
        assert result.dry_run and result.actions == []
        assert result.plan["name"] == f"goldenpath/dev/payments/{isolated_namespace}"
