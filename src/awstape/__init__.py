"""awstape: record AWS calls once, replay them with no credentials and no network.

The pytest plugin loads by itself; tests opt in with ``@pytest.mark.vcr``. Outside pytest,
``use_cassette`` plays or records a cassette around any block of code that uses botocore.
"""

from .errors import (
    AwstapeError,
    CassetteMiss,
    CassetteNotFound,
    CorruptCassette,
    NetworkBlocked,
    UnusedRecordings,
)
from .recording import RECORD_MODES, RecordMode, Target, Use, use_cassette

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
]
