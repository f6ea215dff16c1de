"""Drift by meaning: what the model, the cassette's data flow and a value's format say is
drawn anew is left out, and everything else the test sees or replay matches is compared."""

from __future__ import annotations

from typing import Any

from awstape.lifecycle.drift import diff_documents


def call(name: str, params: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
    return {"call": name, "region": "us-east-1", "params": params,
            "request": {"method": "POST", "path": "/"},
            "response": {"status": 200, "headers": {}, "body": {"json": answer}}}


def cassette(*interactions: dict[str, Any]) -> dict[str, Any]:
    return {"awstape": 1, "recorded": {}, "interactions": list(interactions)}


def function(runtime: str, status: str, modified: str) -> dict[str, Any]:
    return cassette(call("lambda.GetFunctionConfiguration", {"FunctionName": "f"}, {
        "FunctionName": "f", "Runtime": runtime, "LastUpdateStatus": status,
        "LastModified": modified, "CodeSize": 312, "Timeout": 3}))


def test_a_changed_runtime_and_update_status_are_drift_and_a_new_date_is_not() -> None:
    old = function("python3.11", "Successful", "2026-01-02T03:04:05.000+0000")
    new = function("python3.8", "Failed", "2026-11-24T10:00:00.000+0000")
    changes = diff_documents(old, new, "c")
    assert [(c.kind, c.field, c.old, c.new) for c in changes] == [
        ("value-changed", "LastUpdateStatus", '"Successful"', '"Failed"'),
        ("value-changed", "Runtime", '"python3.11"', '"python3.8"')]
    same = function("python3.11", "Successful", "2026-11-24T10:00:00.000+0000")
    assert diff_documents(old, same, "c") == []


def test_fields_named_like_dates_or_tokens_are_still_compared_unless_the_model_says_so() -> None:
    def listing(token: str, expiration: int) -> dict[str, Any]:
        return cassette(call("ssm.DescribeParameters", {}, {
            "Parameters": [{"Name": "/p", "Tier": "Standard", "Version": expiration}],
            "NextToken": token}))

    # NextToken is the paginator's output token (botocore's model): opaque, left out.
    assert diff_documents(listing("page-2", 1), listing("page-3", 1), "c") == []
    changed = diff_documents(listing("page-2", 1), listing("page-2", 2), "c")
    assert [(c.field, c.old, c.new) for c in changed] == [("Parameters[0].Version", "1", "2")]


def test_a_handle_the_server_issued_and_the_code_sent_back_is_no_drift() -> None:
    def flow(handle: str, body: str) -> dict[str, Any]:
        url = "https://sqs.us-east-1.amazonaws.com/123456789012/q"
        return cassette(
            call("sqs.ReceiveMessage", {"QueueUrl": url},
                 {"Messages": [{"MessageId": "m", "Body": body, "ReceiptHandle": handle}]}),
            call("sqs.DeleteMessage", {"QueueUrl": url, "ReceiptHandle": handle}, {}))

    # moto's receipt handles are lowercase letters only: no format marks them as drawn.
    old, new = "pycvsdcmhmcwoqqsdpoxzncfrvwflkzfbpmm", "evckunpfjlezxpyuoskhngacymcanrwmt"
    assert diff_documents(flow(old, "hello"), flow(new, "hello"), "c") == []
    changed = diff_documents(flow(old, "hello"), flow(new, "bye"), "c")
    assert [(c.kind, c.field) for c in changed] == [("value-changed", "Messages[0].Body")]
    # A value read and sent back that is short or spaced is what the test is about.
    short = diff_documents(flow("h1", "hello"), flow("h2", "hello"), "c")
    assert {c.kind for c in short} == {"value-changed", "request-changed"}


def test_an_iam_unique_id_is_drawn_anew_even_when_it_happens_to_hold_no_digit() -> None:
    def role(role_id: str, path: str) -> dict[str, Any]:
        return cassette(call("iam.GetRole", {"RoleName": "r"}, {
            "Role": {"RoleName": "r", "RoleId": role_id, "Path": path}}))

    assert diff_documents(role("AROARZPUZDIKMODOKTYVK", "/"),
                          role("AROARZPUZDIKFQPIXWLRK", "/"), "c") == []
    moved = diff_documents(role("AROARZPUZDIKMODOKTYVK", "/"),
                           role("AROARZPUZDIKMODOKTYVK", "/ops/"), "c")
    assert [c.field for c in moved] == ["Role.Path"]
