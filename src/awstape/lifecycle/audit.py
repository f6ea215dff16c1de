"""``awstape audit``: stale cassettes, orphans, tests without a cassette, stand-in recordings.

Which cassette each test uses is asked of pytest itself (``--awstape-list``: the fixtures that
place cassettes run, the tests do not), so overridden cassette folders are honoured.
"""

from __future__ import annotations

import datetime as _dt
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

from awstape.model.errors import AwstapeError
from awstape.storage import fileformat
from awstape.storage.manifest import ListedCassette, Manifest

__all__ = ["KINDS", "Finding", "FindingKind", "audit", "narrowed", "used_cassettes"]

FindingKind = Literal["stale", "orphan", "missing", "standin"]
KINDS: tuple[FindingKind, ...] = get_args(FindingKind)


@dataclass(frozen=True)
class Finding:
    kind: FindingKind
    where: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind:8} {self.where}: {self.detail}"


def used_cassettes(pytest_args: Sequence[str], root: Path) -> list[ListedCassette]:
    with tempfile.TemporaryDirectory() as tmp:
        listing = Path(tmp) / "cassettes.json"
        done = subprocess.run(
            [sys.executable, "-m", "pytest", *pytest_args, f"--awstape-list={listing}",
             "-p", "no:cacheprovider", "-q"], cwd=root, capture_output=True, text=True,
            check=False)
        if not listing.is_file():
            raise AwstapeError("awstape audit: pytest did not list the tests' cassettes "
                               f"(exit {done.returncode}):\n{done.stdout[-2000:]}"
                               f"{done.stderr[-2000:]}")
        return Manifest.read(listing).listed


# pytest options that pick some tests of a file: a cassette beside theirs is no orphan.
_PICKING = ("-k", "-m", "--deselect", "--lf", "--last-failed", "--ff", "--failed-first",
            "--sw", "--stepwise")


def narrowed(pytest_args: Sequence[str]) -> str:
    """How the pytest arguments narrow the view: "" (every test), "files" (some test files,
    each whole: orphans are judged in their cassette folders only) or "tests" (some tests of
    a file: orphans are not judged)."""
    if any(arg.startswith(_PICKING) or "::" in arg for arg in pytest_args):
        return "tests"
    return "files" if any(not arg.startswith("-") for arg in pytest_args) else ""


def audit(pytest_args: Sequence[str], root: Path, *, max_age_days: int,
          now: _dt.datetime | None = None) -> list[Finding]:
    now = now or _dt.datetime.now(_dt.UTC)
    tests = used_cassettes(pytest_args, root)
    used = {Path(t.cassette) for t in tests}
    findings = [Finding("missing", t.test, f"no cassette at {_short(t.cassette, root)}"
                                           "; record it with --record-mode=once")
                for t in tests if not t.exists]
    # The folders that hold the tests' cassettes (one per test module), and, when every test
    # was asked about, their parents (a deleted module's folder is there).
    view = narrowed(pytest_args)
    folders = {p.parent for p in used} if view == "files" else \
        set() if view == "tests" else {p.parent for p in used} | {p.parent.parent for p in used}
    on_disk = {p.resolve() for folder in folders if folder.is_dir()
               for p in folder.rglob("*.yaml") if fileformat.BODIES_DIR not in p.parts}
    for path in sorted(on_disk - used):
        findings.append(Finding("orphan", _short(path, root), "no test uses this cassette; "
                                "delete it, or restore the test that used it"))
    for path in sorted(p for p in used if p.is_file()):
        try:
            recorded = fileformat.load_document(path).get("recorded") or {}
        except AwstapeError as error:
            findings.append(Finding("stale", _short(path, root), f"unreadable: {error}"))
            continue
        when = _date(recorded.get("verified")) or _date(recorded.get("at"))
        if when is None or (now - when).days > max_age_days:
            age = f"{(now - when).days} days old" if when else "no recording date"
            findings.append(Finding("stale", _short(path, root),
                                    f"{age} (limit {max_age_days}); re-record it"))
        if recorded.get("against", "aws") != "aws":
            findings.append(Finding("standin", _short(path, root),
                                    f"recorded against {recorded.get('against')}, not AWS"))
    return findings


def _date(text: object) -> _dt.datetime | None:
    try:
        parsed = _dt.datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=_dt.UTC)


def _short(path: object, root: Path) -> str:
    full = Path(str(path))
    return str(full.relative_to(root)) if full.is_relative_to(root) else str(full)
