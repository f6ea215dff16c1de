"""Replay speed, side by side in one run: awstape, vcrpy, moto in-process, botocore's floor.

    .venv/bin/python benchmarks/replay.py [--sizes 10,50,1000,2000,5000] [--calls 100]

For each cassette size it builds the same ``ssm.GetParameter`` interactions as an awstape
cassette and as a vcrpy YAML cassette, then measures, interleaved round by round so that a
noisy machine slows every contender alike:

- awstape replay (``use_cassette`` in mode none);
- vcrpy replay, matching on method, uri and body (what AWS calls need; its default matches
  every JSON-protocol call alike);
- moto in-process (``mock_aws``), holding the same parameters;
- the floor: botocore answering at its own ``before-send`` event with a canned response
  (serialize, sign, parse; no socket);
- botocore's Stubber;

and the time to load the cassette, awstape's file against vcrpy's YAML. Figures are medians of
per-call times over the rounds; the ratios are what to read.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import botocore.serialize
from botocore.awsrequest import AWSResponse
from botocore.stub import Stubber

from awstape import use_cassette
from awstape.model.calls import CallName, operation_model
from awstape.model.cassette import Cassette, Interaction
from awstape.storage import cassettes

REGION = "us-east-1"
MODEL = operation_model("ssm", "GetParameter")
NAME = CallName("ssm", "GetParameter", REGION)


def name(i: int) -> str:
    return f"/bench/app/param-{i:05d}"


def response(i: int) -> dict[str, Any]:
    return {"Parameter": {
        "Name": name(i), "Type": "String", "Value": f"value-{i}", "Version": 1,
        "LastModifiedDate": 1795500000.0 + i, "DataType": "text",
        "ARN": f"arn:aws:ssm:{REGION}:111122223333:parameter{name(i)}"}}


HEADERS = {"content-type": "application/x-amz-json-1.1",
           "x-amzn-requestid": "00000000-0000-0000-0000-000000000000"}


def awstape_cassette(path: Path, size: int) -> None:
    cassettes.save(Cassette(path, {"at": "2026-11-24T00:00:00+00:00", "against": "benchmark",
                                   "region": REGION}, [
        Interaction(NAME, {"Name": name(i)}, "POST", "/", 200, dict(HEADERS),
                    {"json": response(i)}) for i in range(size)]))


def vcrpy_cassette(path: Path, size: int) -> None:
    from vcr.serializers import yamlserializer

    serializer = botocore.serialize.create_serializer("json")
    interactions = []
    for i in range(size):
        wire = serializer.serialize_to_request({"Name": name(i)}, MODEL)
        interactions.append({
            "request": {"method": "POST", "uri": f"https://ssm.{REGION}.amazonaws.com/",
                        "body": wire["body"].decode(),
                        "headers": {k: [v] for k, v in wire["headers"].items()}},
            "response": {"status": {"code": 200, "message": "OK"},
                         "headers": {k: [v] for k, v in HEADERS.items()},
                         "body": {"string": json.dumps(response(i))}},
        })
    path.write_text(yamlserializer.serialize({"interactions": interactions, "version": 1}))


def client() -> Any:
    return boto3.session.Session().client("ssm", region_name=REGION)


def timed(calls: Callable[[], None], count: int) -> float:
    start = time.perf_counter()
    calls()
    return (time.perf_counter() - start) / count * 1e6  # µs per call


def sample(size: int, count: int) -> list[int]:
    count = min(count, size)
    return [i * size // count for i in range(count)]


# -- the contenders: each yields a function that makes the sampled calls ---------------------

@contextmanager
def awstape_replay(path: Path, size: int, picks: list[int]) -> Iterator[Callable[[], None]]:
    with use_cassette(path, "none", allow_unused=True):
        ssm = client()
        yield lambda: [ssm.get_parameter(Name=name(i)) for i in picks] and None


@contextmanager
def vcrpy_replay(path: Path, size: int, picks: list[int]) -> Iterator[Callable[[], None]]:
    import vcr

    recorder = vcr.VCR(record_mode="none", match_on=["method", "uri", "body"])
    with recorder.use_cassette(str(path), allow_playback_repeats=True):
        ssm = client()
        yield lambda: [ssm.get_parameter(Name=name(i)) for i in picks] and None


@contextmanager
def moto_in_process(path: Path, size: int, picks: list[int]) -> Iterator[Callable[[], None]]:
    from moto import mock_aws

    with mock_aws():
        ssm = client()
        for i in picks:
            ssm.put_parameter(Name=name(i), Value=f"value-{i}", Type="String")
        yield lambda: [ssm.get_parameter(Name=name(i)) for i in picks] and None


@contextmanager
def floor(path: Path, size: int, picks: list[int]) -> Iterator[Callable[[], None]]:
    ssm = client()
    bodies = {name(i): json.dumps(response(i)).encode() for i in picks}

    def canned(request: Any, **_: Any) -> AWSResponse:
        wanted = json.loads(request.body)["Name"]
        return AWSResponse(request.url, 200, {**HEADERS, "content-length": "0"},
                           _Raw(bodies[wanted]))

    ssm.meta.events.register("before-send.ssm.GetParameter", canned)
    yield lambda: [ssm.get_parameter(Name=name(i)) for i in picks] and None


@contextmanager
def stubber(path: Path, size: int, picks: list[int]) -> Iterator[Callable[[], None]]:
    ssm = client()
    with Stubber(ssm) as stub:
        def calls() -> None:
            for i in picks:
                stub.add_response("get_parameter", response(i), {"Name": name(i)})
            for i in picks:
                ssm.get_parameter(Name=name(i))
        yield calls


class _Raw:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.data

    def read(self, *_: Any) -> bytes:
        return self.data


CONTENDERS = {"awstape": awstape_replay, "vcrpy": vcrpy_replay, "moto": moto_in_process,
              "floor": floor, "stubber": stubber}


def load_times(awstape_path: Path, vcrpy_path: Path) -> tuple[float, float]:
    from vcr.persisters.filesystem import FilesystemPersister
    from vcr.serializers import yamlserializer

    start = time.perf_counter()
    cassettes.load(awstape_path)
    middle = time.perf_counter()
    FilesystemPersister.load_cassette(str(vcrpy_path), yamlserializer)
    end = time.perf_counter()
    return (middle - start) * 1e3, (end - middle) * 1e3


def measure(size: int, calls: int, rounds: int, workdir: Path) -> dict[str, float]:
    awstape_path, vcrpy_path = workdir / f"awstape-{size}.yaml", workdir / f"vcrpy-{size}.yaml"
    awstape_cassette(awstape_path, size)
    vcrpy_cassette(vcrpy_path, size)
    picks = sample(size, calls)
    # vcrpy scans the whole cassette twice per call: fewer calls keep big sizes bearable.
    vcrpy_picks = picks if size <= 1000 else picks[:: max(1, len(picks) // 10)]
    samples: dict[str, list[float]] = {k: [] for k in (*CONTENDERS, "load", "vcrpy load")}
    for _ in range(rounds):
        for label, contender in CONTENDERS.items():
            chosen = vcrpy_picks if label == "vcrpy" else picks
            with contender(awstape_path if label == "awstape" else vcrpy_path, size,
                           chosen) as run:
                samples[label].append(timed(run, len(chosen)))
        load, vcrpy_load = load_times(awstape_path, vcrpy_path)
        samples["load"].append(load)
        samples["vcrpy load"].append(vcrpy_load)
    return {k: statistics.median(v) for k, v in samples.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10,50,100,1000,2000,5000")
    parser.add_argument("--calls", type=int, default=100, help="sampled calls per round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    os.environ.update({"AWS_ACCESS_KEY_ID": "AKIABENCHMARKEXAMPLE",
                       "AWS_SECRET_ACCESS_KEY": "benchmark", "AWS_DEFAULT_REGION": REGION})
    sizes = [int(s) for s in args.sizes.split(",")]
    results: dict[int, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            results[size] = measure(size, args.calls, args.rounds, Path(tmp))
            print(f"measured {size} interactions", file=sys.stderr)
    print(f"{args.rounds} rounds of up to {args.calls} calls; medians of per-call times.\n")
    print(table(results))
    print()
    print(verdicts(results))
    return 0


def table(results: dict[int, dict[str, float]]) -> str:
    lines = [
        "| interactions | awstape µs/call | vcrpy | moto in-process | before-send floor | Stubber "
        "| awstape / floor | vcrpy / floor | moto / awstape | load: awstape ms | vcrpy YAML ms "
        "| load speed-up |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size, r in results.items():
        lines.append(
            f"| {size:,} | {r['awstape']:.0f} | {r['vcrpy']:.0f} | {r['moto']:.0f} "
            f"| {r['floor']:.0f} | {r['stubber']:.0f} | {r['awstape'] / r['floor']:.2f}x "
            f"| {r['vcrpy'] / r['floor']:.2f}x | {r['moto'] / r['awstape']:.2f}x "
            f"| {r['load']:.1f} | {r['vcrpy load']:.1f} | {r['vcrpy load'] / r['load']:.0f}x |")
    return "\n".join(lines)


def verdicts(results: dict[int, dict[str, float]]) -> str:
    sizes = sorted(results)
    lines = []

    def check(label: str, value: float, bound: str, ok: bool) -> None:
        lines.append(f"- {'holds' if ok else 'FAILS'}: {label}: {value:.2f}x ({bound})")

    if 50 in results and 2000 in results:
        growth = results[2000]["awstape"] / results[50]["awstape"]
        check("per-call cost, 2,000 vs 50 interactions", growth, "at most 1.3x", growth <= 1.3)
    small = results[sizes[0]]
    check(f"awstape vs the before-send floor, {sizes[0]} interactions",
          small["awstape"] / small["floor"], "at most 1.5x",
          small["awstape"] / small["floor"] <= 1.5)
    check(f"moto in-process vs awstape, {sizes[0]} interactions",
          small["moto"] / small["awstape"], "at least 2x", small["moto"] / small["awstape"] >= 2)
    if 1000 in results:
        speedup = results[1000]["vcrpy load"] / results[1000]["load"]
        check("load of 1,000 interactions, vcrpy YAML vs awstape", speedup, "at least 10x",
              speedup >= 10)
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
