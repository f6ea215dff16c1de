"""What the pytest plugin keeps for one session, and whether the session uses cassettes at
all: a session that does not is left as pytest-recording alone would run it."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from awstape.runtime import environment

if TYPE_CHECKING:
    from awstape.integrations.vcrpy_bridge import SharedFilePersister
    from awstape.redaction.rules import Rules
    from awstape.runtime.standin import StandIn
    from awstape.storage.manifest import Manifest

__all__ = ["PluginSession", "is_machinery", "is_xdist_controller", "on_standin",
           "uses_cassettes"]


@dataclass
class PluginSession:
    """What the plugin keeps for one pytest session: no module-level state."""

    root: Path
    uses_cassettes: bool
    standin: StandIn | None = None
    region: str = environment.DEFAULT_REGION  # the stand-in's, as the session found it
    # The AWS variables as the session found them, kept while a replay-only session runs
    # isolated: a test that records after all gets them back.
    real_environment: dict[str, str] | None = None
    cleanup: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)
    _rules: Rules | None = None
    _persister: SharedFilePersister | None = None
    _manifest: Manifest | None = None

    @property
    def manifest(self) -> Manifest:
        """What the run tells `awstape audit` and `awstape rerecord`."""
        if self._manifest is None:
            from awstape.storage.manifest import Manifest

            self._manifest = Manifest(str(self.root), [], [])
        return self._manifest

    @property
    def rules(self) -> Rules:
        if self._rules is None:
            from awstape.redaction import rules

            self._rules = rules.load(self.root)
        return self._rules

    @property
    def persister(self) -> SharedFilePersister:
        if self._persister is None:
            from awstape.integrations.vcrpy_bridge import SharedFilePersister

            self._persister = SharedFilePersister()
        return self._persister


# Folders never searched for cassettes: tools', packages', builds'.
_NOT_PROJECT = frozenset({"node_modules", "site-packages", "venv", "build", "dist",
                          "__pycache__"})


def uses_cassettes(config: pytest.Config) -> bool:
    """Whether this session may record or replay a cassette: an option says so (a record mode,
    the stand-in, awstape's own), the project configures awstape (``[tool.awstape]``), or it
    has a ``cassettes`` folder, the name pytest-recording gives them (a few levels deep).
    Otherwise awstape stays out of the way: no AWS library loaded, no environment changed,
    pytest not started again. (A marked test in such a session still plays its cassette.)"""
    arguments = " ".join(config.invocation_params.args)
    if any(option in arguments for option in ("--record-mode", "--aws-standin", "--awstape-")):
        return True
    with contextlib.suppress(OSError, UnicodeDecodeError):
        if "tool.awstape" in (config.rootpath / "pyproject.toml").read_text(encoding="utf-8"):
            return True
    root = str(config.rootpath)
    for folder, names, _ in os.walk(root):
        if "cassettes" in names:
            return True
        deep = folder[len(root):].count(os.sep) >= 4
        names[:] = [] if deep else [n for n in names
                                    if not n.startswith(".") and n not in _NOT_PROJECT]
    return False


# The recording machinery's own fixtures: pytest-recording's, awstape's, and pytest's
# pytestconfig. (pytest's other wider fixtures may run the user's code: setup_class is one.)
_MACHINERY = ("pytest_recording.", "awstape.", "_pytest.fixtures.")


def is_machinery(fixturedef: Any) -> bool:
    """Whether a fixture is the recording machinery's own: it makes no AWS call, and takes
    ``vcr`` only to run it."""
    module = str(getattr(getattr(fixturedef, "func", None), "__module__", ""))
    return f"{module}.".startswith(_MACHINERY)


def is_xdist_controller(config: pytest.Config) -> bool:
    """pytest-xdist's controlling process, which runs no test (its workers have ``workerinput``)."""
    return (config.pluginmanager.has_plugin("xdist") and not hasattr(config, "workerinput")
            and config.getoption("dist", "no") != "no")


@contextlib.contextmanager
def on_standin(session: PluginSession) -> Iterator[None]:
    """The stand-in's AWS environment (its endpoint, dummy credentials, any profile found),
    while the block runs, when the session records on one."""
    if session.standin is None:
        yield
        return
    with (environment.isolation(session.region, session.standin.endpoint_url),
          environment.any_profile()):
        yield
