"""A whole test suite, end to end: awstape against pytest-recording with vcrpy and the floor.

    .venv/bin/python -m benchmarks.suite [--tests 200] [--rounds 5] [--readme README.md]

It writes a suite of ``--tests`` tests, each making ten calls of three protocol families (SSM
and CloudWatch Logs: JSON; SNS and STS: query; S3: REST-XML) through module-level clients, as
people write them, and runs it with pytest as users do:

- recording, ``--rounds`` times each, in turn first, each against a fresh AWS stand-in
  (moto's server on loopback): awstape (``--record-mode=once``) and plain pytest-recording
  with vcrpy (``-p no:awstape``);
- replaying, round by round after a warm-up round, in rotating order: awstape, plain
  pytest-recording with vcrpy, and the floor: the same suite with neither plugin, its calls
  answered at botocore's ``before-send`` event by a canned responder holding the recorded
  responses (signed, as botocore does by default; and unsigned, the work awstape does);
- the cost per test: as many tests of one call each (``sts.GetCallerIdentity``), replayed by
  awstape (within pytest-recording, as it runs) and answered by the unsigned responder, with
  neither plugin and with pytest-recording loaded (recording disabled: its fixtures still run
  for every marked test). Each test's own time is taken inside pytest (its setup, call and
  teardown, every plugin's part included) and the medians compared: against the second floor,
  the difference is what awstape's own part costs a test.

Each figure of the table is the wall time of one pytest process (start-up included).
Goals (issue 15): replay at most 1.15x the canned responder and faster than vcrpy; recording
at most 1.0x vcrpy's; under 1 ms of awstape's own per test. Exit 1 when one fails.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from awstape.runtime import standin
from awstape.storage import cassettes, fileformat
from benchmarks.readme import write_into

CALLS = '''
SSM = boto3.client("ssm", region_name="us-east-1")
LOGS = boto3.client("logs", region_name="us-east-1")
SNS = boto3.client("sns", region_name="us-east-1")
STS = boto3.client("sts", region_name="us-east-1")
S3 = boto3.client("s3", region_name="us-east-1")


def one_call(n):
    assert STS.get_caller_identity()["Account"]


def ten_calls(n):
    SSM.put_parameter(Name=f"/suite/{n}", Value=f"value-{n}", Type="String", Overwrite=True)
    assert SSM.get_parameter(Name=f"/suite/{n}")["Parameter"]["Value"] == f"value-{n}"
    LOGS.create_log_group(logGroupName=f"suite-{n}")
    LOGS.describe_log_groups(logGroupNamePrefix=f"suite-{n}")
    arn = SNS.create_topic(Name=f"suite-{n}")["TopicArn"]
    SNS.get_topic_attributes(TopicArn=arn)
    STS.get_caller_identity()
    S3.create_bucket(Bucket=f"suite-{n}")
    S3.put_object(Bucket=f"suite-{n}", Key="k", Body=f"body-{n}".encode())
    assert S3.get_object(Bucket=f"suite-{n}", Key="k")["Body"].read() == f"body-{n}".encode()
'''

# The floor: neither plugin; each test's recorded responses, in order, handed to botocore at
# before-send by a canned responder, registered before the module-level clients are made.
FLOOR_PLUGIN = '''
import base64, json, os
import botocore, botocore.handlers
from botocore.awsrequest import AWSResponse

ANSWERS = json.load(open(os.environ["SUITE_ANSWERS"]))
QUEUE = []


class Body:
    def __init__(self, data):
        self.data = data

    def stream(self, **_):
        yield self.data

    def read(self, *_):
        data, self.data = self.data, b""
        return data


def answer(request, **_):
    status, headers, body = QUEUE.pop(0)
    return AWSResponse(request.url, status, headers, Body(base64.b64decode(body)))


botocore.handlers.BUILTIN_HANDLERS.append(("before-send", answer))
if os.environ.get("SUITE_UNSIGNED"):
    botocore.handlers.BUILTIN_HANDLERS.append(
        ("choose-signer", lambda **_: botocore.UNSIGNED))


def pytest_configure(config):
    config.addinivalue_line("markers", "vcr: a recorded test")


def pytest_runtest_setup(item):
    QUEUE[:] = ANSWERS[item.name]
'''

# Each test's own time, from its setup's start to its teardown's end, as pytest runs it (every
# plugin's hooks and fixtures included): one line per test in SUITE_TIMES. Its median leaves
# out the process's start-up and the first test's one-time loads (botocore's models).
TIMING_PLUGIN = '''
import os, time
import pytest

TIMES = []


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    start = time.perf_counter()
    yield
    TIMES.append(time.perf_counter() - start)


def pytest_unconfigure(config):
    with open(os.environ["SUITE_TIMES"], "a") as file:
        file.write("".join(f"{t}\\n" for t in TIMES))
'''

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "AKIA" + "SUITEBENCHEXAMPLE", "AWS_SECRET_ACCESS_KEY":
               "suite-benchmark-secret-example", "AWS_DEFAULT_REGION": "us-east-1"}


def write_suite(folder: Path, tests: int, calls: str = "ten_calls") -> None:
    """The tests in two modules (``test_first.py``, ``test_second.py``), module-level clients
    in each, as a suite grows."""
    folder.mkdir(parents=True, exist_ok=True)
    for module, numbers in (("test_first", range(tests // 2)),
                            ("test_second", range(tests // 2, tests))):
        body = "\n".join(f"@pytest.mark.vcr\ndef test_{n}():\n    {calls}({n})\n\n"
                         for n in numbers)
        (folder / f"{module}.py").write_text(
            "import boto3\nimport pytest\n" + CALLS + "\n\n" + body)
    (folder / "suite_floor.py").write_text(FLOOR_PLUGIN)
    (folder / "suite_timing.py").write_text(TIMING_PLUGIN)


def run(folder: Path, args: list[str], env: dict[str, str]) -> float:
    """Seconds one pytest process takes; a failing run stops the benchmark."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           *args], cwd=folder, env=env, capture_output=True, text=True,
                          check=False)
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"pytest {' '.join(args)} failed in {folder}:\n{done.stdout[-3000:]}"
                         f"{done.stderr[-2000:]}")
    return took


