"""Large S3 bodies replay at the floor's pace: awstape against botocore's unsigned floor.

    .venv/bin/python -m benchmarks.s3_bodies [--sizes-mb 1,20] [--reads 3] [--rounds 5]
                                             [--readme README.md]

For each size it stores one ``s3.GetObject`` answer as awstape does (the body once, in
``_bodies/`` beside the cassette, by its sha256), recorded as often as the benchmark reads
it, and measures, round by round after a warm-up round, in alternating order:

- awstape replay (``use_cassette`` in mode none): ``get_object`` and ``Body.read()``;
- the unsigned floor: the same client calls answered at botocore's ``before-send`` event
  with the same bytes, already in memory.

A stored body is verified (read and hashed) once while its file is unchanged; replaying it
again costs what the floor costs. The goal (issue 15): a 20 MB ``get_object`` replay at most
1.3x the floor. It prints the table and the verdict; exit 1 when the goal fails.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
from botocore import UNSIGNED
from botocore.awsrequest import AWSResponse
from botocore.config import Config

from awstape import use_cassette
from awstape.model.calls import CallName
from awstape.model.cassette import Cassette, Interaction
from awstape.storage import cassettes, fileformat
from benchmarks.floor import CannedBody
from benchmarks.readme import write_into

REGION = "us-east-1"
BUCKET, KEY = "benchmark-bucket", "large/object.bin"
GOAL, GOAL_SIZE_MB = 1.3, 20


def body(size_mb: int) -> bytes:
    block = hashlib.sha256(str(size_mb).encode()).digest() * 32  # 1 KiB, not compressible
    return block * (size_mb * 1024)


def headers(data: bytes) -> dict[str, str]:
    return {"content-type": "binary/octet-stream", "content-length": str(len(data)),
            "etag": f'"{hashlib.md5(data).hexdigest()}"', "accept-ranges": "bytes"}


def client(signed: bool) -> Any:
    config = Config(signature_version=UNSIGNED) if not signed else None
    return boto3.session.Session(aws_access_key_id="AKIABENCHMARKEXAMPLE",
                                 aws_secret_access_key="benchmark").client(
        "s3", region_name=REGION, config=config)


def awstape_cassette(path: Path, data: bytes, plays: int) -> None:
    stored = fileformat.encode_body(data, "binary/octet-stream")
    name = CallName("s3", "GetObject", REGION)
    cassettes.save(Cassette(path, {"at": "2026-11-24T00:00:00+00:00", "against": "benchmark",
                                   "region": REGION}, [
        Interaction(name, {"Bucket": BUCKET, "Key": KEY}, "GET", f"/{BUCKET}/{KEY}", 200,
                    headers(data), stored) for _ in range(plays)]))


def read_object(s3: Any, reads: int, size: int) -> None:
    for _ in range(reads):
        got = s3.get_object(Bucket=BUCKET, Key=KEY)["Body"].read()
        assert len(got) == size


@contextmanager
def awstape_replay(path: Path, data: bytes, reads: int) -> Iterator[Callable[[], None]]:
    with use_cassette(path, "none", allow_unused=True):
        s3 = client(signed=True)  # replay signs nothing, whatever the client says
        yield lambda: read_object(s3, reads, len(data))


@contextmanager
def unsigned_floor(path: Path, data: bytes, reads: int) -> Iterator[Callable[[], None]]:
    s3 = client(signed=False)
    answer_headers = headers(data)

    def canned(request: Any, **_: Any) -> AWSResponse:
        return AWSResponse(request.url, 200, dict(answer_headers), CannedBody(data))

    s3.meta.events.register("before-send.s3.GetObject", canned)
    yield lambda: read_object(s3, reads, len(data))


CONTENDERS = {"awstape": awstape_replay, "unsigned floor": unsigned_floor}


def measure(size_mb: int, reads: int, rounds: int, folder: Path) -> dict[str, list[float]]:
    data = body(size_mb)
    path = folder / f"s3-{size_mb}mb.yaml"
    awstape_cassette(path, data, reads * (rounds + 1))
    samples: dict[str, list[float]] = {label: [] for label in CONTENDERS}
    for round_number in range(rounds + 1):  # the first is a warm-up, not kept
        order = list(CONTENDERS) if round_number % 2 else list(reversed(CONTENDERS))
        for label in order:
            with CONTENDERS[label](path, data, reads) as run:
                start = time.perf_counter()
                run()
                took = (time.perf_counter() - start) / reads * 1e3  # ms per read
            if round_number:
                samples[label].append(took)
    return samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes-mb", default="1,20")
    parser.add_argument("--reads", type=int, default=3, help="get_object calls per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--readme", help="write the table and verdict into this README")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes_mb.split(",")]
    with tempfile.TemporaryDirectory() as folder:
        results = {size: measure(size, args.reads, args.rounds, Path(folder)) for size in sizes}
    text, holds = report(results, args.reads, args.rounds)
    print(text)
    if args.readme:
        write_into(Path(args.readme), "benchmarks/s3_bodies.py", text)
    return 0 if holds else 1


def report(results: dict[int, dict[str, list[float]]], reads: int,
           rounds: int) -> tuple[str, bool]:
    lines = [f"{rounds} rounds of {reads} reads after a warm-up round, alternating order; "
             "medians in ms per get_object and read, awstape's min-max in brackets.", "",
             "| body | awstape ms | unsigned floor ms | awstape / floor |", "|---:|---:|---:|---:|"]
    ratios = {}
    for size, samples in results.items():
        ours, floor = statistics.median(samples["awstape"]), statistics.median(
            samples["unsigned floor"])
        ratios[size] = ours / floor
        lines.append(f"| {size} MB | {ours:.1f} [{min(samples['awstape']):.1f}-"
                     f"{max(samples['awstape']):.1f}] | {floor:.1f} | {ratios[size]:.2f}x |")
    judged = GOAL_SIZE_MB if GOAL_SIZE_MB in ratios else max(ratios)
    holds = ratios[judged] <= GOAL
    lines += ["", f"- {'holds' if holds else 'FAILS'}: a {judged} MB get_object, awstape vs "
                  f"the unsigned floor: {ratios[judged]:.2f}x (at most {GOAL}x)"]
    return "\n".join(lines), holds


if __name__ == "__main__":
    sys.exit(main())
