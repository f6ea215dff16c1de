"""Replay speed, side by side in one run: awstape, vcrpy, moto in-process, botocore's floors.

    .venv/bin/python -m benchmarks.replay [--sizes 10,50,100,1000,2000,5000] [--calls 100]
                                          [--rounds 5] [--readme README.md]

For each cassette size it builds the same ``ssm.GetParameter`` interactions as an awstape
cassette and as a vcrpy YAML cassette, then measures, round by round after a warm-up round,
each contender in an order that rotates every round (so that a noisy machine, or whoever goes
first, slows none alone):

- awstape replay (``use_cassette`` in mode none);
- vcrpy replay, matching on method, uri and body (what AWS calls need; its default matches
  every JSON-protocol call alike);
- moto in-process (``mock_aws``), holding the same parameters;
- the floor: botocore answering at its own ``before-send`` event with a canned response
  (serialize, sign, parse; no socket), and the unsigned floor, the same without signing, which
  is the work awstape does (replay signs nothing);
- botocore's Stubber;
- cassetter, where it installs (see ``cassetter_peer``: its default matching answers AWS calls
  in recorded order, wrong out of order; it is matched on method, URI and body here);

and the time to load the cassette, awstape's file against vcrpy's YAML (and cassetter's),
in a fresh process each round, in turn first, all with the cyclic GC off, and the memory each
loaded cassette keeps per interaction (both in ``benchmarks.loads``). Each round makes
``--calls`` calls, or as many as a smaller cassette holds (each recording plays once). Figures
are medians of per-call times over the rounds, with the min-max spread of awstape's; the
ratios are what to read. It prints whether each target holds and exits 1 when one fails;
``--readme`` writes the table and verdicts into the README, between its markers.
"""

from __future__ import annotations

import argparse
import gc
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
from botocore import UNSIGNED
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from botocore.stub import Stubber

from awstape import use_cassette
from awstape.model.calls import CallName, operation_model
from awstape.model.cassette import Cassette, Interaction
from awstape.storage import cassettes
from benchmarks import cassetter_peer
from benchmarks.floor import CannedBody
from benchmarks.loads import load_times, memory_per_interaction
from benchmarks.readme import write_into

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


def _calls(ssm: Any, picks: list[int]) -> None:
    for i in picks:
        ssm.get_parameter(Name=name(i))


def client(signed: bool = True) -> Any:
    config = None if signed else Config(signature_version=UNSIGNED)
    return boto3.session.Session().client("ssm", region_name=REGION, config=config)


def timed(calls: Callable[[], None], count: int) -> float:
    """µs per call, after a full collection: no contender pays for another's garbage."""
    gc.collect()
    start = time.perf_counter()
    calls()
    return (time.perf_counter() - start) / count * 1e6  # µs per call


