"""Matching rules read from botocore's models."""

from __future__ import annotations

import io

from awstape.model.calls import (
    INLINE_BLOB_LIMIT,
    CallName,
    canonical_params,
    differences,
    input_shape,
    match_key,
    operation_model,
)


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
