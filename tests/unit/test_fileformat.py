"""The cassette file: readable, safe to load, and byte-exact where botocore needs it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml

from awstape.model.errors import CorruptCassette
from awstape.storage.fileformat import (
    EXTERNAL_BODY_LIMIT,
    decode_body,
    dumps,
    encode_body,
    load_document,
    write_atomically,
    write_external,
)

XML = b'<R xmlns="x"><A>1</A><B></B><C>a &amp; b</C></R>'


@pytest.mark.parametrize(
    ("body", "content_type", "form"),
    [
        (b'{"Parameter": {"Value": "v\\u00e9", "Version": 1.5}}', "application/x-amz-json-1.1",
         "json"),
        (XML, "text/xml", "xml"),
        (b"line one\nline two\n", "text/plain", "lines"),
        (b"plain", "text/plain", "text"),
        (b"\x00\xff\x10", "application/octet-stream", "base64"),
        (b"", "", None),
    ],
)
def test_bodies_round_trip(body: bytes, content_type: str, form: str | None) -> None:
    stored = encode_body(body, content_type)
    assert (next(iter(stored)) if stored else None) == form
    decoded = decode_body(stored, None)
    if form == "json":
        assert json.loads(decoded) == json.loads(body)
    else:
        assert decoded == body


def test_xml_is_one_element_per_line() -> None:
    assert encode_body(XML, "text/xml")["xml"][:3] == ['<R xmlns="x">', "<A>1</A>", "<B></B>"]


def test_big_bodies_live_beside_the_cassette_verified(tmp_path: Path) -> None:
    data = b"\x01" * (EXTERNAL_BODY_LIMIT + 1)
    external: dict[str, bytes] = {}
    stored = encode_body(data, "application/octet-stream", external)
    write_external(tmp_path, external)
    assert set(stored) == {"sha256", "size"}
    assert decode_body(stored, tmp_path) == data
    (tmp_path / stored["sha256"]).write_bytes(b"tampered")
    with pytest.raises(CorruptCassette, match="does not match its sha256"):
        decode_body(stored, tmp_path)


def test_a_big_body_is_verified_once_while_its_file_is_unchanged(tmp_path: Path) -> None:
    """Played again, a verified body comes from memory: a same-size change that keeps the
    file's time is not even read. Any change of time or size is read and verified again."""
    data = b"\x02" * (EXTERNAL_BODY_LIMIT + 1)
    external: dict[str, bytes] = {}
    stored = encode_body(data, "application/octet-stream", external)
    write_external(tmp_path, external)
    body_file = tmp_path / stored["sha256"]
    assert decode_body(stored, tmp_path) == data
    kept_time = body_file.stat().st_mtime_ns
    body_file.write_bytes(b"\x03" * len(data))
    os.utime(body_file, ns=(kept_time, kept_time))
    assert decode_body(stored, tmp_path) == data  # not read again
    os.utime(body_file, ns=(kept_time + 1_000_000_000, kept_time + 1_000_000_000))
    with pytest.raises(CorruptCassette, match="does not match its sha256"):
        decode_body(stored, tmp_path)
    body_file.unlink()
    with pytest.raises(CorruptCassette, match="is missing"):
        decode_body(stored, tmp_path)


def test_the_file_loads_with_a_safe_yaml_loader(tmp_path: Path) -> None:
    document = {"awstape": 1, "interactions": [{"t": "tab\there", "u": "é ✓", "n": 1e-7}]}
    text = dumps(document)
    assert yaml.safe_load(text) == json.loads(text) == document


def test_atomic_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "c.yaml"
    write_atomically(target, "one")
    write_atomically(target, "two")
    assert [p.name for p in tmp_path.iterdir()] == ["c.yaml"]
    assert target.read_text() == "two"


