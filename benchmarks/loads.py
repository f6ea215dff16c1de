"""Loading a cassette, awstape's file against vcrpy's YAML (and cassetter's, where it installs):
the time, in a fresh process, and the memory a loaded cassette keeps per interaction."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from awstape.storage import cassettes
from benchmarks import cassetter_peer


def load_times(paths: dict[str, Path], first: int) -> dict[str, float]:
    """Each loader's milliseconds for the same interactions, measured in a fresh process: not
    right after the contenders, whose leftovers in the heap slow whoever allocates next (the
    same load took 11 to 22 ms there). ``first`` rotates who goes first."""
    code = ("import json, sys; from pathlib import Path; from benchmarks.loads import "
            "loads_here; print(json.dumps(loads_here({k: Path(v) for k, v in "
            "json.loads(sys.argv[1]).items()}, int(sys.argv[2]))))")
    done = subprocess.run(
        [sys.executable, "-c", code, json.dumps({k: str(v) for k, v in paths.items()}),
         str(first)], cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True,
        check=False)
    if done.returncode != 0:
        raise SystemExit(f"timing the loads failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout))


def loads_here(paths: dict[str, Path], first: int) -> dict[str, float]:
    """The loads timed in this process, each loader run once before (its imports and its
    one-time reads: botocore's service model), the cyclic GC off for all, as awstape's own
    load has it; a loaded cassette is kept until its time is taken."""
    from vcr.persisters.filesystem import FilesystemPersister
    from vcr.serializers import yamlserializer

    def timed_load(load: Callable[[], object]) -> float:
        gc.disable()
        try:
            start = time.perf_counter()
            kept = load()
            took = (time.perf_counter() - start) * 1e3
            del kept
            return took
        finally:
            gc.enable()

    loaders: dict[str, Callable[[], object]] = {
        "load": lambda: cassettes.load(paths["awstape"]),
        "vcrpy load": lambda: FilesystemPersister.load_cassette(str(paths["vcrpy"]),
                                                                yamlserializer),
    }
    if "cassetter" in paths and cassetter_peer.installed()[0] is not None:
        loaders["cassetter load"] = lambda: cassetter_peer.load(paths["cassetter"])
    for load in loaders.values():
        load()
    order = list(loaders)
    shift = first % len(order)
    return {label: timed_load(loaders[label]) for label in order[shift:] + order[:shift]}


def memory_per_interaction(awstape_path: Path, vcrpy_path: Path,
                           size: int) -> tuple[float, float]:
    """KB each interaction of a loaded cassette keeps allocated (tracemalloc, after a full
    collection), awstape's and vcrpy's: what a suite holds while a cassette plays."""
    from vcr.persisters.filesystem import FilesystemPersister
    from vcr.serializers import yamlserializer

    def retained(load: Callable[[], object]) -> float:
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            kept = load()
            gc.collect()
            after = tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()
        del kept
        return (after - before) / size / 1024

    return (retained(lambda: cassettes.load(awstape_path)),
            retained(lambda: FilesystemPersister.load_cassette(str(vcrpy_path), yamlserializer)))
