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

    def test_adopts_an_untagged_ssm_parameter_and_keeps_its_value(
            self, isolated_namespace: str, cleanup: Callable[[Callable[[], Any]], None]) -> None:
        request = request_named("secret-payments-api-key-ssm.yaml", isolated_namespace)
        ssm = boto3.client("ssm")
        name = f"/goldenpath/dev/payments/{isolated_namespace}"
        ssm.put_parameter(Name=name, Value="kept-as-it-was", Type="SecureString")
        cleanup(lambda: ssm.delete_parameter(Name=name))

        result = secret_flow.provision(request)
        assert result.actions == ["adopted", "tagged"]
        assert result.arn == ssm.get_parameter(Name=name)["Parameter"]["ARN"]
        tags = ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=name)["TagList"]
        assert {t["Key"]: t["Value"] for t in tags} == secret_request.plan(request).tags
        assert ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"] == \
            "kept-as-it-was"
        assert secret_flow.provision(request).actions == []

    def test_a_parameter_of_the_request_missing_one_tag_is_only_tagged(
            self, isolated_namespace: str, cleanup: Callable[[Callable[[], Any]], None]) -> None:
        request = request_named("secret-payments-api-key-ssm.yaml", isolated_namespace)
        ssm = boto3.client("ssm")
        name = f"/goldenpath/dev/payments/{isolated_namespace}"
        cleanup(lambda: ssm.delete_parameter(Name=name))
        secret_flow.provision(request)
        ssm.remove_tags_from_resource(ResourceType="Parameter", ResourceId=name,
                                      TagKeys=["goldenpath:owner"])
        assert secret_flow.provision(request).actions == ["tagged"]

    def test_value_from_the_environment_in_a_pinned_kms_key(
            self, isolated_namespace: str, cleanup: Callable[[Callable[[], Any]], None],
            monkeypatch: pytest.MonkeyPatch) -> None:
        key = boto3.client("kms").create_key(Description="SEC-0007 test key")["KeyMetadata"]
        request = replace(request_named("secret-payments-db.yaml", isolated_namespace),
                          from_env="PAYMENTS_DB_PASSWORD", generate_length=None,
                          kms_key_id=key["KeyId"])
        monkeypatch.setenv("PAYMENTS_DB_PASSWORD", "from-the-environment-7")
        sm = boto3.client("secretsmanager")
        name = f"goldenpath/dev/payments/{isolated_namespace}"
        cleanup(lambda: sm.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True))

        assert secret_flow.provision(request).actions == ["created", "policy-set"]
        value = json.loads(sm.get_secret_value(SecretId=name)["SecretString"])
        assert (value["password"], value["username"]) == ("from-the-environment-7",
                                                          "payments_app")
        assert sm.describe_secret(SecretId=name)["KmsKeyId"] == key["KeyId"]

    def test_an_unset_environment_variable_is_named(self, isolated_namespace: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
        request = replace(request_named("secret-payments-db.yaml", isolated_namespace),
                          from_env="NOT_SET_ANYWHERE", generate_length=None)
        monkeypatch.delenv("NOT_SET_ANYWHERE", raising=False)
        with pytest.raises(secret_flow.WorkflowError) as raised:
            secret_flow.provision(request)
        assert str(raised.value) == \
            "SEC-0007: spec.value.fromEnv names NOT_SET_ANYWHERE, which is not set"

    def test_a_plain_secret_in_ssm_with_a_pinned_key(
            self, isolated_namespace: str, cleanup: Callable[[Callable[[], Any]], None]) -> None:
        key = boto3.client("kms").create_key(Description="SEC-0011 test key")["KeyMetadata"]
        request = replace(request_named("secret-payments-api-key-ssm.yaml", isolated_namespace),
                          kms_key_id=key["KeyId"], generate_length=20)
        ssm = boto3.client("ssm")
        name = f"/goldenpath/dev/payments/{isolated_namespace}"
        cleanup(lambda: ssm.delete_parameter(Name=name))
        assert secret_flow.provision(request).actions == ["created"]
        value = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
        assert len(value) == 20 and value.isalnum()
        [described] = ssm.describe_parameters(
            ParameterFilters=[{"Key": "Name", "Values": [name]}])["Parameters"]
        assert described["KeyId"] == key["KeyId"]

    def test_a_changed_policy_is_set_back_and_nothing_else(
            self, isolated_namespace: str, cleanup: Callable[[Callable[[], Any]], None]) -> None:
        request = replace(request_named("secret-payments-db.yaml", isolated_namespace),
                          fields={})
        sm = boto3.client("secretsmanager")
        name = f"goldenpath/dev/payments/{isolated_namespace}"
        cleanup(lambda: sm.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True))
        secret_flow.provision(request)
        value = sm.get_secret_value(SecretId=name)["SecretString"]
        assert len(value) == 32 and not value.startswith("{")  # no fields: the password alone
        assert not set(value) & set("\"'\\@/")
        sm.put_resource_policy(SecretId=name, ResourcePolicy=json.dumps(
            {"Version": "2012-10-17", "Statement": []}))
        assert secret_flow.provision(request).actions == ["policy-set"]
        assert json.loads(sm.get_resource_policy(SecretId=name)["ResourcePolicy"]) == \
            secret_request.plan(request).policy
