"""The one walk over botocore's shapes: every position is visited and asked whether it is
secret, structure members, map keys and values, and list items alike."""

from __future__ import annotations

import datetime
import json

from awstape.model.calls import CallName, match_key, match_view, operation_model
from awstape.model.canonical import canonical_params
from awstape.model.shapes import DESCEND, DROP, Node, leaves, typed_positions, walk
from awstape.redaction.redactor import Redactor
from awstape.redaction.rules import Rules

TOKEN = "eyJhbGciOiJSUzI1NiJ9.cnryGoogleIdToken.sig"


def _get_id():  # type: ignore[no-untyped-def]
    found = operation_model("cognito-identity", "GetId")
    assert found is not None
    return found


def test_sensitive_map_values_are_secret_positions() -> None:
    model = _get_id()
    params = {"IdentityPoolId": "us-east-1:pool", "Logins": {"accounts.google.com": TOKEN}}
    test = Rules().secret_test(CallName("cognito-identity", "GetId", "us-east-1"))
    found = {node.path: node for node, _ in leaves(params, model.input_shape, test)}
    assert found[("Logins", "accounts.google.com")].secret
    assert found[("Logins", "accounts.google.com")].role == "value"
    assert not found[("IdentityPoolId",)].secret
    # Matching compares the token by presence; the provider name still by value.
    assert match_view(params, model.input_shape, test) == {
        "IdentityPoolId": "us-east-1:pool", "Logins": {"accounts.google.com": "<sensitive>"}}
    other = {**params, "Logins": {"accounts.google.com": "another-token-value"}}
    assert match_key(params, model.input_shape, test) == match_key(other, model.input_shape,
                                                                    test)


def test_redaction_fakes_a_sensitive_map_value_and_links_it_back() -> None:
    model = _get_id()
    params = {"IdentityPoolId": "us-east-1:pool", "Logins": {"accounts.google.com": TOKEN}}
    recorded = Redactor().request_params(params, model)
    assert TOKEN not in json.dumps(recorded)
    assert len(recorded["Logins"]["accounts.google.com"]) == len(TOKEN)
    replay = Redactor()
    replay.link(recorded, params, model)
    assert replay.book.links[recorded["Logins"]["accounts.google.com"]] == TOKEN


def test_list_items_of_a_sensitive_shape_are_secret() -> None:
    # secretsmanager.BatchGetSecretValue's output: a list of structures with SecretString.
    model = operation_model("secretsmanager", "BatchGetSecretValue")
    assert model is not None and model.output_shape is not None
    parsed = {"SecretValues": [{"Name": "a", "SecretString": "cnry-one-long-value"},
                               {"Name": "b", "SecretString": "cnry-two-long-value"}]}
    test = Rules().secret_test(CallName("secretsmanager", "BatchGetSecretValue", ""))
    secret = {node.path for node, _ in leaves(parsed, model.output_shape, test) if node.secret}
    assert secret == {("SecretValues", 0, "SecretString"), ("SecretValues", 1, "SecretString")}


def test_the_walk_rebuilds_drops_and_replaces() -> None:
    model = operation_model("secretsmanager", "CreateSecret")
    assert model is not None

    def visit(value: object, node: Node) -> object:
        if node.idempotency_token:
            return DROP
        return value.upper() if isinstance(value, str) else DESCEND

    out = walk({"Name": "n", "ClientRequestToken": "t", "Tags": [{"Key": "k", "Value": "v"}]},
               model.input_shape, visit)
    assert out == {"Name": "N", "Tags": [{"Key": "K", "Value": "V"}]}
    assert canonical_params({"Name": "n", "ClientRequestToken": "t"}, model.input_shape) == {
        "Name": "n"}


def test_typed_positions_finds_nested_times_and_ends_on_recursive_shapes() -> None:
    roles = operation_model("iam", "ListRoles").output_shape
    made = datetime.datetime(2026, 1, 2, tzinfo=datetime.UTC)
    parsed = {"Roles": [{"RoleName": "a", "CreateDate": made,
                         "RoleLastUsed": {"LastUsedDate": made}}], "IsTruncated": False}
    found = typed_positions(parsed, roles, "timestamp")
    assert sorted(key for _, key, _ in found) == ["CreateDate", "LastUsedDate"]
    for holder, key, value in found:
        holder[key] = value.year  # in place: the holders are the parsed value's own
    assert parsed["Roles"][0]["CreateDate"] == 2026
    assert parsed["Roles"][0]["RoleLastUsed"] == {"LastUsedDate": 2026}
    # DynamoDB's AttributeValue holds itself (M, L): no timestamp anywhere, found quickly.
    items = {"Items": [{"a": {"M": {"b": {"L": [{"S": "x"}]}}}}], "Count": 1}
    query = operation_model("dynamodb", "Query").output_shape
    assert typed_positions(items, query, "timestamp") == []
