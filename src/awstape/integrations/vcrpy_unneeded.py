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
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from awstape.integrations.pytest_session import is_machinery
from awstape.storage import fileformat

__all__ = ["default_path", "replay_without_vcrpy"]

# vcrpy settings that decide where the cassette is or how it is read: with any of them, the
# file is pytest-recording's to find.
_FINDING = frozenset({"serializer", "path_transformer", "cassette_library_dir", "persister"})
try:  # pytest-recording shortens longer names, by the same measure
    _LONGEST_NAME = os.pathconf(".", "PC_NAME_MAX")
except (AttributeError, ValueError, OSError):
    _LONGEST_NAME = 255


def replay_without_vcrpy(request: pytest.FixtureRequest, mode: str, markers: Sequence[Any],
                         vcr_config: Mapping[str, Any]) -> bool:
    """Whether the test's ``vcr`` fixture can skip vcrpy: a replay of an awstape cassette that
    holds no plain HTTP, found where pytest-recording would look by default."""
    if mode not in ("none", "once") or any(marker.args for marker in markers):
        return False
    settings = {*vcr_config, *(key for marker in markers for key in marker.kwargs)}
    if settings & _FINDING or _asks_for_vcr(request.node):
        return False
    path = default_path(request)
    if len(path.name) > _LONGEST_NAME:
        return False
    # None yet (once: recorded through vcrpy), vcrpy's own, or one with plain HTTP: vcrpy's.
    return path.is_file() and fileformat.lacks_section(path, "http")


def default_path(request: pytest.FixtureRequest) -> Path:
    """Where pytest-recording keeps the test's cassette by default (no serializer, no path
    transformer of the user's, a name the file system takes whole)."""
    return Path(request.getfixturevalue("vcr_cassette_dir"),
                f"{request.getfixturevalue('default_cassette_name')}.yaml")


def _asks_for_vcr(item: pytest.Item) -> bool:
    """Whether the test, or a fixture it uses other than the recording machinery's, takes the
    ``vcr`` fixture."""
    function = getattr(item, "function", None)
    if function is not None and "vcr" in inspect.signature(function).parameters:
        return True
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return True  # cannot tell: keep vcrpy
    return any("vcr" in definition.argnames and not is_machinery(definition)
               for definitions in info.name2fixturedefs.values() for definition in definitions)
