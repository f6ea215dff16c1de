"""``awstape rerecord``: record the suite again, keep only what passed, and report the drift.

The tests run in record mode with their cassettes written to a staging area, never in place.
Afterwards each cassette whose test passed is compared with the committed one: with drift it
replaces it (atomically); without, the committed file stays and only its ``verified`` date
moves. A failed test, an interrupted run or a crash leaves every committed cassette as it was.
Exit codes: 0 no drift, 1 drift, 2 errors (a test failed, the run broke).
"""

from __future__ import annotations

import datetime as _dt
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from awstape.lifecycle import drift
from awstape.lifecycle.drift import Change
from awstape.model.errors import AwstapeError
from awstape.redaction import rules
from awstape.storage import fileformat
from awstape.storage.manifest import STAGING_MANIFEST, Manifest

__all__ = ["Outcome", "bring_in", "run", "swap"]


@dataclass
class Outcome:
    changes: list[Change] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    verified: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # their test failed: not touched
    errors: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 2 if self.errors or self.kept else 1 if self.changes else 0

    def summary(self) -> str:
        return (f"awstape rerecord: {len(self.updated)} cassette(s) updated (drift), "
                f"{len(self.verified)} verified unchanged, {len(self.added)} added, "
                f"{len(self.kept)} kept because their test failed"
                + (f"; {len(self.errors)} error(s)" if self.errors else ""))


def run(pytest_args: Sequence[str], *, root: Path, standin: bool = False,
        staging: Path | None = None, report_dir: Path | None = None) -> Outcome:
    if staging is None:  # ours to make, and to remove whatever happens
        with tempfile.TemporaryDirectory(prefix="awstape-rerecord-") as folder:
            return run(pytest_args, root=root, standin=standin, staging=Path(folder),
                       report_dir=report_dir)
    command = [sys.executable, "-m", "pytest", *pytest_args, "--record-mode=rewrite",
               f"--awstape-staging={staging}", "-p", "no:cacheprovider", "-v"]
    if standin:
        command.append("--aws-standin")
    print(f"awstape rerecord: {' '.join(command[2:])}", flush=True)
    process = subprocess.Popen(command, cwd=root)
    try:
        returncode = process.wait()
    except KeyboardInterrupt:
        process.terminate()
        process.wait()
        outcome = Outcome(errors=["interrupted: no cassette was replaced"])
        print(outcome.errors[0], file=sys.stderr)
        return outcome
    outcome = swap(staging, root)
    if returncode not in (0, 1) and not outcome.errors:  # 1: some tests failed, listed as kept
        outcome.errors.append(f"pytest exited with code {returncode}")
    _report(outcome, report_dir or root / ".awstape")
    return outcome


def swap(staging: Path, root: Path) -> Outcome:
    """Bring the staged cassettes of passed tests into place; report what changed."""
    outcome = Outcome()
    try:
        manifest = Manifest.read(staging / STAGING_MANIFEST)
    except AwstapeError as error:
        outcome.errors.append(f"no readable staging manifest in {staging} ({error}): the run "
                              "ended before any test finished; nothing was replaced")
        return outcome
    now = _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()
    secrets = rules.load(root)
    for entry in manifest.staged:
        committed, staged = Path(entry.cassette), Path(entry.staged)
        name = str(committed.relative_to(root)) if committed.is_relative_to(root) \
            else str(committed)
        if not entry.passed:
            outcome.kept.append(name)
            continue
        if not staged.is_file():
            continue
        try:
            if not committed.is_file():
                outcome.changes.append(Change(name, "cassette-added"))
                bring_in(staged, committed)
                outcome.added.append(name)
                continue
            changes = drift.diff_files(committed, staged, name, secrets)
        except Exception as error:  # a cassette that cannot be read: say which, go on
            outcome.errors.append(f"{name}: {error}")
            continue
        if changes:
            outcome.changes += changes
            bring_in(staged, committed)
            outcome.updated.append(name)
        else:
            _verified(committed, now)
            outcome.verified.append(name)
    return outcome


def bring_in(staged: Path, committed: Path) -> None:
    bodies = staged.parent / fileformat.BODIES_DIR
    if bodies.is_dir():  # content-addressed: copying never overwrites a different body
        target = committed.parent / fileformat.BODIES_DIR
        target.mkdir(parents=True, exist_ok=True)
        for body in bodies.iterdir():
            if not (target / body.name).exists():
                shutil.copyfile(body, target / body.name)
    fileformat.write_atomically(committed, staged.read_bytes())


def _verified(committed: Path, now: str) -> None:
    document = fileformat.load_document(committed)
    document.setdefault("recorded", {})["verified"] = now
    fileformat.write_atomically(committed, fileformat.dumps(document))


def _report(outcome: Outcome, report_dir: Path) -> None:
    markdown = drift.as_markdown(outcome.changes) + "\n" + outcome.summary() + "\n"
    if outcome.kept:
        markdown += "\nKept as they were (their test failed): " + ", ".join(
            f"`{k}`" for k in outcome.kept) + "\n"
    report_dir.mkdir(parents=True, exist_ok=True)
    (report_dir / "drift.md").write_text(markdown)
    (report_dir / "drift.json").write_text(drift.as_json(outcome.changes))
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as f:
            f.write(markdown)
    print(markdown)
    print(f"report: {report_dir / 'drift.md'}, {report_dir / 'drift.json'}")
