"""The integration suite's committed cassettes replay in an empty network namespace, with every
AWS variable unset and no test skipped; the RDS tests reach only their own local PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from awstape.runtime import offline

ROOT = Path(__file__).resolve().parents[2]


def test_integration_suite_replays_offline() -> None:
    cassettes = list((ROOT / "tests" / "integration" / "fixtures" / "mock_responses")
                     .glob("*/*.yaml"))
    assert len(cassettes) >= 6
    env = offline.environment_without_aws()
    env.pop("CI", None)
    assert offline.namespaces_allowed()
    command, _ = offline.in_empty_network(
        [sys.executable, "-m", "pytest", "tests/integration", "-p", "no:cacheprovider", "-q"])
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    summary = done.stdout.strip().splitlines()[-1]
    assert done.returncode == 0, done.stdout + done.stderr
    assert "passed" in summary and "skipped" not in summary and "failed" not in summary
