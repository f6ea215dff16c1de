"""Matching rules read from botocore's models."""

from __future__ import annotations

import io
import json
from pathlib import Path

from awstape.model.calls import (
    CallName,
    differences,
    input_shape,
    match_key,
    match_view,
    matched_as_given,
    operation_model,
)
from awstape.model.canonical import INLINE_BLOB_LIMIT, canonical_params
from awstape.model.shapes import model_sensitive
from awstape.redaction.rules import PathRule, Rules


def shape(dotted: str):
    return input_shape(CallName.parse(dotted, "us-east-1"))


def test_idempotency_tokens_are_dropped_as_the_model_flags_them() -> None:
    params = {"Name": "app/db", "ClientRequestToken": "0f2b1c9e-random", "SecretString": "x"}
    assert canonical_params(params, shape("secretsmanager.CreateSecret")) == {
        "Name": "app/db", "SecretString": "x"}


def test_sensitive_members_match_by_presence_not_value() -> None:
    put = shape("ssm.PutParameter")
    a = {"Name": "/p", "Value": "one", "Type": "SecureString"}
    b = {"Name": "/p", "Value": "two", "Type": "SecureString"}
    assert match_key(a, put) == match_key(b, put)
    assert match_key(a, put) != match_key({**a, "Name": "/q"}, put)
    assert "one" not in match_key(a, put)


def test_blobs_are_text_base64_or_digest_and_streams_are_rewound() -> None:
    layer = shape("ecr.UploadLayerPart")
    stream = io.BytesIO(b"x" * (INLINE_BLOB_LIMIT + 1))
    out = canonical_params({"layerPartBlob": stream, "repositoryName": "r"}, layer)
    assert out["layerPartBlob"]["size"] == INLINE_BLOB_LIMIT + 1
    assert stream.tell() == 0
    assert canonical_params({"layerPartBlob": b"\xff\x00"}, layer) == {
        "layerPartBlob": {"base64": "/wA="}}


def test_differences_are_dotted_paths_with_both_values() -> None:
    found = list(differences({"Filters": [{"Key": "a"}], "Max": 1}, {"Filters": [{"Key": "b"}]}))
    assert found == ['Filters[0].Key: recorded "a", now "b"', "Max: recorded 1, absent now"]


def test_unknown_operations_have_no_model() -> None:
    assert operation_model("ssm", "NoSuchOperation") is None
    assert operation_model("ssm", "GetParameter") is not None


def test_values_drawn_anew_pair_up_and_nothing_else_does() -> None:
    from awstape.model.calls import drawn_alike

    alike = [("b-0f2b1c9e-1111-4a4a-8b8b-000000000001", "b-77aa1c9e-2222-4a4a-8b8b-00000000000f"),
             ("-9134220216757206997", "8523335156139426758"),  # str(hash("foo")), per process
             ("MIIC5DCCAcygAwIBAgIUBl7lffnu7TNOI3uU", "MIIC5DCCAcygAwIBAgIUZ2d0awXNqCVKNP1J"),
             (1764000000.25, 1764000123.5), ("2026-11-24T18:27:42Z", "2026-11-25T01:02:03Z"),
             ("caller_ref_7d3dc1", "caller_ref_8d6fb9"), ("zone_e51abb.test", "zone_dd28a3.test"),
             ("http://127.0.0.1:34999/123456789012/2ba756",
              "http://127.0.0.1:34999/123456789012/326913")]
    for recorded, live in alike:
        assert drawn_alike(recorded, live), (recorded, live)
    unlike = [("item1abc", "item2abc"), ("b-0f2b1c9e-1111-4a4a-8b8b-000000000001", "c-77aa1c9e"
               "-2222-4a4a-8b8b-00000000000f"), (5, 6), ("one", "two"), (True, False),
              ({"a": 1}, {"a": 2}), ("facade", "decade"), ("ref_7d3dc1x", "ref_8d6fb9x")]
    for recorded, live in unlike:
        assert not drawn_alike(recorded, live), (recorded, live)


def test_a_call_that_differs_only_in_values_drawn_anew_plays_the_first_such_recording() -> None:
    from pathlib import Path

    from awstape.model.cassette import Cassette, Interaction

    def put(name: str) -> Interaction:
        return Interaction(CallName("ssm", "PutParameter", "us-east-1"),
                           {"Name": name, "Value": "v"}, "POST", "/", 200, {}, {})

    first, second = put("/t/0f2b1c9e0f2b1c9e0f2b"), put("/t/77aa1c9e77aa1c9e77aa")
    tape = Cassette(Path("c.yaml"), interactions=[first, second, put("/fixed")])
    name = CallName("ssm", "PutParameter", "us-east-1")
    assert tape.play(name, {"Name": "/t/abcdef0123456789abcd", "Value": "v"}) is first
    assert tape.play(name, {"Name": "/t/9999aaaa9999aaaa9999", "Value": "v"}) is second
    assert tape.play(name, {"Name": "/t/5555bbbb5555bbbb5555", "Value": "v"}) is None
    assert tape.play(name, {"Name": "/t/5555bbbb5555bbbb5555", "Value": "w"}) is None
    assert tape.play(name, {"Name": "/fixes", "Value": "v"}) is None


