"""Every committed cassette loads with a safe loader, as JSON, and as an awstape cassette."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from awstape.storage import cassettes

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = sorted(
    p for p in [*ROOT.glob("cassettes/**/*.yaml"),
                *ROOT.glob("tests/**/fixtures/mock_responses/**/*.yaml")]
    if "_bodies" not in p.parts
)


def test_there_are_committed_cassettes() -> None:
    assert COMMITTED


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: str(p.relative_to(ROOT)))
def test_loads_safely(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert yaml.safe_load(text) == json.loads(text)
    cassette = cassettes.load(path)  # may hold no call: a test that must make none
    assert cassette.provenance["at"] and cassette.provenance["against"]
