"""detect-secrets, the pre-commit secret scanner platform teams run, passes every committed
cassette with awstape's filter, and still reports a real credential planted in one."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FILTER = "awstape.integrations.detect_secrets.fake_in_cassette"
# Every cassette committed here: the workflows' and the integration tests'.
CASSETTES = sorted([*ROOT.glob("cassettes/**/*.yaml"),
                    *ROOT.glob("tests/integration/fixtures/mock_responses/**/*.yaml")])


def findings(*paths: Path, filtered: bool = True) -> list[tuple[str, str]]:
    """What ``detect-secrets scan`` reports, run where the files are (it skips files outside
    its working directory)."""
    scanner = Path(sys.executable).parent / "detect-secrets"
    where = ROOT if paths[0].is_relative_to(ROOT) else paths[0].parent
    command = [str(scanner), "scan", *(["--filter", FILTER] if filtered else []),
               *(str(p.relative_to(where)) for p in paths)]
    done = subprocess.run(command, cwd=where, capture_output=True, text=True, check=True,
                          timeout=300)
    results = json.loads(done.stdout)["results"]
    return [(Path(name).name, item["type"]) for name, items in results.items()
            for item in items]


def test_committed_cassettes_pass_with_the_filter_and_would_not_without() -> None:
    assert len(CASSETTES) >= 15
    assert findings(*CASSETTES) == []
    # Without the filter its entropy and keyword detectors object: the filter does the work.
    unfiltered = {kind for _, kind in findings(*CASSETTES, filtered=False)}
    assert {"Base64 High Entropy String", "Secret Keyword"} <= unfiltered


def test_a_real_credential_planted_in_a_cassette_is_still_reported(tmp_path: Path) -> None:
    planted = tmp_path / "cassettes" / "planted.yaml"
    planted.parent.mkdir()
    shutil.copy(ROOT / "cassettes" / "secret-flow.yaml", planted)
    key_id = "AKIA" + "Q3EGRIZTW5KXN7PH"  # in pieces: no credential is committed here
    document = json.loads(planted.read_text())
    document["interactions"][0]["params"]["Description"] = f"aws_access_key_id={key_id}"
    planted.write_text(json.dumps(document, indent=2))
    assert planted.read_text().startswith('{\n  "awstape": ')  # still an awstape cassette
    assert ("planted.yaml", "AWS Access Key") in findings(planted)
