"""Secret flow: a SecretRequest applied to Secrets Manager or to an SSM SecureString.

    python -m scripts.secret_flow REQUEST.yaml [--dry-run] [--json]

Creates the secret, or adopts an existing one (tags it as the request's), restores one
scheduled for deletion, and sets its resource policy. A second run reports no change. The
secret's value is generated (or read from the environment) and never printed or logged.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import secrets
import string
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import boto3

from . import secret_request, workflow_cli
from .secret_request import SecretPlan, SecretRequest
from .workflow_cli import ActionsResult, WorkflowError

log = logging.getLogger("goldenpath.secret_flow")


@dataclass
class SecretResult(ActionsResult):
    name: str = ""
    provider: str = ""
    arn: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "name": self.name, "provider": self.provider,
                "arn": self.arn}

    def summary(self) -> str:
        if self.dry_run:
            return f"{self.id}: would provision {self.name} ({self.provider}); nothing done"
        done = ", ".join(self.actions) if self.actions else "no change"
        return f"{self.id}: {self.name} ({self.provider}): {done}"


def provision(request: SecretRequest, *, dry_run: bool = False) -> SecretResult:
    planned = secret_request.plan(request)
    result = SecretResult(request.id, planned.to_dict(), dry_run=dry_run, name=planned.name,
                          provider=planned.provider)
    if dry_run:
        return result
    if planned.provider == "aws-secrets-manager":
        _apply_secrets_manager(request, planned, result)
    else:
        _apply_ssm(request, planned, result)
    for action in result.actions:
        log.info("%s %s: %s", request.id, planned.name, action)
    return result


def _value(request: SecretRequest, generate: Any) -> str:
    if request.from_env is not None:
        if request.from_env not in os.environ:
            raise WorkflowError(f"{request.id}: spec.value.fromEnv names {request.from_env}, "
                                "which is not set")
        secret = os.environ[request.from_env]
    else:
        secret = generate(request.generate_length or 32)
    if request.fields:  # a JSON secret: readable fields beside the password
        return json.dumps({**request.fields, "password": secret})
    return secret


def _tags(tags: dict[str, str], key: str = "Key", value: str = "Value") -> list[dict[str, str]]:
    return [{key: k, value: v} for k, v in tags.items()]


def _apply_secrets_manager(request: SecretRequest, planned: SecretPlan,
                           result: SecretResult) -> None:
    client = boto3.client("secretsmanager")
    try:
        described = client.describe_secret(SecretId=planned.name)
    except client.exceptions.ResourceNotFoundException:
        described = None
    if described is None:
        def generate(length: int) -> str:
            return str(client.get_random_password(
                PasswordLength=length, ExcludeCharacters="\"'\\@/")["RandomPassword"])

        create: dict[str, Any] = {"Name": planned.name, "Description": planned.description,
                                  "SecretString": _value(request, generate),
                                  "Tags": _tags(planned.tags)}
        if planned.kms_key_id:
            create["KmsKeyId"] = planned.kms_key_id
        result.arn = client.create_secret(**create)["ARN"]
        result.actions.append("created")
        current_policy = None
    else:
        result.arn = described["ARN"]
        if described.get("DeletedDate"):
            client.restore_secret(SecretId=result.arn)
            result.actions.append("restored")
        current = {t["Key"]: t["Value"] for t in described.get("Tags", [])}
        if current.get("goldenpath:id") != request.id:
            result.actions.append("adopted")
        missing = {k: v for k, v in planned.tags.items() if current.get(k) != v}
        if missing:
            client.tag_resource(SecretId=result.arn, Tags=_tags(missing))
            result.actions.append("tagged")
        current_policy = client.get_resource_policy(SecretId=result.arn).get("ResourcePolicy")
    if planned.policy is not None and (
            current_policy is None or json.loads(current_policy) != planned.policy):
        client.put_resource_policy(SecretId=result.arn,
                                   ResourcePolicy=json.dumps(planned.policy))
        result.actions.append("policy-set")


def _apply_ssm(request: SecretRequest, planned: SecretPlan, result: SecretResult) -> None:
    client = boto3.client("ssm")
    try:
        result.arn = client.get_parameter(Name=planned.name)["Parameter"]["ARN"]
    except client.exceptions.ParameterNotFound:
        alphabet = string.ascii_letters + string.digits

        def generate(length: int) -> str:
            return "".join(secrets.choice(alphabet) for _ in range(length))

        put: dict[str, Any] = {"Name": planned.name, "Description": planned.description,
                               "Value": _value(request, generate), "Type": "SecureString",
                               "Tags": _tags(planned.tags)}
        if planned.kms_key_id:
            put["KeyId"] = planned.kms_key_id
        client.put_parameter(**put)
        result.arn = client.get_parameter(Name=planned.name)["Parameter"]["ARN"]
        result.actions.append("created")
        return
    tags = client.list_tags_for_resource(ResourceType="Parameter", ResourceId=planned.name)
    current = {t["Key"]: t["Value"] for t in tags.get("TagList", [])}
    if current.get("goldenpath:id") != request.id:
        result.actions.append("adopted")
    missing = {k: v for k, v in planned.tags.items() if current.get(k) != v}
    if missing:
        client.add_tags_to_resource(ResourceType="Parameter", ResourceId=planned.name,
                                    Tags=_tags(missing))
        result.actions.append("tagged")


def main(argv: Sequence[str] | None = None) -> int:
    def arguments(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("request", help="a SecretRequest YAML file")

    def run(args: argparse.Namespace) -> SecretResult:
        return provision(secret_request.load(args.request), dry_run=args.dry_run)

    return workflow_cli.main(argv, __doc__.splitlines()[0], arguments, run)


if __name__ == "__main__":
    raise SystemExit(main())
