"""Broken and hostile cassettes: one clear awstape error naming the file, never a raw traceback,
never a hang, in bounded memory, from every consumer (pytest replay, ``awstape replay``,
``diff``, ``migrate``, ``audit`` and ``scan``)."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from ..framework.conftest import Project

GOOD_CALL = {
    "call": "ssm.GetParameter", "region": "us-east-1", "params": {"Name": "/p"},
    "request": {"method": "POST", "path": "/"},
    "response": {"status": 200, "headers": {"content-type": "application/x-amz-json-1.1"},
                 "body": {"json": {"Parameter": {"Name": "/p", "Value": "v"}}}},
}


def awstape(*interactions: object, **top: object) -> str:
    return json.dumps({"awstape": 1, "recorded": {}, "interactions": list(interactions), **top})


def call(**changes: object) -> dict[str, object]:
    out = json.loads(json.dumps(GOOD_CALL))
    for dotted, value in changes.items():
        node = out
        *parents, last = dotted.split("__")
        for key in parents:
            node = node[key]
        node[last] = value
    return out


HOSTILE: dict[str, str | bytes] = {
    "empty file": "",
    "truncated": awstape(GOOD_CALL)[:60],
    "not utf-8": b"\xff\xfe\x00garbage",
    "a list at the top": "[1, 2, 3]",
    "interactions not a list": json.dumps({"awstape": 1, "interactions": {"a": 1}}),
    "an interaction that is a string": awstape("oops"),
    "no call": awstape({k: v for k, v in GOOD_CALL.items() if k != "call"}),
    "call is a number": awstape(call(call=5)),
    "region is null": awstape(call(region=None)),
    "late paths a string": awstape(call(late="Name")),
    "no request": awstape({k: v for k, v in GOOD_CALL.items() if k != "request"}),
    "status is text": awstape(call(response__status="abc")),
    "headers are a list": awstape(call(response__headers=["ab", "cd"])),
    "unknown body form": awstape(call(response__body={"zzz": 1})),
    "body not base64": awstape(call(response__body={"base64": "!!!not base64!!!"})),
    "body from /dev/zero": awstape(call(response__body={"sha256": "/dev/zero", "size": 1})),
    "body path escape": awstape(call(response__body={"sha256": "../../../../etc/passwd"})),
    "body file missing": awstape(call(response__body={"sha256": "a" * 64, "size": 3})),
    "xml body not a list": awstape(call(response__body={"xml": 5})),
    "deep nesting": "[" * 100_000 + "]" * 100_000,
    "yaml billion laughs": "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n"
        for i in range(9)) + "interactions: []\n",
    "future format": awstape(GOOD_CALL).replace('"awstape": 1', '"awstape": 99'),
    "format is text": awstape(GOOD_CALL).replace('"awstape": 1', '"awstape": "one"'),
    "unsafe yaml tag": "interactions: !!python/object/apply:os.system ['true']\n",
    "recorded is a list": awstape(GOOD_CALL, recorded=[1]),
    "http not a list": awstape(GOOD_CALL, http="x"),
    "http item without request": awstape(GOOD_CALL, http=[{"response": {}}]),
    "vcrpy item without request": "interactions:\n- response: {status: {code: 200}}\n",
    "vcrpy headers a string": "interactions:\n- request: {method: GET, uri: 'http://x/', "
                              "headers: 'h'}\n  response: {status: {code: 200}, body: {}}\n",
}
SPECIAL = ("a directory", "a dangling symlink", "a symlink loop", "too large")


def plant(folder: Path, name: str) -> Path:
    path = folder / "test_user" / "test_reads.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    if name == "a directory":
        path.mkdir()
    elif name == "a dangling symlink":
        path.symlink_to(folder / "nowhere.yaml")
    elif name == "a symlink loop":
        path.symlink_to(path)
    elif name == "too large":
        with path.open("wb") as f:
            f.truncate(300 * 1024 * 1024)  # sparse: takes no room
    else:
        content = HOSTILE[name]
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


USER_TEST = '''
import boto3
import pytest


@pytest.mark.vcr
def test_reads():
    boto3.client("ssm").get_parameter(Name="/p")
'''


def limited() -> None:  # in the child: 2 GiB of address space, 60 s of CPU
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
    resource.setrlimit(resource.RLIMIT_CPU, (60, 60))


def run(project: Project, *command: str) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.pop("CI", None)
    done = subprocess.run(command, cwd=project.root, env=env, capture_output=True, text=True,
                          timeout=120, check=False, preexec_fn=limited)
    return done.returncode, done.stdout + done.stderr


def bin_(name: str) -> str:
    return str(Path(sys.executable).parent / name)


CONSUMERS: dict[str, Callable[[Project, Path], tuple[int, str]]] = {
    "pytest replay": lambda p, c: run(p, sys.executable, "-m", "pytest", "-p",
                                      "no:cacheprovider", "-q", "test_user.py"),
    "awstape replay": lambda p, c: run(p, bin_("awstape"), "replay", str(c), "--", "python",
                                       "-c", "import boto3; boto3.client('ssm', region_name="
                                       "'us-east-1').get_parameter(Name='/p')"),
    "awstape diff": lambda p, c: run(p, bin_("awstape"), "diff", str(c), str(c)),
    "awstape migrate": lambda p, c: run(p, bin_("awstape"), "migrate", str(c)),
    "awstape audit": lambda p, c: run(p, bin_("awstape"), "audit"),
}
RAW = ("Traceback", "AttributeError", "KeyError", "TypeError", "RecursionError",
       "UnicodeDecodeError", "binascii.Error", "PermissionError", "NotADirectoryError",
       "IsADirectoryError", "MemoryError", "JSONDecodeError")


@pytest.mark.parametrize("consumer", sorted(CONSUMERS))
@pytest.mark.parametrize("name", [*sorted(HOSTILE), *SPECIAL])
def test_a_broken_cassette_gets_one_clear_error(project: Project, name: str,
                                                consumer: str) -> None:
    project.write("test_user.py", USER_TEST)
    cassette = plant(project.root / "cassettes", name)
    code, output = CONSUMERS[consumer](project, cassette)
    assert [word for word in RAW if word in output] == [], output[-3000:]
    if consumer == "awstape audit":
        assert code in (0, 1), output[-2000:]
        return
    if name in ("a directory", "a dangling symlink", "a symlink loop") \
            and consumer == "pytest replay":
        assert code != 0 and "no cassette at" in output, output[-2000:]
        return
    if name == "body file missing" and consumer == "awstape migrate":
        assert code == 0 and "already an awstape cassette" in output  # migrate reads no body
        return
    if name == "a directory" and consumer in ("awstape diff", "awstape migrate"):
        assert code == 0, output[-2000:]  # a folder of cassettes, empty: nothing to do
        return
    assert code != 0, output[-2000:]
    assert "test_reads.yaml" in output or "cassette" in output, output[-2000:]


def test_scan_reports_unreadable_entries_and_goes_on(project: Project) -> None:
    folder = project.root / "tree"
    folder.mkdir()
    (folder / "a-dangling-link").symlink_to(folder / "nowhere")
    (folder / "z-key.txt").write_text("aws_access_key_id = AKIA" + "Z" * 16 + "\n")
    code, output = run(project, bin_("awstape"), "scan", str(folder))
    assert code == 1, output
    assert "z-key.txt:1: AWS access key id" in output
    assert "a-dangling-link" in output and "Traceback" not in output
