"""What the three workflows' command lines share: --dry-run, --json, exit codes, errors.

Exit codes: 0 done (or nothing to do), 1 the workflow failed, 2 the request was invalid.
Errors from AWS are shown in AWS terms (``secretsmanager.CreateSecret: AccessDenied: ...``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from botocore.model import OperationModel

from .request_files import RequestError


@dataclass
class ActionsResult:
    """What a provisioning run did: the actions taken, none when nothing had to change."""

    id: str
    plan: dict[str, Any]
    actions: list[str] = field(default_factory=list)
    dry_run: bool = False
    ok: bool = True

    @property
    def changed(self) -> bool:
        return bool(self.actions)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "plan": self.plan, "actions": self.actions,
                "changed": self.changed, "dryRun": self.dry_run, "ok": self.ok}


class Result(Protocol):
    @property
    def ok(self) -> bool: ...

    def to_dict(self) -> dict[str, Any]: ...

    def summary(self) -> str: ...


# A ClientError names only its operation, and several services share names (TagResource):
# the service is stamped on the failed response as it is raised, by a botocore handler.
_SERVICE_KEY = "WorkflowService"


def name_the_service(parsed: dict[str, Any], model: OperationModel, **_: Any) -> None:
    """botocore ``after-call`` handler: a failed call's response says which service failed."""
    if isinstance(parsed, dict) and "Error" in parsed:
        parsed.setdefault("ResponseMetadata", {})[_SERVICE_KEY] = \
            model.service_model.service_name


def describe_aws_error(error: ClientError) -> str:
    """``service.Operation: Code: message`` for a botocore ClientError."""
    operation = getattr(error, "operation_name", "") or "?"
    service = error.response.get("ResponseMetadata", {}).get(_SERVICE_KEY, "")
    info = error.response.get("Error", {})
    where = f"{service}.{operation}" if service else operation
    return f"{where}: {info.get('Code', 'Error')}: {info.get('Message', '')}".rstrip(": ")


def main(argv: Sequence[str] | None, description: str,
         add_arguments: Callable[[argparse.ArgumentParser], None],
         run: Callable[[argparse.Namespace], Result]) -> int:
    parser = argparse.ArgumentParser(description=description)
    add_arguments(parser)
    parser.add_argument("--dry-run", action="store_true",
                        help="validate and show the plan; make no AWS or database call")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    if boto3.DEFAULT_SESSION is None:  # the session the workflows' boto3.client() calls use
        boto3.setup_default_session()
    session = boto3.DEFAULT_SESSION
    assert session is not None
    session.events.register("after-call", name_the_service, unique_id="workflow-service")
    try:
        result = run(args)
    except RequestError as error:
        return _fail(args, 2, str(error), problems=error.problems)
    except ClientError as error:
        return _fail(args, 1, describe_aws_error(error))
    except (BotoCoreError, WorkflowError) as error:
        return _fail(args, 1, str(error))
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, default=str))
    else:
        print(result.summary())
    return 0 if result.ok else 1


class WorkflowError(Exception):
    """A failure the workflow explains itself (a missing instance, a refused connection)."""


def _fail(args: argparse.Namespace, code: int, message: str, **extra: Any) -> int:
    if args.json:
        print(json.dumps({"ok": False, "error": message, **extra}, indent=2))
    else:
        print(message, file=sys.stderr)
    return code
