"""How a failed AWS call reads on the workflows' command lines: ``service.Operation: Code:
message``, with whatever botocore's ClientError holds."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from scripts.workflow_cli import describe_aws_error


@pytest.mark.parametrize(("response", "operation", "expected"), [
    ({"Error": {"Code": "AccessDenied", "Message": "not you"},
      "ResponseMetadata": {"WorkflowService": "ssm"}},
     "PutParameter", "ssm.PutParameter: AccessDenied: not you"),
    # Not stamped by the workflows' handler: the operation alone.
    ({"Error": {"Code": "Throttling", "Message": "slow down"}}, "GetParameter",
     "GetParameter: Throttling: slow down"),
    ({"Error": {"Code": "ValidationError"}, "ResponseMetadata": {"WorkflowService": "rds"}},
     "CreateDBInstance", "rds.CreateDBInstance: ValidationError"),
    ({"Error": {"Message": "no code"}, "ResponseMetadata": {}}, "TagResource",
     "TagResource: Error: no code"),
    ({}, "", "?: Error"),
    # Only the separator is trimmed from the end, never the message's own last letters.
    ({"Error": {"Code": "InvalidParameterValue", "Message": "not a valid UNIX"}},
     "ModifyDBInstance", "ModifyDBInstance: InvalidParameterValue: not a valid UNIX"),
])
def test_describe_aws_error(response: dict[str, Any], operation: str, expected: str) -> None:
    assert describe_aws_error(ClientError(response, operation)) == expected
