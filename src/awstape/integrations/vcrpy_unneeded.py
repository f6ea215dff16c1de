"""When a marked test needs none of vcrpy's cassette machinery.

pytest-recording opens a vcrpy cassette for every marked test, and vcrpy patches a dozen HTTP
libraries on the way in and out: about 2 ms a test. awstape answers the AWS calls itself, so
in replay vcrpy serves only plain HTTP; when the test's awstape cassette holds none, vcrpy has
nothing to answer, and a plain request would be refused either way: awstape's network guard
stops it at the socket, in awstape's words. Such a test skips vcrpy (its ``vcr`` fixture is
None, as under ``--disable-recording``), unless something could tell: a test or fixture that
asks for ``vcr``, extra cassettes named in the marker, or a serializer or path transformer of
the user's, which pytest-recording would use to find the file.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from awstape.storage import fileformat

__all__ = ["replay_without_vcrpy"]

# vcrpy settings that decide where the cassette is or how it is read: with any of them, the
# file is pytest-recording's to find.
_FINDING = frozenset({"serializer", "path_transformer", "cassette_library_dir", "persister"})
_LONGEST_NAME = 255  # pytest-recording shortens longer names (as the file system needs)


def replay_without_vcrpy(request: pytest.FixtureRequest, mode: str, markers: Sequence[Any],
                         vcr_config: Mapping[str, Any]) -> bool:
    """Whether the test's ``vcr`` fixture can skip vcrpy: a replay of an awstape cassette that
    holds no plain HTTP, found where pytest-recording would look by default."""
    if mode not in ("none", "once") or any(marker.args for marker in markers):
        return False
    settings = {*vcr_config, *(key for marker in markers for key in marker.kwargs)}
    if settings & _FINDING or _asks_for_vcr(request.node):
        return False
    name = str(request.getfixturevalue("default_cassette_name"))
    if len(name) + len(".yaml") > _LONGEST_NAME:
        return False
    path = Path(request.getfixturevalue("vcr_cassette_dir"), f"{name}.yaml")
    # None yet (once: recorded through vcrpy), vcrpy's own, or one with plain HTTP: vcrpy's.
    return path.is_file() and fileformat.lacks_section(path, "http")


def _asks_for_vcr(item: pytest.Item) -> bool:
    """Whether the test, or a fixture it uses other than pytest-recording's and awstape's,
    takes the ``vcr`` fixture."""
    function = getattr(item, "function", None)
    if function is not None and "vcr" in inspect.signature(function).parameters:
        return True
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return True  # cannot tell: keep vcrpy
    for name, definitions in info.name2fixturedefs.items():
        if name in ("vcr", "awstape"):
            continue
        for definition in definitions:
            if "vcr" in definition.argnames and not _is_pytest_recordings(definition):
                return True
    return False


def _is_pytest_recordings(definition: Any) -> bool:
    return str(getattr(definition.func, "__module__", "")).startswith("pytest_recording")
