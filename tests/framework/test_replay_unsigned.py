"""Replay sends every call unsigned, S3's too (botocore picks S3's signer per operation, before
any handler added after its own), while a presigned URL made during replay is still signed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3

from awstape import use_cassette
from awstape.model.calls import CallName
from awstape.model.cassette import Cassette, Interaction
from awstape.storage import cassettes, fileformat


def test_a_replayed_s3_call_is_not_signed_and_a_presigned_url_is(tmp_path: Path) -> None:
    path = tmp_path / "s3.yaml"
    cassettes.save(Cassette(path, {"at": "2026-11-24T00:00:00+00:00", "against": "test",
                                   "region": "us-east-1"}, [Interaction(
        CallName("s3", "GetObject", "us-east-1"), {"Bucket": "b", "Key": "k"}, "GET", "/b/k",
        200, {"content-type": "binary/octet-stream", "content-length": "5"},
        fileformat.encode_body(b"hello", "binary/octet-stream"))]))
    sent: list[dict[str, Any]] = []

    def look(request: Any, **_: Any) -> None:
        sent.append(dict(request.headers))

    with use_cassette(path, "none"):
        s3 = boto3.session.Session(aws_access_key_id="AKIA" + "TESTEXAMPLE00000",
                                   aws_secret_access_key="x" * 40).client(
            "s3", region_name="us-east-1")
        s3.meta.events.register_first("before-send.s3.GetObject", look)
        assert s3.get_object(Bucket="b", Key="k")["Body"].read() == b"hello"
        url = s3.generate_presigned_url("get_object", Params={"Bucket": "b", "Key": "k"})
    assert len(sent) == 1 and "Authorization" not in sent[0], sent
    assert "Signature=" in url  # signed as botocore signs it
