"""Secrets cost no more than plain values: replay and recording, side by side in one run.

    .venv/bin/python -m benchmarks.secrets [--count 1000] [--rounds 5] [--readme README.md]

It records two cassettes against the AWS stand-in (moto server on loopback), each of
``count`` ``ssm.PutParameter`` calls and as many ``ssm.GetParameter`` calls reading them
back: one with ``String`` parameters, one with ``SecureString`` ones, whose values are
secrets (faked in the cassette, linked back to the test's own values at replay). Then it
replays both, interleaved round by round in rotating order after a warm-up round, and
reports the median per-call time with its min-max spread, and the ratio of secrets to plain
values; recording is timed once for each (moto's own time is most of it).

The goal (issue 15): with 1,000 secrets, per-call cost at most 1.2x that with 1,000 plain
values. Exit 0 when it holds, 1 when it fails.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import boto3

from awstape import use_cassette
from awstape.runtime import standin
from benchmarks.readme import write_into

KINDS = ("String", "SecureString")
GOAL = 1.2


def value(i: int) -> str:
    return f"value-{i:06d}-{i * 7919:08d}-kept-by-the-test"


def workload(kind: str, count: int) -> Callable[[], int]:
    """The calls a test makes: put ``count`` parameters of ``kind``, read each back."""
    def calls() -> int:
        ssm = boto3.session.Session().client("ssm", region_name="us-east-1")
        for i in range(count):
            ssm.put_parameter(Name=f"/{kind}/{i}", Value=value(i), Type=kind)
        for i in range(count):
            got = ssm.get_parameter(Name=f"/{kind}/{i}", WithDecryption=True)
            assert got["Parameter"]["Value"] == value(i)
        return 2 * count
    return calls


def per_call(path: Path, mode: str, calls: Callable[[], int]) -> float:
    """µs per call of ``calls`` under the cassette at ``path``, after a full collection: a
    run must not pay for the garbage of the one before it (one full collection of this
    process takes about 80 ms, which otherwise lands in one kind's run or the other's)."""
    gc.collect()
    with use_cassette(path, mode, allow_unused=True):
        start = time.perf_counter()
        made = calls()
        return (time.perf_counter() - start) / made * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1000, help="parameters of each kind")
    parser.add_argument("--rounds", type=int, default=5, help="measured replay rounds")
    parser.add_argument("--readme", help="write the table and verdict into this README")
    args = parser.parse_args(argv)
    recorded: dict[str, float] = {}
    replayed: dict[str, list[float]] = {kind: [] for kind in KINDS}
    with tempfile.TemporaryDirectory() as folder:
        paths = {kind: Path(folder) / f"{kind}.yaml" for kind in KINDS}
        with standin.running() as server:
            saved = dict(os.environ)
            os.environ.update(AWS_ENDPOINT_URL=server.endpoint_url,
                              AWS_ACCESS_KEY_ID="AKIABENCHMARKEXAMPLE",
                              AWS_SECRET_ACCESS_KEY="benchmark-secret-key-example-only")
            try:
                for kind in KINDS:
                    recorded[kind] = per_call(paths[kind], "once", workload(kind, args.count))
            finally:
                os.environ.clear()
                os.environ.update(saved)
        for round_number in range(args.rounds + 1):  # the first is a warm-up, not kept
            order = KINDS if round_number % 2 else tuple(reversed(KINDS))
            for kind in order:
                took = per_call(paths[kind], "none", workload(kind, args.count))
                if round_number:
                    replayed[kind].append(took)
    text = report(args.count, args.rounds, recorded, replayed)
    print(text)
    if args.readme:
        write_into(Path(args.readme), "benchmarks/secrets.py", text)
    return 0 if verdict(replayed)[1] else 1


def verdict(replayed: dict[str, list[float]]) -> tuple[float, bool]:
    ratio = statistics.median(replayed["SecureString"]) / statistics.median(replayed["String"])
    return ratio, ratio <= GOAL


def report(count: int, rounds: int, recorded: dict[str, float],
           replayed: dict[str, list[float]]) -> str:
    lines = [f"{count:,} parameters of each kind, put and read back ({2 * count:,} calls); "
             f"replay: median of {rounds} rounds after a warm-up, min-max in brackets.", "",
             "| values | replay µs/call | record µs/call |", "|---|---:|---:|"]
    for kind in KINDS:
        times = replayed[kind]
        lines.append(f"| {'secrets (SecureString)' if kind == 'SecureString' else 'plain (String)'}"
                     f" | {statistics.median(times):.0f} [{min(times):.0f}-{max(times):.0f}] "
                     f"| {recorded[kind]:.0f} |")
    ratio, holds = verdict(replayed)
    recording = recorded["SecureString"] / recorded["String"]
    lines += ["", f"- {'holds' if holds else 'FAILS'}: replay, secrets vs plain values: "
                  f"{ratio:.2f}x (at most {GOAL}x)",
              f"- recording, secrets vs plain values: {recording:.2f}x (one recording each)"]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