def test_not_a_cassette_is_refused_with_the_path(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("- just\n- a list\n")
    with pytest.raises(CorruptCassette, match=r"c\.yaml: not a cassette"):
        load_document(path)


def test_a_streamed_plain_http_upload_is_stored_as_what_it_sent() -> None:
    import io
    import json

    from awstape.storage.documents import http_to_document

    upload = io.BytesIO(b"file contents")
    upload.read()  # sent: the stream stands at its end
    document = http_to_document({"method": "PUT", "uri": "http://x/y", "body": upload},
                                {"status": {"code": 200}, "body": {"string": b""}})
    assert document["request"]["body"] == "file contents"
    assert upload.tell() == len(b"file contents")
    json.dumps(document)  # JSON can hold it


def test_vcrpys_pickled_request_bodies_load_as_their_bytes_and_nothing_runs(
        tmp_path: Path) -> None:
    from awstape.storage import cassettes

    def vcrpy(body: str) -> str:
        return f'''interactions:
- request:
    body: {body}
    headers:
      User-Agent: [Boto3/1.43 md/Botocore#1.43]
    method: PUT
    uri: https://b.s3.amazonaws.com/k
  response:
    body: {{string: ''}}
    headers: {{}}
    status: {{code: 200, message: OK}}
version: 1
'''

    path = tmp_path / "vcrpy.yaml"
    path.write_text(vcrpy("!!python/object/new:_io.BytesIO {state: !!python/tuple "
                          "[!!binary aGVsbG8=, 0, null]}"))
    loaded = cassettes.load(path)
    assert [str(i.name) for i in loaded.interactions] == ["s3.PutObject"]
    assert loaded.interactions[0].params["Body"] == "hello"
    path.write_text(vcrpy("!!python/object/new:os.system {state: !!python/tuple [echo x]}"))
    with pytest.raises(CorruptCassette, match=r"os\.system"):
        cassettes.load(path)


def test_vcrpy_binary_and_event_stream_responses_migrate(tmp_path: Path) -> None:
    from awstape.redaction.redactor import Redactor
    from awstape.storage.migrate import from_vcrpy

    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\xff"

    def item(method: str, uri: str, headers: dict, body: bytes) -> dict:
        return {"request": {"method": method, "uri": uri, "headers": headers, "body": None},
                "response": {"status": {"code": 200}, "body": {"string": body},
                             "headers": {"Content-Type": ["application/octet-stream"]}}}

    document = {"interactions": [
        item("GET", "http://b.s3.amazonaws.com/pixel.png", {}, png),  # no authorization kept
        item("POST", "https://logs.us-east-1.amazonaws.com/",
             {"X-Amz-Target": ["Logs_20140328.StartLiveTail"]}, b"\x00\x00\x00\x10" + png),
    ]}
    cassette = from_vcrpy(document, tmp_path / "c.yaml", Redactor())
    assert [str(i.name) for i in cassette.interactions] == ["s3.GetObject", "logs.StartLiveTail"]


@pytest.mark.parametrize("body", [
    b'{"Note": "aws_access_key_id = AKIA' + b"Q" * 16 + b'"}',  # text: scanned with the file
    b"\x00\xff\x01 AKIA" + b"Q" * 16 + b" \xfe" * 40,  # binary, stored as base64: on its own
])
def test_a_credential_in_a_small_body_is_refused_whichever_way_it_is_stored(
        tmp_path: Path, body: bytes) -> None:
    from awstape.model.calls import CallName
    from awstape.model.cassette import Cassette, Interaction
    from awstape.model.errors import LeakRefused
    from awstape.redaction.redactor import Redactor
    from awstape.storage import cassettes

    path = tmp_path / "c.yaml"
    cassette = Cassette(path, {}, [Interaction(
        CallName("s3", "GetObject", "us-east-1"), {"Bucket": "b", "Key": "k"}, "GET", "/b/k",
        200, {"content-type": "application/octet-stream"}, encode_body(body, ""))])
    with pytest.raises(LeakRefused, match="AWS access key id"):
        cassettes.save(cassette, Redactor())
    assert not path.exists()
