"""Helpers to run pytest on a user's test file in a subprocess, as users run it."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from awstape.runtime import offline as awstape_offline


@dataclass
class Run:
    returncode: int
    output: str

    def assert_outcomes(self, passed: int = 0, failed: int = 0, errors: int = 0) -> None:
        summary = self.output.strip().splitlines()[-1] if self.output.strip() else ""
        for count, word in ((passed, "passed"), (failed, "failed"), (errors, "error")):
            if count:
                assert f"{count} {word}" in summary, self.output
            else:
                assert f" {word}" not in summary, self.output


class Project:
    """A throwaway project folder holding a user's test files and cassettes."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def write(self, name: str, text: str) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path

    def cassette(self, module: str, test: str) -> Path:
        return self.root / "cassettes" / module / f"{test}.yaml"

    def load(self, module: str, test: str) -> dict:
        return json.loads(self.cassette(module, test).read_text())

    def save(self, module: str, test: str, document: dict) -> None:
        self.cassette(module, test).parent.mkdir(parents=True, exist_ok=True)
        self.cassette(module, test).write_text(json.dumps(document, indent=2))

    def pytest(self, *args: str, offline: bool = False, env: dict[str, str] | None = None,
               timeout: float = 120) -> Run:
        """Run pytest here. ``offline``: every AWS variable unset, in an empty network namespace."""
        return self.run(sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args,
                        offline=offline, env=env, timeout=timeout)

    def run(self, program: str, *args: str, offline: bool = False,
            env: dict[str, str] | None = None, timeout: float = 120) -> Run:
        """Run a command here (``awstape`` and ``python`` are this venv's) with the AWS
        variables unset."""
        environment = awstape_offline.environment_without_aws()
        environment.pop("CI", None)
        environment.pop("PYTHONHASHSEED", None)  # as a user's shell has it, not as ours fixed it
        environment.update(env or {})
        if program == "awstape":
            program = str(Path(sys.executable).parent / "awstape")
        elif program == "python":
            program = sys.executable
        command = [program, *args]
        if offline:
            # An empty network namespace: only loopback exists, and nothing else is reachable.
            assert awstape_offline.namespaces_allowed(), "these tests need unshare -n (root)"
            command = awstape_offline.in_empty_network(command)[0]
        done = subprocess.run(command, cwd=self.root, env=environment, capture_output=True,
                              text=True, timeout=timeout, check=False)
        return Run(done.returncode, done.stdout + done.stderr)


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return Project(tmp_path)