def clean_env(**extra: str) -> dict[str, str]:
    """The environment of every run: no AWS variables, and bytecode written, as on a machine
    that writes it (``PYTHONDONTWRITEBYTECODE`` would make every run compile the source of
    whatever has none yet: an editable install of awstape, the suite's own modules)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AWS_") and k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPATH": ".", **extra}


def answers(folder: Path) -> Path:
    """Each test's recorded responses, in order, as the floor hands them back."""
    found = {}
    for path in sorted((folder / "cassettes").glob("test_*/*.yaml")):
        cassette = cassettes.load(path)
        bodies = cassettes.bodies_dir(cassette)
        found[path.stem] = [[i.status, i.headers, base64.b64encode(
            fileformat.decode_body(i.body, bodies)).decode()] for i in cassette.interactions]
    target = folder / "answers.json"
    target.write_text(json.dumps(found))
    return target


def measure(tests: int, rounds: int, root: Path
            ) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    ours, theirs, single = root / "awstape", root / "vcrpy", root / "one-call"
    for folder in (ours, theirs):
        write_suite(folder, tests)
    write_suite(single, tests, calls="one_call")
    times: dict[str, list[float]] = {}
    per_test: dict[str, list[float]] = {}  # each test's own seconds, every round's
    endpoint = ""  # where vcrpy recorded: its replay matches by URL
    for folder, extra in ((ours, []), (theirs, ["-p", "no:awstape"])):  # bytecode written first
        run(folder, ["--collect-only", *extra], clean_env(**CREDENTIALS))
    recordings = [("record: awstape", ours, []), ("record: vcrpy", theirs, ["-p", "no:awstape"])]
    for round_number in range(max(rounds, 1)):  # in turn first; the last ones are replayed
        for label, folder, extra in recordings[::-1] if round_number % 2 else recordings:
            shutil.rmtree(folder / "cassettes", ignore_errors=True)
            with standin.running() as server:  # each from an empty account
                times.setdefault(label, []).append(run(
                    folder, ["--record-mode=once", *extra],
                    clean_env(AWS_ENDPOINT_URL=server.endpoint_url, **CREDENTIALS)))
                endpoint = server.endpoint_url if folder == theirs else endpoint
    with standin.running() as server:  # not timed: for the per-test cost
        run(single, ["--record-mode=once"],
            clean_env(AWS_ENDPOINT_URL=server.endpoint_url, **CREDENTIALS))
    floor_env = clean_env(SUITE_ANSWERS=str(answers(ours)), **CREDENTIALS)
    single_floor = clean_env(SUITE_ANSWERS=str(answers(single)), SUITE_UNSIGNED="1",
                             **CREDENTIALS)
    neither = ["-p", "no:awstape", "-p", "no:recording", "-p", "suite_floor"]
    recording_only = ["-p", "no:awstape", "-p", "suite_floor"]
    timed = ["-p", "suite_timing"]
    replays = {
        "replay: awstape": (ours, [], clean_env()),
        # the stand-in's address vcrpy recorded, now closed
        "replay: vcrpy": (theirs, ["-p", "no:awstape"],
                          clean_env(AWS_ENDPOINT_URL=endpoint, **CREDENTIALS)),
        "replay: floor": (ours, neither, floor_env),
        "replay: unsigned floor": (ours, neither, {**floor_env, "SUITE_UNSIGNED": "1"}),
        # The cost per test: each test's own time, awstape's against the floors'.
        "one call: awstape": (single, timed, clean_env()),
        "one call: unsigned floor": (single, [*neither, *timed], single_floor),
        # pytest-recording's own fixtures run for every marked test, awstape or not: this
        # floor keeps them (recording disabled), so that the difference is awstape's own.
        "one call: unsigned floor, pytest-recording loaded": (
            single, [*recording_only, "--disable-recording", *timed], single_floor),
    }
    labels = list(replays)
    for round_number in range(rounds + 1):  # the first is a warm-up, not kept
        shift = round_number % len(labels)
        for label in labels[shift:] + labels[:shift]:
            folder, extra, env = replays[label]
            times_file = root / f"per-test {label} {round_number}"
            took = run(folder, extra, {**env, "SUITE_TIMES": str(times_file)})
            if round_number:
                times.setdefault(label, []).append(took)
                if times_file.is_file():
                    per_test.setdefault(label, []).extend(
                        float(line) for line in times_file.read_text().split())
    return times, per_test


