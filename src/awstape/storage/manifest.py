"""What a pytest run tells the lifecycle commands about its cassettes, as one JSON file.

The plugin writes it (``--awstape-list`` for ``awstape audit``, ``--awstape-staging`` for
``awstape rerecord``), test by test and even when the run is interrupted; the commands read it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from awstape.model.errors import AwstapeError
from awstape.storage import fileformat

__all__ = ["STAGING_MANIFEST", "ListedCassette", "Manifest", "StagedCassette"]

STAGING_MANIFEST = "manifest.json"  # the file's name inside a staging folder


@dataclass(frozen=True)
class ListedCassette:
    """A recorded test and the cassette it uses (``--awstape-list``)."""

    test: str  # pytest's node id
    cassette: str  # absolute path
    exists: bool


@dataclass(frozen=True)
class StagedCassette:
    """A re-recorded test: where its new cassette went and whether it passed."""

    test: str
    cassette: str  # the committed cassette, absolute
    staged: str  # the new recording, absolute
    passed: bool


@dataclass
class Manifest:
    root: str
    listed: list[ListedCassette]
    staged: list[StagedCassette]

    def write(self, path: Path) -> None:
        fileformat.write_atomically(path, json.dumps(
            {"root": self.root, "listed": [asdict(e) for e in self.listed],
             "staged": [asdict(e) for e in self.staged]}, indent=2))

    @classmethod
    def read(cls, path: Path) -> Manifest:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            return cls(str(document["root"]),
                       [ListedCassette(**e) for e in document["listed"]],
                       [StagedCassette(**e) for e in document["staged"]])
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise AwstapeError(f"{path}: not a readable awstape manifest ({error})") from None