def test_objects_the_sdk_expands_later_are_what_they_hold_not_where_they_live() -> None:
    from boto3.dynamodb.conditions import Attr, Key

    query = shape("dynamodb.Query")

    def params() -> dict[str, object]:
        return {"TableName": "t", "KeyConditionExpression": Key("id").eq(1),
                "FilterExpression": Attr("n").gt(2) & Attr("s").begins_with("a")}

    first, again = canonical_params(params(), query), canonical_params(params(), query)
    assert first == again and "0x" not in str(first)
    other = canonical_params({**params(), "KeyConditionExpression": Key("id").eq(2)}, query)
    assert match_key(first, query) != match_key(other, query)


def test_a_value_swept_at_save_for_a_secret_revealed_later_is_matched_by_presence(
        tmp_path: Path) -> None:
    from awstape.model.cassette import Cassette, Interaction
    from awstape.redaction.redactor import Redactor
    from awstape.storage import cassettes

    name = CallName("events", "PutRule", "us-east-1")
    pattern = '{"source": ["aws.s3"]}'
    recorded = Interaction(name, {"Name": "rule", "EventPattern": pattern}, "POST", "/", 200,
                           {}, {})
    tape = Cassette(tmp_path / "c.yaml", interactions=[recorded])
    redactor = Redactor()
    redactor._secret("aws.s3", "input")  # a later response's secret, as a JSON value
    cassettes.save(tape, redactor)
    loaded = cassettes.load(tmp_path / "c.yaml")
    assert "aws.s3" not in (tmp_path / "c.yaml").read_text()
    assert loaded.interactions[0].late == ("EventPattern",)
    assert loaded.play(name, {"Name": "other", "EventPattern": pattern}) is None
    assert loaded.play(name, {"Name": "rule", "EventPattern": pattern}) is loaded.interactions[0]


def _key_by_walk(params: dict, dotted: str, test) -> str:
    return json.dumps(match_view(params, shape(dotted), test), sort_keys=True,
                      separators=(",", ":"))


def test_calls_with_nothing_to_treat_apart_are_matched_as_given_and_the_others_walked() -> None:
    builtin = Rules().presence_test
    # Plain strings and flags only: matched as given, with no walk.
    for dotted in ("ssm.GetParameter", "sqs.GetQueueUrl", "ecr.DescribeRepositories"):
        assert matched_as_given(shape(dotted), model_sensitive), dotted
        assert matched_as_given(shape(dotted), builtin(CallName.parse(dotted, ""))), dotted
    # A secret, an idempotency token, a time, a blob, the checksum algorithm; and a
    # recursive shape (DynamoDB's AttributeValue holds maps of itself) judged to its end.
    for dotted in ("ssm.PutParameter", "secretsmanager.CreateSecret",
                   "cloudwatch.GetMetricStatistics", "ecr.UploadLayerPart", "s3.PutObject",
                   "dynamodb.PutItem"):
        assert not matched_as_given(shape(dotted), builtin(CallName.parse(dotted, ""))), dotted
    # A user's rule that names the call's paths: its test reads paths, so every call of it
    # is walked; a rule for another call changes nothing here.
    mine = Rules(paths=(PathRule("ssm.GetParameter.Name"),))
    assert not matched_as_given(shape("ssm.GetParameter"),
                                mine.presence_test(CallName.parse("ssm.GetParameter", "")))
    assert matched_as_given(shape("ssm.GetParameters"),
                            mine.presence_test(CallName.parse("ssm.GetParameters", "")))
    ignoring = Rules().ignoring(["ssm.GetParameter.Name"], "test")
    assert not matched_as_given(shape("ssm.GetParameter"),
                                ignoring.presence_test(CallName.parse("ssm.GetParameter", "")))


def test_the_key_of_a_call_matched_as_given_is_the_key_its_walk_gives() -> None:
    for dotted, params in [
        ("ssm.GetParameter", {"Name": "/app/db", "WithDecryption": True}),
        ("ecr.DescribeRepositories", {"repositoryNames": ["b", "a"], "maxResults": 5}),
        ("sqs.GetQueueUrl", {"QueueName": "q", "QueueOwnerAWSAccountId": "123456789012"}),
    ]:
        for test in (model_sensitive, Rules().presence_test(CallName.parse(dotted, ""))):
            assert match_key(params, shape(dotted), test) == _key_by_walk(params, dotted, test)
    # And a user's path rule is still obeyed: the secret name matches by presence.
    rules = Rules(paths=(PathRule("ssm.GetParameter.Name"),))
    test = rules.presence_test(CallName.parse("ssm.GetParameter", ""))
    assert match_key({"Name": "/a"}, shape("ssm.GetParameter"), test) == \
        match_key({"Name": "/b"}, shape("ssm.GetParameter"), test)


def test_plain_parameters_are_copied_as_the_walk_would_canonicalise_them() -> None:
    from decimal import Decimal

    from awstape.model.canonical import _canonical
    from awstape.model.shapes import walk

    get = shape("ssm.GetParameters")
    for params in ({"Names": ["/a", "/b"], "WithDecryption": False},
                   {"Names": ("/a", "/b")}, {"Names": {"/b", "/a"}}, {"Names": [Decimal("1")]},
                   {1: "x"}, {"Names": [None, 1.5, {"deep": ["x"]}]}):
        copied = canonical_params(params, get)
        assert copied == walk(params, get, _canonical)
        assert copied is not params and json.dumps(copied)