def report(times: dict[str, list[float]], per_test: dict[str, list[float]], tests: int,
           rounds: int) -> tuple[str, bool]:
    median = {label: statistics.median(samples) for label, samples in times.items()}
    lines = [f"{tests} tests of 10 calls each (JSON, query, REST-XML), module-level clients; "
             f"wall time of one pytest process, median of {rounds} rounds after a warm-up "
             f"(recording: {max(rounds, 1)} runs each, in turn first, each against a fresh "
             "stand-in), min-max in brackets.", "",
             "| run | seconds |", "|---|---:|"]
    for label, samples in times.items():
        spread = f" [{min(samples):.2f}-{max(samples):.2f}]" if len(samples) > 1 else ""
        lines.append(f"| {label} | {median[label]:.2f}{spread} |")
    floor = median["replay: awstape"] / median["replay: floor"]
    unsigned = median["replay: awstape"] / median["replay: unsigned floor"]
    vcrpy = median["replay: awstape"] / median["replay: vcrpy"]
    record = median["record: awstape"] / median["record: vcrpy"]
    # Each test's own cost: the median of each test's time (pytest's protocol for it, every
    # hook and fixture inside), awstape's against the floor's: start-up and one-time loads
    # are outside it, as is the noise of whole processes.
    own = {label: statistics.median(samples) for label, samples in per_test.items()}
    awstape_test = own["one call: awstape"]
    with_recording = (awstape_test - own["one call: unsigned floor"]) * 1e3
    per_test_ms = (awstape_test - own["one call: unsigned floor, pytest-recording loaded"]) * 1e3
    checks = [("replay, awstape vs the canned responder", floor, "at most 1.15x", floor <= 1.15),
              ("replay, awstape vs vcrpy", vcrpy, "below 1x", vcrpy < 1.0),
              ("recording, awstape vs vcrpy", record, "at most 1.0x", record <= 1.0)]
    lines.append("")
    lines += [f"- {'holds' if ok else 'FAILS'}: {label}: {value:.2f}x ({bound})"
              for label, value, bound, ok in checks]
    lines.append(f"- {'holds' if per_test_ms < 1 else 'FAILS'}: awstape's own cost per test "
                 "of one call, against the unsigned canned responder with pytest-recording "
                 "loaded (its fixtures run for every marked test), median test times: "
                 f"{per_test_ms:.2f} ms more (under 1 ms)")
    lines.append("- each test of one call, with awstape and pytest-recording vs the unsigned "
                 f"canned responder with neither plugin, median test times: {with_recording:.2f}"
                 " ms more")
    lines.append(f"- replay, awstape vs the unsigned canned responder: {unsigned:.2f}x")
    return "\n".join(lines), all(ok for *_, ok in checks) and per_test_ms < 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--readme", help="write the table and verdicts into this README")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as root:
        times, per_test = measure(args.tests, args.rounds, Path(root))
    text, holds = report(times, per_test, args.tests, args.rounds)
    print(text)
    if args.readme:
        write_into(Path(args.readme), "benchmarks/suite.py", text)
    return 0 if holds else 1


if __name__ == "__main__":
    sys.exit(main())
