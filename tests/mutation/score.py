"""The workflows' mutation score: mutmut's mutants of scripts/, judged by the replayed suite.

    python -m tests.mutation.score              # every mutant (about 15 minutes on 2 cores)
    python -m tests.mutation.score --sample 20  # one mutant in 20, as the test suite checks
    python -m tests.mutation.score --readme README.md  # every mutant; the table into the README

mutmut writes its ``mutants/`` beside the code, so it runs in a copy of the repository
(``--keep DIR`` keeps it, for ``mutmut show`` and ``mutmut browse``). Which mutants, which
tests and which files are set in pyproject.toml's ``[tool.mutmut]``. Mutants listed in
``equivalent.txt`` behave as the original does, by the argument beside each; they count
neither way. A sample is fixed by the mutants' names (a hash of each), not drawn at random,
so a run is repeatable and changes only when the code does. Exits 1 below ``--floor``.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.readme import write_into

ROOT = Path(__file__).resolve().parents[2]
EQUIVALENT = Path(__file__).with_name("equivalent.txt")
FLOOR = 0.90
# mutmut's verdicts that mean a test noticed the mutant (a hang or a crash is noticed too).
KILLED = frozenset({"killed", "timeout", "segfault"})
NOT_RUN = "not checked"


@dataclass(frozen=True)
class Score:
    verdicts: dict[str, str]  # mutant name -> mutmut's verdict, equivalents left out
    equivalent_killed: tuple[str, ...]  # listed as equivalent, yet a test noticed them

    @property
    def killed(self) -> int:
        return sum(v in KILLED for v in self.verdicts.values())

    @property
    def rate(self) -> float:
        return self.killed / len(self.verdicts) if self.verdicts else 1.0

    @property
    def survivors(self) -> list[str]:
        return sorted(n for n, v in self.verdicts.items() if v not in KILLED)

    def per_file(self) -> list[tuple[str, int, int]]:
        """(file, killed, mutants) for each file of scripts/ that has mutants."""
        files: Counter[tuple[str, bool]] = Counter(
            (_file(n), v in KILLED) for n, v in self.verdicts.items())
        return [(file, files[file, True], files[file, True] + files[file, False])
                for file in sorted({f for f, _ in files})]

    def markdown(self, seconds: float) -> str:
        """The README's table: per file, then the run's size and time and the survivors."""
        lines = ["| `scripts/` | killed | of | rate |", "|---|---:|---:|---:|"]
        lines += [f"| `{file}` | {killed} | {total} | {killed / total:.1%} |"
                  for file, killed, total in self.per_file()]
        lines.append(f"| **all** | **{self.killed}** | **{len(self.verdicts)}** | "
                     f"**{self.rate:.1%}** |")
        lines += ["", f"Last full run: {len(self.verdicts)} mutants judged (the listed "
                      f"equivalents left out), {seconds / 60:.0f} minutes on this machine's 2 "
                      f"cores. Survivors: {', '.join(f'`{n}`' for n in self.survivors) or 'none'}."]
        return "\n".join(lines)

    def report(self) -> str:
        lines = [f"{'file':<24} {'killed':>7} {'of':>5}  rate"]
        lines += [f"{file:<24} {killed:>7} {total:>5}  {killed / total:.1%}"
                  for file, killed, total in self.per_file()]
        lines.append(f"{'all':<24} {self.killed:>7} {len(self.verdicts):>5}  {self.rate:.1%}")
        lines += [f"survived: {n} ({self.verdicts[n]})" for n in self.survivors]
        lines += [f"listed as equivalent but killed (take it off {EQUIVALENT.name}): {n}"
                  for n in self.equivalent_killed]
        return "\n".join(lines)


def _file(mutant: str) -> str:
    return mutant.split(".")[1] + ".py"


def equivalent_mutants(path: Path = EQUIVALENT) -> set[str]:
    """Names from ``equivalent.txt``: one per line, ``#`` starts the argument or a comment."""
    return {line.split("#", 1)[0].strip() for line in path.read_text().splitlines()} - {""}


def in_sample(mutant: str, one_in: int) -> bool:
    return int(hashlib.sha256(mutant.encode()).hexdigest(), 16) % one_in == 0


def workspace(into: Path) -> Path:
    """What mutmut needs of the repository: the code, the tests, the configuration."""
    ignore = shutil.ignore_patterns("__pycache__", "mutants", ".pytest_cache")
    for folder in ("scripts", "tests"):
        shutil.copytree(ROOT / folder, into / folder, ignore=ignore)
    shutil.copy2(ROOT / "pyproject.toml", into / "pyproject.toml")
    return into


def mutmut(workdir: Path, *args: str, check: bool = True) -> str:
    done = subprocess.run([sys.executable, "-m", "mutmut", *args], cwd=workdir, text=True,
                          capture_output=True, check=False)
    if check and done.returncode != 0:
        raise RuntimeError(f"mutmut {' '.join(args[:3])} failed ({done.returncode}):\n"
                           f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done.stdout


def verdicts(workdir: Path) -> dict[str, str]:
    """Every mutant mutmut made, with its verdict (``not checked`` until run)."""
    found = {}
    for line in mutmut(workdir, "results", "--all", "true").splitlines():
        name, sep, verdict = line.strip().partition(": ")
        if sep and name.startswith("scripts."):
            found[name] = verdict.strip()
    return found


def run(workdir: Path, one_in: int = 1) -> Score:
    """Run every mutant, or those of the sample, in ``workdir`` (made by ``workspace``)."""
    if one_in == 1:
        mutmut(workdir, "run")
    else:
        # mutmut names its mutants only once it has made them: a first run that matches none
        # makes them (and the map of tests to functions), then the sample is run by name.
        mutmut(workdir, "run", "no mutant has this name", check=False)
        names = [n for n in verdicts(workdir) if in_sample(n, one_in)]
        if not names:
            raise RuntimeError(f"mutmut made no mutants in {workdir}:\n"
                               + mutmut(workdir, "results", "--all", "true", check=False))
        mutmut(workdir, "run", *names)
    return score(verdicts(workdir), equivalent_mutants())


def score(found: dict[str, str], equivalent: Iterable[str]) -> Score:
    equivalent = set(equivalent)
    ran = {n: v for n, v in found.items() if v != NOT_RUN}
    return Score({n: v for n, v in ran.items() if n not in equivalent},
                 tuple(sorted(n for n, v in ran.items() if n in equivalent and v in KILLED)))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=1, metavar="N",
                        help="run one mutant in N (by a hash of its name); 1: all")
    parser.add_argument("--floor", type=float, default=FLOOR,
                        help=f"the lowest kill rate that passes (default {FLOOR})")
    parser.add_argument("--keep", type=Path, help="run in this folder and keep it")
    parser.add_argument("--readme", type=Path,
                        help="write the table into this README, between its markers")
    args = parser.parse_args(argv)
    started = time.monotonic()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=False)
        result = run(workspace(args.keep), args.sample)
    else:
        with tempfile.TemporaryDirectory(prefix="awstape-mutmut-") as folder:
            result = run(workspace(Path(folder)), args.sample)
    print(result.report())
    if args.readme:
        if args.sample != 1:
            raise SystemExit("--readme takes a full run's figures, not a sample's")
        write_into(args.readme, "tests/mutation/score.py",
                   result.markdown(time.monotonic() - started))
    passed = result.rate >= args.floor
    print(f"{'PASS' if passed else 'FAIL'}: {result.rate:.1%} of {len(result.verdicts)} "
          f"mutants killed (floor {args.floor:.0%})")
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
