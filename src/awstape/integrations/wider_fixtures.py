"""AWS calls in class- and module-scoped fixtures (``setup_class`` making a table, a module
fixture making a bucket), kept in a cassette of their own.

Such a fixture is set up before the first test that needs it, outside that test's cassette, and
torn down after the last one. While it sets up and while it tears down, a cassette named after
it plays (``cassettes/<module>/<Class>.<fixture>.yaml``), in the record mode of the test that
needed it: the same calls at replay get the same answers, and its randomness is seeded like a
test's. Plain HTTP it makes (a stand-in's reset) goes through vcrpy into the same file, as a
test's does. Its recorded calls may be left unplayed (a teardown that failed to run at replay).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from awstape.integrations import vcrpy_bridge
from awstape.model.errors import AwstapeError, NetworkBlocked
from awstape.runtime import engine
from awstape.runtime.recording import RecordMode, use_cassette

__all__ = ["cassette_path", "played_around"]


def cassette_path(item: pytest.Item, request: pytest.FixtureRequest, fixture: str) -> Path:
    """Beside the tests' own cassettes, as pytest-recording places them by default."""
    module = Path(str(item.path))
    return module.parent / "cassettes" / module.stem / f"{request.node.name}.{fixture}.yaml"


def played_around(fixturedef: Any, path: Path, mode: RecordMode,
                  options: dict[str, Any]) -> Generator[None, Any, Any]:
    """The body of a ``pytest_fixture_setup`` wrapper: the fixture's setup plays ``path``, and
    so does its teardown (finalizers around the fixture's own)."""
    teardown = contextlib.ExitStack()

    def stop() -> None:  # registered first, so run last: after the fixture's own teardown
        _settled(teardown.close)

    def start() -> None:  # registered after the fixture's own teardown, so run before it
        if engine.active() is None:
            # What setup recorded is there now: teardown's calls are added to it.
            again: RecordMode = "none" if mode == "none" else "new_episodes"
            teardown.enter_context(_played(path, again, options))

    fixturedef.addfinalizer(stop)
    with _played(path, mode, options):
        result = yield
    fixturedef.addfinalizer(start)
    return result


@contextlib.contextmanager
def _played(path: Path, mode: RecordMode, options: dict[str, Any]) -> Iterator[None]:
    """The fixture's cassette in play: its AWS calls by awstape, its plain HTTP by vcrpy."""
    import vcr

    persister = vcrpy_bridge.SharedFilePersister()
    persister.claimed.add(str(path))
    recorder = vcr.VCR(record_mode="all" if mode == "rewrite" else mode,
                       before_record_request=vcrpy_bridge.request_hook(),
                       before_record_response=vcrpy_bridge.response_hook())
    vcrpy_bridge.configure(recorder, persister)
    with recorder.use_cassette(str(path)):
        try:
            with use_cassette(path, mode, allow_unused=True, **options) as use:
                yield
        except BaseException:
            persister.discard_saves = True  # as awstape writes nothing for a failed fixture
            raise
        # vcrpy saves next, into the file awstape has just written, swept the same way
        persister.redactor = use.tape.redactor


def _settled(close: Callable[[], None]) -> None:
    try:
        close()
    except (AwstapeError, NetworkBlocked) as error:
        failure = str(error)
    else:
        return
    pytest.fail(failure, pytrace=False)