def sample(size: int, count: int) -> list[int]:
    """Up to ``count`` interactions spread over the cassette: each recording plays once, so
    a cassette smaller than ``count`` gives as many calls as it holds."""
    count = min(count, size)
    return [i * size // count for i in range(count)]


# -- the contenders: each yields a function that makes the sampled calls ---------------------

@contextmanager
def awstape_replay(path: Path, size: int, picks: list[int]) -> Iterator[Callable[[], None]]:
    with use_cassette(path, "none", allow_unused=True):
        ssm = client()
        yield lambda: _calls(ssm, picks)


@contextmanager
def vcrpy_replay(path: Path, size: int, picks: list[int]) -> Iterator[Callable[[], None]]:
    import vcr

    recorder = vcr.VCR(record_mode="none", match_on=["method", "uri", "body"])
    with recorder.use_cassette(str(path), allow_playback_repeats=True):
        ssm = client()
        yield lambda: _calls(ssm, picks)


@contextmanager
def moto_in_process(path: Path, size: int, picks: list[int]) -> Iterator[Callable[[], None]]:
    from moto import mock_aws

    with mock_aws():
        ssm = client()
        for i in picks:
            ssm.put_parameter(Name=name(i), Value=f"value-{i}", Type="String")
        yield lambda: _calls(ssm, picks)


@contextmanager
def floor(path: Path, size: int, picks: list[int],
          signed: bool = True) -> Iterator[Callable[[], None]]:
    ssm = client(signed)
    bodies = {name(i): json.dumps(response(i)).encode() for i in picks}

    def canned(request: Any, **_: Any) -> AWSResponse:
        wanted = json.loads(request.body)["Name"]
        return AWSResponse(request.url, 200, {**HEADERS, "content-length": "0"},
                           CannedBody(bodies[wanted]))

    ssm.meta.events.register("before-send.ssm.GetParameter", canned)
    yield lambda: _calls(ssm, picks)


@contextmanager
def unsigned_floor(path: Path, size: int, picks: list[int]) -> Iterator[Callable[[], None]]:
    with floor(path, size, picks, signed=False) as calls:
        yield calls


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


@contextmanager
def cassetter_replay(path: Path, size: int, picks: list[int]) -> Iterator[Callable[[], None]]:
    with cassetter_peer.replaying(path):
        ssm = client()
        yield lambda: _calls(ssm, picks)


CONTENDERS = {"awstape": awstape_replay, "vcrpy": vcrpy_replay, "moto": moto_in_process,
              "floor": floor, "unsigned floor": unsigned_floor, "stubber": stubber,
              "cassetter": cassetter_replay}


def measure(size: int, calls: int, rounds: int, workdir: Path,
            with_cassetter: bool) -> dict[str, list[float]]:
    paths = {label: workdir / f"{label}-{size}.yaml" for label in ("awstape", "vcrpy")}
    awstape_cassette(paths["awstape"], size)
    vcrpy_cassette(paths["vcrpy"], size)
    if with_cassetter:
        paths["cassetter"] = workdir / f"cassetter-{size}.yaml"
        cassetter_peer.write_cassette(
            paths["cassetter"], MODEL, f"https://ssm.{REGION}.amazonaws.com/",
            [({"Name": name(i)}, json.dumps(response(i)).encode()) for i in range(size)],
            HEADERS)
    memory, vcrpy_memory = memory_per_interaction(paths["awstape"], paths["vcrpy"], size)
    picks = sample(size, calls)
    # vcrpy scans the whole cassette twice per call: fewer calls keep big sizes bearable.
    vcrpy_picks = picks if size <= 1000 else picks[:: max(1, len(picks) // 10)]
    labels = [label for label in CONTENDERS if with_cassetter or label != "cassetter"]
    samples: dict[str, list[float]] = {}
    samples["memory"], samples["vcrpy memory"] = [memory], [vcrpy_memory]  # no noise: once
    for round_number in range(rounds + 1):  # the first is a warm-up, not kept
        shift = round_number % len(labels)
        for label in labels[shift:] + labels[:shift]:
            chosen = vcrpy_picks if label == "vcrpy" else picks
            with CONTENDERS[label](paths.get(label, paths["vcrpy"]), size, chosen) as run:
                took = timed(run, len(chosen))
            if round_number:
                samples.setdefault(label, []).append(took)
        loaded = load_times(paths, first=round_number)
        if round_number:
            for label, took in loaded.items():
                samples.setdefault(label, []).append(took)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10,50,100,1000,2000,5000")
    parser.add_argument("--calls", type=int, default=100, help="calls per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--readme", help="write the table and verdicts into this README")
    args = parser.parse_args()
    os.environ.update({"AWS_ACCESS_KEY_ID": "AKIABENCHMARKEXAMPLE",
                       "AWS_SECRET_ACCESS_KEY": "benchmark", "AWS_DEFAULT_REGION": REGION})
    sizes = [int(s) for s in args.sizes.split(",")]
    cassetter, why_not = cassetter_peer.installed()
    results: dict[int, dict[str, list[float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            results[size] = measure(size, args.calls, args.rounds, Path(tmp),
                                    with_cassetter=cassetter is not None)
            print(f"measured {size} interactions", file=sys.stderr)
    lines, failed = verdicts(results)
    report = (f"{args.rounds} rounds of up to {args.calls} calls (as many as a smaller cassette "
              "holds) after a warm-up round, contenders in rotating order; medians of per-call "
              "times, awstape's min-max in brackets.\n\n"
              + table(results) + "\n\n"
              + (f"{cassetter_peer.NOTE} (cassetter {cassetter_peer.VERSION}).\n\n"
                 if cassetter is not None else f"Not measured: {why_not}.\n\n")
              + lines + "\n")
    print(report)
    if args.readme:
        write_into(Path(args.readme), "benchmarks/replay.py", report.rstrip("\n"))
    return 1 if failed else 0


def table(results: dict[int, dict[str, list[float]]]) -> str:
    cassetter = all("cassetter" in samples for samples in results.values())
    lines = [
        "| interactions | awstape µs/call | vcrpy | moto in-process | before-send floor "
        "| unsigned floor | Stubber " + ("| cassetter " if cassetter else "")
        + "| awstape / unsigned floor | awstape / floor "
        "| vcrpy / floor | moto / awstape | load: awstape ms | vcrpy YAML ms | load speed-up "
        + ("| cassetter load ms " if cassetter else "")
        + "| loaded: awstape KB/interaction | vcrpy KB |",
        "|---:" * (16 + 2 * cassetter) + "|",
    ]
    for size, samples in results.items():
        r = {k: statistics.median(v) for k, v in samples.items()}
        spread = f"[{min(samples['awstape']):.0f}-{max(samples['awstape']):.0f}]"
        lines.append(
            f"| {size:,} | {r['awstape']:.0f} {spread} | {r['vcrpy']:.0f} | {r['moto']:.0f} "
            f"| {r['floor']:.0f} | {r['unsigned floor']:.0f} | {r['stubber']:.0f} "
            + (f"| {r['cassetter']:.0f} " if cassetter else "")
            + f"| {r['awstape'] / r['unsigned floor']:.2f}x | {r['awstape'] / r['floor']:.2f}x "
            f"| {r['vcrpy'] / r['floor']:.2f}x | {r['moto'] / r['awstape']:.2f}x "
            f"| {r['load']:.1f} | {r['vcrpy load']:.1f} | {r['vcrpy load'] / r['load']:.0f}x "
            + (f"| {r['cassetter load']:.1f} " if cassetter else "")
            + f"| {r['memory']:.2f} | {r['vcrpy memory']:.2f} |")
    return "\n".join(lines)


def verdicts(results: dict[int, dict[str, list[float]]]) -> tuple[str, bool]:
    """The targets, each with whether it holds; and whether any failed."""
    medians = {size: {k: statistics.median(v) for k, v in samples.items()}
               for size, samples in results.items()}
    sizes = sorted(medians)
    lines: list[str] = []

    def check(label: str, value: float, bound: str, ok: bool) -> None:
        lines.append(f"- {'holds' if ok else 'FAILS'}: {label}: {value:.2f}x ({bound})")

    if 50 in medians and 2000 in medians:
        growth = medians[2000]["awstape"] / medians[50]["awstape"]
        check("per-call cost, 2,000 vs 50 interactions", growth, "at most 1.3x", growth <= 1.3)
    small = medians[sizes[0]]
    # The goal holds at every size ("flat"): the worst ratio is the one judged.
    worst = max(sizes, key=lambda size: medians[size]["awstape"] / medians[size]["unsigned floor"])
    unsigned = medians[worst]["awstape"] / medians[worst]["unsigned floor"]
    check(f"awstape vs the unsigned before-send floor, the worst size ({worst:,} "
          "interactions)", unsigned, "at most 1.1x at every size", unsigned <= 1.1)
    check(f"moto in-process vs awstape, {sizes[0]} interactions",
          small["moto"] / small["awstape"], "at least 2x", small["moto"] / small["awstape"] >= 2)
    if 1000 in medians:
        speedup = medians[1000]["vcrpy load"] / medians[1000]["load"]
        check("load of 1,000 interactions, vcrpy YAML vs awstape", speedup, "at least 10x",
              speedup >= 10)
    largest = medians[sizes[-1]]["memory"]
    check(f"memory per interaction, {sizes[-1]:,} vs {sizes[0]:,} interactions",
          largest / small["memory"], "at most 1.2x: linear", largest <= 1.2 * small["memory"])
    lines.append(f"- {'holds' if largest <= 4 else 'FAILS'}: memory per interaction of a "
                 f"loaded cassette, {sizes[-1]:,} interactions: {largest:.2f} KB (at most 4 KB)")
    return "\n".join(lines), any(line.startswith("- FAILS") for line in lines)


if __name__ == "__main__":
    sys.exit(main())
