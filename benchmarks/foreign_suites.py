"""Foreign code as the yardstick: moto's own boto3 test suites, recorded and replayed.

For a moto checkout (a git directory, e.g. the one the search tool's ``fetch github:getmoto/moto``
gives) and a list of service test folders, each test is marked ``vcr`` by a root conftest; then,
once with awstape and once with plain pytest-recording/vcrpy (``-p no:awstape``), side by side:

1. record against a moto server started here (moto's own server mode: ``TEST_SERVER_MODE``);
2. replay offline, in an empty network namespace, with every AWS variable unset;
3. report, per service, the share of record-passing tests that also pass at replay (only
   those are replayed), and the replay failures grouped by cause.

Tests that need Docker or other hosts are left out (``-m "not requires_docker and not network"``).

    python -m benchmarks.foreign_suites --moto /work/.mirror/getmoto+moto/repo sts kms sqs

It needs moto's test dependencies (``freezegun``, ``pyotp``, ``pycognito``), which it installs
when missing.
Each service runs in pytest processes of its own. Exit 0 when awstape replays at least as much
as vcrpy for every service, else 1.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import importlib.util
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from awstape.runtime import offline, standin

MODES = {"awstape": [], "vcrpy": ["-p", "no:awstape"]}
CONFTEST = '''
import os

import pytest


def junit_name(nodeid):  # as pytest's junitxml names a test: classname::name
    path, *rest = nodeid.split("::")
    return ".".join([path.removesuffix(".py").replace("/", "."), *rest[:-1]]) + "::" + rest[-1]


def pytest_collection_modifyitems(config, items):
    for item in items:
        item.add_marker(pytest.mark.vcr)
    kept = os.environ.get("FOREIGN_SUITES_ONLY")  # at replay: the tests that passed at record
    if kept:
        wanted = set(open(kept).read().splitlines())
        items[:], left = ([i for i in items if junit_name(i.nodeid) in wanted],
                          [i for i in items if junit_name(i.nodeid) not in wanted])
        config.hook.pytest_deselected(items=left)
'''
_NOISE = re.compile(r"0x[0-9a-f]+|[0-9a-f]{8}-[0-9a-f-]{27}|\d+|'[^']*'|\"[^\"]*\"")


@dataclass
class Outcome:
    passed: set[str] = field(default_factory=set)
    failures: dict[str, str] = field(default_factory=dict)  # test -> first line of the cause
    uncollected: set[str] = field(default_factory=set)  # modules that import what is left out
    seconds: float = 0.0


def export_tests(moto_git: Path, into: Path) -> None:
    """moto's whole ``tests/`` tree (test modules import helpers from other services' folders)
    from the git directory or a plain checkout; only the folders asked for are run."""
    if (moto_git / "tests").is_dir():
        shutil.copytree(moto_git / "tests", into / "tests")
        return
    archive = subprocess.run(["git", f"--git-dir={moto_git}", "archive", "HEAD", "tests"],
                             capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")


def run_pytest(root: Path, service: str, mode: str, endpoint: str, python: str,
               only: set[str] | None = None) -> Outcome:
    """Record (``only`` None), or replay the tests in ``only``: a test that failed at record
    is not replayed, so that what it leaves behind (a mock started and never stopped) cannot
    change the figures of the tests after it."""
    record = only is None
    report = root / f"junit-{mode}-{service}-{'record' if record else 'replay'}.xml"
    command = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p",
               "no:randomly", *MODES[mode], "--junitxml", str(report), "-o",
               "addopts=", "-m", "not requires_docker and not network",
               "--continue-on-collection-errors",
               "--record-mode", "once" if record else "none",
               f"tests/test_{service}"]
    env = offline.environment_without_aws()
    env.update({"TEST_SERVER_MODE": "true", "TEST_SERVER_MODE_ENDPOINT": endpoint,
                "MOTO_CALL_RESET_API": "true"})
    if record:
        env.update({"AWS_ACCESS_KEY_ID": "AKIAAWSTAPEDUEXAMPLE", "AWS_DEFAULT_REGION": "us-east-1",
                    "AWS_SECRET_ACCESS_KEY": "awstape/foreign/suites/not/a/real/key/0000"})
    else:
        listed = root / f"only-{mode}-{service}.txt"
        listed.write_text("\n".join(sorted(only or ())) + "\n")
        env["FOREIGN_SUITES_ONLY"] = str(listed)
        command = offline.in_empty_network(command)[0]
    started = time.perf_counter()
    subprocess.run(command, cwd=root, env=env, capture_output=True, check=False)
    outcome = read_junit(report)
    outcome.seconds = time.perf_counter() - started
    return outcome


def read_junit(report: Path) -> Outcome:
    outcome = Outcome()
    if not report.is_file():
        return outcome
    tree = ElementTree.parse(report)
    outcome.seconds = sum(float(suite.get("time") or 0) for suite in tree.iter("testsuite"))
    for case in tree.iter("testcase"):
        name = f"{case.get('classname')}::{case.get('name')}"
        if not case.get("classname"):  # a module that could not be collected
            outcome.uncollected.add(str(case.get("name")))
            continue
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        if problem is not None:
            message = (problem.get("message") or problem.text or "").strip().splitlines()
            outcome.failures[name] = message[0][:200] if message else "(no message)"
        elif case.find("skipped") is None:
            outcome.passed.add(name)
    return outcome


def cause(message: str) -> str:
    return _NOISE.sub("#", message)[:110]


@contextlib.contextmanager
def moto_server() -> Iterator[str]:
    with standin.running() as server:
        yield server.endpoint_url


def ensure_test_dependencies() -> None:
    missing = [m for m in ("freezegun", "pyotp", "pycognito")
               if importlib.util.find_spec(m) is None]
    if missing:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", *missing], check=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.foreign_suites")
    parser.add_argument("--moto", type=Path, required=True,
                        help="a moto git directory (or checkout) holding tests/")
    parser.add_argument("--keep", type=Path, help="work here and keep it (default: a temp dir)")
    parser.add_argument("--python", default=sys.executable,
                        help="the interpreter whose awstape runs the suites (another venv's, "
                             "to compare two versions); default: this one")
    parser.add_argument("--only", choices=MODES, help="run one side only (no comparison)")
    parser.add_argument("--report", action="store_true",
                        help="run nothing: report from the junit files kept in --keep (both "
                             "sides, e.g. after one --only run of each)")
    parser.add_argument("services", nargs="+", help="moto test folders: sts kms sqs ...")
    args = parser.parse_args(argv)
    ensure_test_dependencies()
    work = args.keep or Path(tempfile.mkdtemp(prefix="awstape-foreign-"))
    modes = [args.only] if args.only else list(MODES)
    results: dict[tuple[str, str], tuple[Outcome, Outcome]] = {}
    if args.report:
        if args.keep is None:
            parser.error("--report reads the runs kept in --keep DIR")
        return report({(mode, service): _kept(work / mode, mode, service)
                       for mode in modes for service in args.services}, modes, args.services)
    try:
        for mode in modes:
            root = work / mode
            export_tests(args.moto, root)
            (root / "conftest.py").write_text(CONFTEST)
            # One pytest process per service and phase: what one service's tests leave behind
            # (a patch not undone) cannot change another service's figures.
            for service in args.services:
                with moto_server() as endpoint:
                    recorded = run_pytest(root, service, mode, endpoint, args.python)
                replayed = run_pytest(root, service, mode, endpoint, args.python,
                                      only=recorded.passed)
                results[(mode, service)] = (recorded, replayed)
        return report(results, modes, args.services)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


def _kept(root: Path, mode: str, service: str) -> tuple[Outcome, Outcome]:
    return (read_junit(root / f"junit-{mode}-{service}-record.xml"),
            read_junit(root / f"junit-{mode}-{service}-replay.xml"))


def report(results: dict[tuple[str, str], tuple[Outcome, Outcome]], modes: Sequence[str],
           services: Sequence[str]) -> int:
    print(f"{'service':14} " + " ".join(f"{mode:>22}" for mode in modes))
    worse = 0
    totals = {mode: [0, 0] for mode in modes}
    for service in services:
        cells = []
        rates = {}
        for mode in modes:
            recorded, replayed = results[(mode, service)]
            kept = recorded.passed & replayed.passed
            totals[mode][0] += len(kept)
            totals[mode][1] += len(recorded.passed)
            rates[mode] = len(kept) / len(recorded.passed) if recorded.passed else 1.0
            cells.append(f"{len(kept):5}/{len(recorded.passed):<5} {rates[mode]:7.1%}")
        worse += len(rates) == 2 and rates["awstape"] < rates["vcrpy"]
        print(f"{service:14} " + " ".join(f"{cell:>22}" for cell in cells))
    print(f"{'all':14} " + " ".join(
        f"{k:5}/{n:<5} {k / n if n else 1:7.1%}".rjust(22) for k, n in totals.values()))
    left_out = sorted(set().union(*(results[(modes[0], s)][0].uncollected for s in services)))
    if left_out:
        print("\nnot collected (see the junit reports for why): "
              + ", ".join(left_out))
    for mode in modes:
        pairs = [results[(mode, service)] for service in services]
        causes = collections.Counter(cause(replayed.failures.get(t, "(not run at replay)"))
                                     for recorded, replayed in pairs
                                     for t in recorded.passed - replayed.passed)
        print(f"\n{mode}: record {sum(r.seconds for r, _ in pairs):.0f} s, replay "
              f"{sum(p.seconds for _, p in pairs):.0f} s; replay failures by cause:")
        for text, count in causes.most_common(15):
            print(f"  {count:5}  {text}")
        for recorded, replayed in pairs:
            for test in sorted(recorded.passed - replayed.passed):
                print(f"    {test}: {replayed.failures.get(test, '(not run at replay)')[:150]}")
    return 1 if worse else 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    raise SystemExit(main())
