"""The leak scanner: each kind of credential, as is and encoded; fakes and clean text pass."""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

from awstape.redaction.scan import scan_text

# Built from pieces so that scanning this repository does not flag this file.
KEY = "AKIA" + "QWERTYUIOPASDFGH"
SECRET = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYzzzzzzzzzz"
TOKEN = "IQoJb3JpZ2lu" + "X2VjEJr" * 20


@pytest.mark.parametrize(("line", "kind"), [
    (f'"AccessKeyId": "{KEY}"', "AWS access key id"),
    (f"aws_secret_access_key = {SECRET}", "AWS secret access key"),
    (f'<SecretAccessKey>{SECRET}</SecretAccessKey>', "AWS secret access key"),
    (f'"SessionToken": "{TOKEN}"', "AWS session token"),
    (f"x-amz-security-token: {TOKEN}", "AWS session token"),
    ("Authorization: AWS4-HMAC-SHA256 " + "Credential=x/20261124/us-east-1/ssm/aws4_request",
     "SigV4 signature"),
    ("-----BEGIN RSA PRIVATE" + " KEY-----", "private key"),
    ("-----BEGIN OPENSSH PRIVATE" + " KEY-----", "private key"),
    (base64.b64encode(f"user={KEY}".encode()).decode(), "AWS access key id (base64-encoded)"),
    (f"https://x/?X-Amz-Credential={quote(KEY + '/2026', safe='')}&", "AWS access key id"),
    (quote(f"X-Amz-Security-Token={TOKEN}", safe=""), "AWS session token (URL-encoded)"),
])
def test_finds_each_kind(line: str, kind: str) -> None:
    assert kind in [f.kind for f in scan_text(f"first line\n{line}\n", "cassette.yaml")]
    assert {f.line for f in scan_text(f"first line\n{line}\n", "cassette.yaml")} == {2}


@pytest.mark.parametrize("line", [
    '"UserId": "AKIAIOSFODNN7EXAMPLE"',  # AWS's documentation key
    '<AccessKeyId>ASIA5B2UPXCLQEXAMPLE</AccessKeyId>',  # awstape's fake of one
    '"SecretAccessKey": "t6qw3ROOf+ufIWO8pAOgbU3GQH4WvHEXAMPLEKEY"',
    '"ARN": "arn:aws:ssm:eu-west-1:111122223333:parameter/app/db/password"',
    '"sha256": "' + "ab" * 32 + '"',
    '"RandomPassword": "l>bsXdya4Rl:G\\"7nEM}hiR9:"',
])
def test_clean_text_has_no_finding(line: str) -> None:
    assert scan_text(line, "cassette.yaml") == []


def test_the_command_names_file_and_line_and_never_the_value(tmp_path: Path) -> None:
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "a.yaml").write_text('{"Value": "nothing to see"}\n')
    planted = tmp_path / "planted"
    planted.mkdir()
    (planted / "b.yaml").write_text(f'{{\n  "key": "{KEY}"\n}}\n')
    awstape = str(Path(sys.executable).parent / "awstape")

    ok = subprocess.run([awstape, "scan", str(clean)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    found = subprocess.run([awstape, "scan", str(clean), str(planted)], capture_output=True,
                           text=True)
    assert found.returncode == 1
    assert f"{planted / 'b.yaml'}:2: AWS access key id" in found.stdout
    assert KEY not in found.stdout + found.stderr
    missing = subprocess.run([awstape, "scan", str(tmp_path / "nope")], capture_output=True,
                             text=True)
    assert missing.returncode == 2 and "no such file" in missing.stderr


def test_a_whole_text_gives_the_findings_its_lines_give_one_by_one() -> None:
    # The scan looks only at lines that a detector or an encoding touches: it must find what
    # looking at every line finds, in the same order, whatever sits beside the leaks.
    from awstape.redaction.scan import Finding, kinds_in

    hidden = [f'"AccessKeyId": "{KEY}"', f"aws_secret_access_key = {SECRET}",
              f"x-amz-security-token: {TOKEN}", "-----BEGIN RSA PRIVATE" + " KEY-----",
              base64.b64encode(f"k={KEY}".encode()).decode(), quote(f"token={TOKEN}"),
              f"{KEY}".encode().hex() + "0", '"a": "\\u0041KIA' + KEY[4:] + '"',
              "secret_key:\n" + SECRET]
    filler = ['{', '  "x-amzn-requestid": "0f2b1c9e-5d1a-4c7e-9b1e-2c3d4e5f6a7b",',
              '  "ETag": "\\"' + "ab" * 16 + '\\"",', '  "Name": "/suite/1",', '}']
    lines = [line for leak in hidden for line in (*filler, leak)] + filler
    text = "\n".join(lines)
    one_by_one = [Finding("c", number, kind) for number, line
                  in enumerate(text.splitlines(), start=1)
                  for kind in dict.fromkeys(kinds_in(line))]
    assert scan_text(text, "c") == one_by_one
    assert len({f.line for f in one_by_one}) == len(hidden) - 1  # the split key: no line holds it


@pytest.mark.parametrize("joiner", ["\n", "\\n"])  # in a file; inside a JSON string
def test_base64_wrapped_over_lines_is_read_whole(joiner: str) -> None:
    wrapped = base64.encodebytes(b"x" * 100 + f" key={KEY} ".encode() + b"y" * 100).decode()
    text = "first line\n" + '"body": "' + joiner.join(wrapped.splitlines()) + '"\n'
    assert "AWS access key id (base64-encoded) (wrapped)" in [
        f.kind for f in scan_text(text, "c")]
