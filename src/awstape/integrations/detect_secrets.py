"""A filter for detect-secrets, the pre-commit secret scanner, so that cassettes pass it.

    detect-secrets scan --filter awstape.integrations.detect_secrets.fake_in_cassette

In an awstape cassette every secret position holds a fake, and the other strings that look
random to an entropy scanner are request ids, digests and resource ids; names such as
``SecretId`` or ``MasterUserPassword`` are what trips its keyword detector. So findings of the
entropy and keyword detectors are left out in awstape cassettes and the bodies folders beside
them; every detector of a credential's own form (AWS keys, private keys, tokens of GitHub,
Slack, Stripe and the rest) still reports, and so does every finding in any other file.
"""

from __future__ import annotations

from pathlib import Path

from awstape.storage import fileformat

__all__ = ["fake_in_cassette"]

# detect-secrets' detectors that judge by look (randomness, a key's name), not by a form.
_BY_LOOK = frozenset({"Base64HighEntropyString", "HexHighEntropyString", "KeywordDetector"})


def fake_in_cassette(filename: str, secret: str, plugin: object) -> bool:
    """detect-secrets filter, called once per finding (its arguments are injected by name;
    taking ``secret`` is what makes it run per finding): True leaves the finding out."""
    if type(plugin).__name__ not in _BY_LOOK:
        return False
    path = Path(filename)
    return fileformat.is_awstape_file(path) or (
        path.parent.name == fileformat.BODIES_DIR
        and any(fileformat.is_awstape_file(p) for p in path.parent.parent.glob("*.yaml")))
