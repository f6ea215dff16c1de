"""awstape works with the lowest versions it declares: the bounds in pyproject.toml are what it
needs (vcrpy 6 breaks on urllib3 2; botocore 1.43.73 brings AWSPreparedRequest.context).

A venv of its own gets each dependency at its lower bound, and runs the unit tests and the
record/replay, guard and vcrpy tests there."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SUITE = ("tests/unit", "tests/framework/test_record_replay.py",
         "tests/framework/test_guards.py", "tests/framework/test_vcrpy_compat.py")
_LOWER = re.compile(r"^([A-Za-z0-9_.\[\]-]+)>=([^,]+)")


def lowest() -> list[str]:
    """Each declared dependency pinned to its lower bound."""
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pins = []
    for requirement in declared:
        found = _LOWER.match(requirement)
        assert found, f"{requirement}: every dependency declares a lower bound"
        pins.append(f"{found.group(1)}=={found.group(2)}")
    return pins


def test_the_suite_passes_at_the_lowest_declared_versions(tmp_path: Path) -> None:
    where = tmp_path / "venv"
    venv.create(where, with_pip=True)
    python = str(where / "bin" / "python")
    pip = [python, "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    for command in ([*pip, *lowest(), "moto[server]==5.2.5"], [*pip, "--no-deps", str(ROOT)]):
        done = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    run = subprocess.run(
        [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", *SUITE,
         # import-linter is a dev tool, not installed at the lowest versions.
         "--deselect", "tests/unit/test_architecture.py::test_import_contracts_hold"],
        cwd=ROOT, capture_output=True, text=True, timeout=1800, check=False)
    assert run.returncode == 0, run.stdout[-5000:] + run.stderr[-2000:]
    assert sys.executable != python
