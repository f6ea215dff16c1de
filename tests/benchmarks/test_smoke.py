"""The benchmarks run and give their verdicts (a smoke run at small sizes: their figures are
measured by running them, not here)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_secrets_benchmark_runs_and_says_whether_its_goal_holds() -> None:
    done = subprocess.run([sys.executable, "-m", "benchmarks.secrets", "--count", "20",
                           "--rounds", "1"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    verdict = "holds" if done.returncode == 0 else "FAILS"
    assert f"- {verdict}: replay, secrets vs plain values:" in done.stdout, done.stdout
    assert "| secrets (SecureString) |" in done.stdout and "| plain (String) |" in done.stdout


def test_pytest_starts_within_1_1x_of_its_time_without_awstape() -> None:
    # The figure itself is asserted: a ratio of two medians measured side by side, in one run.
    done = subprocess.run([sys.executable, "-m", "benchmarks.startup", "--rounds", "31"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert "- holds: start-up with awstape vs without" in done.stdout, done.stdout + done.stderr
    assert done.returncode == 0


def test_the_replay_benchmark_runs_and_gives_a_verdict_for_each_target() -> None:
    done = subprocess.run([sys.executable, "-m", "benchmarks.replay", "--sizes", "10,50",
                           "--calls", "5", "--rounds", "1"], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    verdicts = [line for line in done.stdout.splitlines() if line.startswith("- ")]
    assert len(verdicts) == 4 and all(v.startswith(("- holds", "- FAILS")) for v in verdicts)
    assert done.returncode == int(any(v.startswith("- FAILS") for v in verdicts))
    assert "| unsigned floor |" in done.stdout and "| loaded: awstape KB/interaction |" in \
        done.stdout
    assert "memory per interaction of a loaded cassette, 50 interactions: " in done.stdout
    # cassetter where it installs, with its matching said beside its figures; else why not
    assert ("| cassetter |" in done.stdout and "wrong when calls come out of order"
            in done.stdout) or "Not measured: cassetter" in done.stdout


def test_the_s3_bodies_benchmark_runs_and_writes_its_table_into_a_readme(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("before\n<!-- benchmarks/s3_bodies.py: begin -->\nSTALE TABLE\n"
                      "<!-- benchmarks/s3_bodies.py: end -->\nafter\n")
    done = subprocess.run([sys.executable, "-m", "benchmarks.s3_bodies", "--sizes-mb", "1,2",
                           "--reads", "1", "--rounds", "1", "--readme", str(readme)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    verdict = "holds" if done.returncode == 0 else "FAILS"
    assert f"- {verdict}: a 2 MB get_object, awstape vs the unsigned floor:" in done.stdout
    written = readme.read_text()
    assert "STALE TABLE" not in written and "| 2 MB |" in written
    assert written.startswith("before\n") and written.endswith("end -->\nafter\n")


def test_the_suite_benchmark_records_replays_and_gives_its_verdicts() -> None:
    done = subprocess.run([sys.executable, "-m", "benchmarks.suite", "--tests", "2",
                           "--rounds", "1"], cwd=ROOT, capture_output=True, text=True,
                          timeout=600, check=False)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    verdicts = [line for line in done.stdout.splitlines()
                if line.startswith(("- holds", "- FAILS"))]
    assert len(verdicts) == 4, done.stdout
    assert done.returncode == int(any(v.startswith("- FAILS") for v in verdicts))
    for run in ("record: awstape", "record: vcrpy", "replay: awstape", "replay: vcrpy",
                "replay: floor", "one call: awstape", "one call: unsigned floor"):
        assert f"| {run} |" in done.stdout
