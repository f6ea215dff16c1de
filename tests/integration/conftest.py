"""Integration fixtures: cassettes under fixtures/mock_responses, a real PostgreSQL, a
deterministic namespace per test, and cleanup that is recorded with the test.

Record (against the AWS stand-in, or against AWS with credentials):

    pytest tests/integration --record-mode=once --aws-standin

Replay (the default, as in CI): no credentials, no network but the local PostgreSQL.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml

from scripts import local_postgres

FIXTURES = Path(__file__).parent / "fixtures"
TEST_DATA = FIXTURES / "test_data"
REQUESTS = TEST_DATA / "requests"


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    """fixtures/mock_responses/<test module>/<test>.yaml"""
    return str(FIXTURES / "mock_responses" / request.module.__name__.rsplit(".", 1)[-1])


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    # The test PostgreSQL on loopback stays reachable in replay; nothing else does.
    return {"allowed_hosts": ["127.0.0.1"]}


@pytest.fixture
def isolated_namespace(awstape_random: random.Random) -> str:
    """A unique namespace per test, from the seed kept in its cassette: the same at replay."""
    return f"test-{awstape_random.getrandbits(32):08x}"


@pytest.fixture
def cleanup(awstape: Any) -> Iterator[Callable[[Callable[[], Any]], None]]:
    """Register undo steps; they run after the test, inside its cassette, newest first."""
    steps: list[Callable[[], Any]] = []
    yield steps.append
    for step in reversed(steps):
        step()


@pytest.fixture(scope="session")
def postgres() -> Iterator[local_postgres.LocalPostgres]:
    """A real PostgreSQL on loopback for the session, in recording and in replay alike."""
    with local_postgres.running() as database:
        yield database


Main = Callable[[Sequence[str]], int]
Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Cli:
    """Runs a workflow's ``main(argv)`` in this process: (exit code, stdout, stderr)."""
    def run(main: Main, *argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err
    return run


def request_file(folder: Path, source: str, **changes: Any) -> str:
    """A copy of a committed request in ``folder``, top-level sections changed (a mapping is
    merged one level down)."""
    document = yaml.safe_load((REQUESTS / source).read_text())
    for key, value in changes.items():
        document[key] = {**document.get(key, {}), **value} if isinstance(value, dict) else value
    path = folder / source
    path.write_text(yaml.safe_dump(document))
    return str(path)
