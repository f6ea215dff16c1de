"""The exceptions awstape raises. Each message says what is wrong, where, and what to do next."""

from __future__ import annotations

__all__ = [
    "AwstapeError", "CassetteMiss", "CassetteNotFound", "CassetteNotWritten", "ConfigError",
    "CorruptCassette", "LeakRefused", "NetworkBlocked", "UnusedRecordings"
]


class AwstapeError(Exception):
    """Base class of every awstape error.

    It derives from ``Exception`` only, never from botocore's connection errors, so that botocore's
    retry handlers do not retry it: a replay miss fails at once instead of after backoff sleeps.
    """


class CassetteMiss(AwstapeError):
    """An AWS call that the cassette holds no recording for."""


class CassetteNotFound(CassetteMiss):
    """Replay was asked for a cassette that does not exist (said at the first AWS call)."""


class CorruptCassette(AwstapeError):
    """A cassette file that cannot be read back."""


class CassetteNotWritten(AwstapeError):
    """A cassette (or a body beside it) could not be written; the previous one is kept."""


class UnusedRecordings(AwstapeError):
    """A test that left recorded calls unplayed."""


class NetworkBlocked(ConnectionRefusedError):
    """A connection attempted during replay that no cassette answers.

    It is an ``OSError`` so that libraries treat it as a network failure (and credential
    providers fall through), while the guard also remembers it and fails the test at teardown.
    """


class ConfigError(AwstapeError):
    """awstape's configuration (``[tool.awstape]`` in pyproject.toml) is invalid."""


class LeakRefused(AwstapeError):
    """A cassette was not written because it would have held a credential."""
