"""pytest's start-up with awstape installed, against the same pytest without it, in one run.

    .venv/bin/python -m benchmarks.startup [--rounds 21]

A project that does not use awstape (two plain tests, no cassettes) is collected with
``pytest --collect-only -q``, once as installed and once with ``-p no:awstape``, alternating
which goes first, after a warm-up round. It reports the median wall time of each with its
min-max spread, and the ratio of their fastest runs: what start-up costs when nothing else
on the machine gets in the way (as ``timeit`` reads it), where a median moves with every
other process. The goal (issue 12): at most 1.1x. Exit 0 when it holds, 1 when it fails.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL = 1.1
SIDES = {"with awstape": [], "without": ["-p", "no:awstape"]}


def timed(folder: Path, extra: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p",
                    "no:cacheprovider", *extra], cwd=folder, check=True, capture_output=True)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=21)
    args = parser.parse_args(argv)
    times: dict[str, list[float]] = {side: [] for side in SIDES}
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder)
        (project / "test_plain.py").write_text(
            "def test_one():\n    assert 1\n\n\ndef test_two():\n    assert 2\n")
        for round_number in range(args.rounds + 1):  # the first is a warm-up, not kept
            order = list(SIDES) if round_number % 2 else list(reversed(SIDES))
            for side in order:
                took = timed(project, SIDES[side])
                if round_number:
                    times[side].append(took)
    ratio = min(times["with awstape"]) / min(times["without"])
    print(f"pytest --collect-only of two plain tests; median of {args.rounds} rounds after a "
          "warm-up, min-max in brackets.\n")
    print("| pytest | start-up ms |\n|---|---:|")
    for side, samples in times.items():
        print(f"| {side} | {statistics.median(samples) * 1e3:.0f} "
              f"[{min(samples) * 1e3:.0f}-{max(samples) * 1e3:.0f}] |")
    holds = ratio <= GOAL
    print(f"\n- {'holds' if holds else 'FAILS'}: start-up with awstape vs without, fastest "
          f"runs: {ratio:.2f}x (at most {GOAL}x)")
    return 0 if holds else 1


if __name__ == "__main__":
    sys.exit(main())
