"""awstape: record AWS calls once, replay them with no credentials and no network.

The pytest plugin loads by itself; tests opt in with ``@pytest.mark.vcr``. Outside pytest,
``use_cassette`` plays or records a cassette around any block of code that uses botocore, and
``vcrpy_serializer`` lets plain vcrpy read and write awstape cassettes.

The package's folders are its layers, each importing only from those listed before it:
``model`` (what a call and a cassette are), ``redaction`` (what is secret), ``storage`` (the
file on disk), ``runtime`` (botocore's hooks, guards), ``integrations`` (pytest, vcrpy) and
``lifecycle`` (the commands). Only the names below are public.
"""

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

vcrpy_serializer = VcrpySerializer()

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
