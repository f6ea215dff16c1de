"""Nothing lost: a recording that would replay differently is never kept stale, files keep
their modes, no temporary file outlives a write, and a full disk keeps the old cassette."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from awstape.storage import fileformat

from ..framework.conftest import Project

PROGRAM = ("import boto3, os; boto3.client('ssm', region_name='us-east-1').put_parameter("
           "Name=os.environ['NAME'], Value='1', Type='String')")


def test_a_changed_request_with_an_unchanged_response_is_swapped_in(project: Project) -> None:
    cassette = project.root / "cassettes" / "put.yaml"
    # Recorded on the stand-in through the command users run (options before --).
    run = project.run("awstape", "record", "--aws-standin", str(cassette), "--", "python", "-c",
                      PROGRAM, env={"NAME": "/a"}, timeout=180)
    assert run.returncode == 0, run.output
    run = project.run("awstape", "record", "--aws-standin", str(cassette), "--", "python", "-c",
                      PROGRAM, env={"NAME": "/b"}, timeout=180)
    assert run.returncode == 0, run.output
    assert "replaced" in run.output and "no drift" not in run.output, run.output
    replay = project.run("awstape", "replay", str(cassette), "--", "python", "-c", PROGRAM,
                         env={"NAME": "/b"})
    assert replay.returncode == 0, replay.output
    assert not list(cassette.parent.glob(".*")), "no staged or temporary file is left"


def test_drift_names_a_changed_parameter(tmp_path: Path) -> None:
    from awstape.lifecycle.drift import diff_documents

    def document(name: str) -> dict:
        return {"awstape": 1, "recorded": {}, "interactions": [{
            "call": "ssm.PutParameter", "region": "us-east-1",
            "params": {"Name": name, "Value": "1", "Type": "String"},
            "request": {"method": "POST", "path": "/"},
            "response": {"status": 200, "headers": {}, "body": {"json": {"Version": 1}}}}]}

    changes = diff_documents(document("/a"), document("/b"), "c")
    assert [(c.kind, c.field) for c in changes] == [("request-changed", "parameters")]
    assert 'Name: recorded "/a", now "/b"' in changes[0].new
    assert diff_documents(document("/a"), document("/a"), "c") == []


def test_a_rewritten_file_keeps_its_mode_and_a_new_one_follows_the_umask(tmp_path: Path) -> None:
    kept = tmp_path / "kept.yaml"
    kept.write_text("old")
    kept.chmod(0o640)
    fileformat.write_atomically(kept, "new")
    assert kept.read_text() == "new" and kept.stat().st_mode & 0o777 == 0o640
    previous = os.umask(0o027)
    try:
        fileformat.write_atomically(tmp_path / "new.yaml", "x")
    finally:
        os.umask(previous)
    assert (tmp_path / "new.yaml").stat().st_mode & 0o777 == 0o640


def test_temporary_files_of_a_killed_write_are_cleaned_up(tmp_path: Path) -> None:
    target = tmp_path / "c.yaml"
    # What a write killed between its write and its rename leaves behind.
    (tmp_path / ".c.yaml.k2j3h4.awstape-tmp").write_text("half")
    (tmp_path / ".other.yaml.x.awstape-tmp").write_text("another file's: left alone")
    fileformat.write_atomically(target, "whole")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.yaml.x.awstape-tmp", "c.yaml"]


def test_a_full_disk_gives_a_clear_error_and_keeps_the_old_cassette(tmp_path: Path) -> None:
    if not shutil.which("unshare"):
        pytest.fail("these tests need unshare (util-linux), which scripts/setup.sh installs")
    small = tmp_path / "small"
    small.mkdir()
    script = (
        "import sys; from pathlib import Path\n"
        "from awstape.storage import fileformat\n"
        "from awstape.model.errors import CassetteNotWritten\n"
        "target = Path(sys.argv[1]) / 'c.yaml'\n"
        "fileformat.write_atomically(target, 'old cassette')\n"
        "try:\n"
        "    fileformat.write_atomically(target, 'x' * 200_000)\n"
        "except CassetteNotWritten as error:\n"
        "    print('ERROR', error)\n"
        "print('KEPT', target.read_text())\n"
        "print('FILES', sorted(p.name for p in target.parent.iterdir()))\n")
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", 'mount -t tmpfs -o size=64k tmpfs "$1" && exec "$2" -c '
         '"$3" "$1"', "sh", str(small), sys.executable, script],
        capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "ERROR awstape: could not write" in done.stdout and "No space left" in done.stdout
    assert "KEPT old cassette" in done.stdout
    assert "FILES ['c.yaml']" in done.stdout


def test_drift_is_quiet_about_a_loopback_port_and_a_receipt_handle() -> None:
    from awstape.lifecycle.drift import diff_documents

    def document(port: int, handle: str) -> dict:
        return {"awstape": 1, "recorded": {}, "interactions": [{
            "call": "sqs.ReceiveMessage", "region": "us-east-1",
            "params": {"QueueUrl": f"http://127.0.0.1:{port}/123456789012/q"},
            "request": {"method": "POST", "path": "/"},
            "response": {"status": 200, "headers": {}, "body": {"json": {"Messages": [{
                "MessageId": "m", "Body": "hello", "ReceiptHandle": handle,
                "QueueUrl": f"http://127.0.0.1:{port}/123456789012/q"}]}}}}]}

    quiet = diff_documents(document(40001, "AQEB+vKl/ZmFrZSByZWNlaXB0IGhhbmRsZQ=="),
                           document(51234, "AQEBq9Zw/c29tZSBvdGhlciBoYW5kbGUgaGVyZQ=="), "c")
    assert quiet == []
    changed = diff_documents(document(40001, "h"), document(40001, "h"), "c")
    assert changed == []
    body = document(40001, "h")
    body["interactions"][0]["response"]["body"]["json"]["Messages"][0]["Body"] = "bye"
    assert [c.kind for c in diff_documents(document(40001, "h"), body, "c")] == ["value-changed"]
