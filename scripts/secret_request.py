"""A ``SecretRequest`` file: validated (every problem at once), then turned into a plan.

    apiVersion: goldenpath.io/v1
    kind: SecretRequest
    id: SEC-0007
    metadata: {name: db-credentials, service: payments, environment: dev, owner: team-payments}
    spec:
      provider: aws-secrets-manager        # or aws-ssm (a SecureString parameter)
      secretType: database-credentials     # api-key, tls-certificate, generic
      risk: {tier: medium}                 # low, medium, high (high needs rotation)
      rotation: {rotationClass: manual}    # none, manual, automatic
      lifecycle: {recoveryWindowDays: 7}   # 7..30, Secrets Manager only
      kmsKeyId: alias/goldenpath-dev       # optional; the AWS managed key otherwise
      value: {generate: {length: 32}, fields: {username: app, port: 5432}}  # or fromEnv: VAR
      access: {read: [role ARNs], write: [...], breakGlass: [...]}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import request_files
from .request_files import Checker

API_VERSION = "goldenpath.io/v1"
KIND = "SecretRequest"
PROVIDERS = ("aws-secrets-manager", "aws-ssm")
SECRET_TYPES = ("database-credentials", "api-key", "tls-certificate", "generic")
RISK_TIERS = ("low", "medium", "high")
ROTATION_CLASSES = ("none", "manual", "automatic")
ENVIRONMENTS = ("dev", "staging", "prod")
_NAME = r"[a-z][a-z0-9-]{1,62}"
_PRINCIPAL = r"arn:aws[a-z-]*:iam::\d{12}:(role|user)/[A-Za-z0-9+=,.@_/-]+"
_ENV_VAR = r"[A-Z_][A-Z0-9_]*"


@dataclass(frozen=True)
class SecretRequest:
    id: str
    name: str
    service: str
    environment: str
    owner: str
    provider: str
    secret_type: str
    risk_tier: str
    rotation_class: str
    recovery_window_days: int
    kms_key_id: str | None
    generate_length: int | None
    from_env: str | None
    fields: dict[str, Any] = field(default_factory=dict)
    readers: tuple[str, ...] = ()
    writers: tuple[str, ...] = ()
    break_glass: tuple[str, ...] = ()


def parse(document: dict[str, Any], source: str) -> SecretRequest:
    check = Checker(document, source)
    check.header(API_VERSION, KIND)
    request_id = check.matching("id", r"SEC-\d{4}", "SEC- and four digits, e.g. SEC-0007")
    name = check.matching("metadata.name", _NAME, "lower-case letters, digits and dashes")
    service = check.matching("metadata.service", _NAME, "lower-case letters, digits and dashes")
    environment = check.one_of("metadata.environment", ENVIRONMENTS)
    owner = check.text("metadata.owner")
    provider = check.one_of("spec.provider", PROVIDERS)
    secret_type = check.one_of("spec.secretType", SECRET_TYPES)
    risk_tier = check.one_of("spec.risk.tier", RISK_TIERS)
    rotation = check.one_of("spec.rotation.rotationClass", ROTATION_CLASSES)
    if risk_tier == "high" and rotation == "none":
        check.fail("spec.rotation.rotationClass",
                   "high risk (spec.risk.tier: high) needs rotation: manual or automatic")
    window = check.integer("spec.lifecycle.recoveryWindowDays", 7, 30, default=30)
    kms_key_id = check.text("spec.kmsKeyId", default=None)
    length = check.integer("spec.value.generate.length", 16, 128, default=None)
    from_env = check.matching("spec.value.fromEnv", _ENV_VAR, "an environment variable name",
                              default=None)
    if length is not None and from_env is not None:
        check.fail("spec.value", "give either generate or fromEnv, not both")
    fields = check.value("spec.value.fields", dict, default={}) or {}
    readers = check.strings("spec.access.read", _PRINCIPAL, "an IAM role or user ARN")
    writers = check.strings("spec.access.write", _PRINCIPAL, "an IAM role or user ARN")
    break_glass = check.strings("spec.access.breakGlass", _PRINCIPAL, "an IAM role or user ARN")
    if provider == "aws-ssm" and (readers or writers or break_glass):
        check.fail("spec.access", "aws-ssm parameters have no resource policy: grant access in "
                                  "IAM, or use provider aws-secrets-manager")
    check.done()
    return SecretRequest(
        request_id, name, service, environment, owner, provider, secret_type, risk_tier,
        rotation, window, kms_key_id, (length or 32) if from_env is None else None, from_env,
        dict(fields), tuple(readers), tuple(writers), tuple(break_glass))


def load(path: str | Path) -> SecretRequest:
    return parse(request_files.load(path), str(path))


@dataclass(frozen=True)
class SecretPlan:
    name: str
    provider: str
    description: str
    tags: dict[str, str]
    kms_key_id: str | None
    recovery_window_days: int
    policy: dict[str, Any] | None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "provider": self.provider, "description": self.description,
                "tags": self.tags, "kmsKeyId": self.kms_key_id or "AWS managed key",
                "recoveryWindowDays": self.recovery_window_days, "policy": self.policy}


def plan(request: SecretRequest) -> SecretPlan:
    path = f"goldenpath/{request.environment}/{request.service}/{request.name}"
    name = f"/{path}" if request.provider == "aws-ssm" else path
    tags = {
        "goldenpath:id": request.id, "goldenpath:owner": request.owner,
        "goldenpath:service": request.service, "goldenpath:environment": request.environment,
        "goldenpath:secret-type": request.secret_type, "goldenpath:risk-tier": request.risk_tier,
        "goldenpath:rotation-class": request.rotation_class,
    }
    return SecretPlan(name, request.provider, f"{request.id}: {request.secret_type} for "
                      f"{request.service} ({request.environment}), owned by {request.owner}",
                      tags, request.kms_key_id, request.recovery_window_days, _policy(request))


def _policy(request: SecretRequest) -> dict[str, Any] | None:
    groups = (
        ("Read", request.readers, ["secretsmanager:GetSecretValue",
                                   "secretsmanager:DescribeSecret"]),
        ("Write", request.writers, ["secretsmanager:PutSecretValue",
                                    "secretsmanager:UpdateSecret",
                                    "secretsmanager:DescribeSecret"]),
        ("BreakGlass", request.break_glass, ["secretsmanager:*"]),
    )
    statements = [{"Sid": sid, "Effect": "Allow", "Principal": {"AWS": list(principals)},
                   "Action": actions, "Resource": "*"}
                  for sid, principals, actions in groups if principals]
    return {"Version": "2012-10-17", "Statement": statements} if statements else None
