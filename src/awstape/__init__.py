"""awstape: record AWS calls once, replay them with no credentials and no network.

The pytest plugin loads by itself; tests opt in with ``@pytest.mark.vcr``. Outside pytest,
``use_cassette`` plays or records a cassette around any block of code that uses botocore, and
``vcrpy_serializer`` lets plain vcrpy read and write awstape cassettes.

The package's folders are its layers, each importing only from those listed before it:
``model`` (what a call and a cassette are), ``redaction`` (what is secret), ``storage`` (the
file on disk), ``runtime`` (botocore's hooks, guards), ``integrations`` (pytest, vcrpy) and
``lifecycle`` (the commands). Only the names below are public.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what type checkers and editors see: the names as they are
    from awstape.model.errors import (
        AwstapeError,
        CassetteMiss,
        CassetteNotFound,
        CorruptCassette,
        NetworkBlocked,
        UnusedRecordings,
    )
    from awstape.runtime.recording import RECORD_MODES, RecordMode, Target, Use, use_cassette
    from awstape.storage.migrate import VcrpySerializer

    vcrpy_serializer: VcrpySerializer

# Where each public name lives: imported on first use, so that importing awstape (as pytest
# does for its plugin, or detect-secrets for its filter) loads no AWS library by itself.
_PUBLIC = {
    "AwstapeError": "awstape.model.errors",
    "CassetteMiss": "awstape.model.errors",
    "CassetteNotFound": "awstape.model.errors",
    "CorruptCassette": "awstape.model.errors",
    "NetworkBlocked": "awstape.model.errors",
    "UnusedRecordings": "awstape.model.errors",
    "RECORD_MODES": "awstape.runtime.recording",
    "RecordMode": "awstape.runtime.recording",
    "Target": "awstape.runtime.recording",
    "Use": "awstape.runtime.recording",
    "use_cassette": "awstape.runtime.recording",
}


def __getattr__(name: str) -> Any:
    if name == "vcrpy_serializer":
        from awstape.storage.migrate import VcrpySerializer

        value: Any = VcrpySerializer()
    elif name in _PUBLIC:
        value = getattr(importlib.import_module(_PUBLIC[name]), name)
    else:
        raise AttributeError(f"module 'awstape' has no attribute {name!r}")
    globals()[name] = value  # once: later lookups find it without this function
    return value


__all__ = [
    "RECORD_MODES",
    "AwstapeError",
    "CassetteMiss",
    "CassetteNotFound",
    "CorruptCassette",
    "NetworkBlocked",
    "RecordMode",
    "Target",
    "UnusedRecordings",
    "Use",
    "use_cassette",
    "vcrpy_serializer",
]
