"""Requests on the wire decode back into the calls that made them, in every protocol."""

from __future__ import annotations

import pytest

from awstape.model.calls import CallName, input_shape
from awstape.model.canonical import canonical_params
from awstape.storage.wire import decode_request, encode_request


@pytest.mark.parametrize(("service", "operation", "params"), [
    ("ssm", "PutParameter", {"Name": "/a", "Value": "v", "Type": "String", "Overwrite": True}),
    ("rds", "CreateDBInstance", {
        "DBInstanceIdentifier": "db", "Engine": "postgres", "AllocatedStorage": 20,
        "DBInstanceClass": "db.t3.micro",
        "Tags": [{"Key": "team", "Value": "platform"}, {"Key": "env", "Value": "dev"}]}),
    ("secretsmanager", "GetSecretValue", {"SecretId": "app/db"}),
    ("lambda", "GetFunction", {"FunctionName": "deployer", "Qualifier": "live"}),
    ("s3", "GetObject", {"Bucket": "artifacts", "Key": "builds/2026/app.tar"}),
    ("sts", "GetCallerIdentity", {}),
])
def test_round_trip(service: str, operation: str, params: dict) -> None:
    name = CallName(service, operation, "eu-west-1")
    request = encode_request(name, params)
    assert request is not None
    decoded = decode_request(request["method"], request["uri"], request["headers"],
                             request["body"])
    assert decoded == (name, canonical_params(params, input_shape(name)))


def test_the_signature_scope_names_service_and_region_behind_any_endpoint() -> None:
    headers = {"Authorization": ["AWS4-HMAC-SHA256 " "Credential=AKIAXEXAMPLE/20261124/"
                                 "ap-south-1/ssm/aws4_request, SignedHeaders=host, Signature=x"],
               "X-Amz-Target": ["AmazonSSM.GetParameter"]}
    decoded = decode_request("POST", "http://127.0.0.1:5000/", headers, b'{"Name": "/a"}')
    assert decoded == (CallName("ssm", "GetParameter", "ap-south-1"), {"Name": "/a"})


def test_plain_http_is_not_an_aws_call() -> None:
    assert decode_request("GET", "https://example.com/health", {}, b"") is None


@pytest.mark.parametrize(("method", "uri", "headers", "operation", "params"), [
    ("GET", "https://s3.amazonaws.com/b?list-type=2&prefix=x", {}, "ListObjectsV2",
     {"Bucket": "b", "Prefix": "x"}),
    ("GET", "https://b.s3.us-west-2.amazonaws.com/?policy", {}, "GetBucketPolicy",
     {"Bucket": "b"}),
    ("GET", "https://b.s3.amazonaws.com/?tagging", {}, "GetBucketTagging", {"Bucket": "b"}),
    ("GET", "https://b.s3.amazonaws.com/", {}, "ListObjects", {"Bucket": "b"}),
    ("GET", "https://b.s3.amazonaws.com/k?tagging", {}, "GetObjectTagging",
     {"Bucket": "b", "Key": "k"}),
    ("PUT", "https://b.s3.amazonaws.com/k", {}, "PutObject", {"Bucket": "b", "Key": "k"}),
    ("PUT", "https://b.s3.amazonaws.com/k", {"x-amz-copy-source": "a/k"}, "CopyObject",
     {"Bucket": "b", "Key": "k", "CopySource": "a/k"}),
    ("PUT", "https://b.s3.amazonaws.com/k?partNumber=2&uploadId=u", {}, "UploadPart",
     {"Bucket": "b", "Key": "k", "PartNumber": 2, "UploadId": "u"}),
])
def test_rest_operations_told_apart_by_query_literals_required_members_and_host(
        method: str, uri: str, headers: dict, operation: str, params: dict) -> None:
    # As a vcrpy cassette holds them with filter_headers=["authorization"]: no scope to read.
    decoded = decode_request(method, uri, headers, b"")
    assert decoded is not None
    assert (decoded[0].operation, decoded[1]) == (operation, params)


def test_a_json_call_to_a_custom_endpoint_without_authorization_is_told_by_its_target() -> None:
    # vcrpy with filter_headers=["authorization"], recorded against a local endpoint.
    headers = {"X-Amz-Target": ["DynamoDB_20120810.GetItem"]}
    decoded = decode_request("POST", "http://127.0.0.1:5000/", headers,
                             b'{"TableName": "t", "Key": {"id": {"S": "a"}}}')
    assert decoded is not None and decoded[0].operation == "GetItem"
    assert decoded[0].service == "dynamodb"
