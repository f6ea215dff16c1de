"""JSON secrets (a Secrets Manager ``SecretString``): parsed, never pattern-matched, so escapes
(``\\/``, ``\\u0063``), numbers, nested documents and credentials inside URLs are all found.

Which values are secret: those under secret-looking keys (password, token, key...), or, when no
key looks secret, every value but the readable ones (host, port, username...). A URL's password
is secret wherever it is, and every secret found is replaced inside the document's other
strings too (a DSN beside its ``password`` key).
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from awstape.redaction import rules
from awstape.redaction.fakes import FakeBook, shaped
from awstape.redaction.text import substitute

__all__ = ["fake_json", "link_json", "parsed_json_secret"]

Path = tuple[str | int, ...]
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def parsed_json_secret(value: str) -> dict[str, Any] | None:
    """The document, when ``value`` is a JSON object."""
    if not value.lstrip().startswith("{"):
        return None
    try:
        document = json.loads(value)
    except ValueError:
        return None
    return document if isinstance(document, dict) else None


def fake_json(document: dict[str, Any], book: FakeBook, keyed_only: bool = False) -> str:
    """The fake of a JSON secret, written back as JSON: secret values faked with their shape
    (numbers stay numbers), and each real secret replaced wherever else it appears.
    ``keyed_only``: only values under secret-looking keys are secret (a token's claims)."""
    found = list(_leaves(document, ()))
    keyed = keyed_only or any(rules.SECRET_JSON_KEY.search(_key(path)) for path, _ in found)

    def secret(path: Path) -> bool:
        key = _key(path)
        return bool(rules.SECRET_JSON_KEY.search(key)) if keyed \
            else key.lower() not in rules.READABLE_JSON_KEYS

    inner = {str(value): book.fake(str(value), _number_fake if _is_number(value) else shaped)
             for path, value in found if secret(path) and str(value)}

    def rebuild(node: Any, path: Path) -> Any:
        if isinstance(node, dict):
            return {k: rebuild(v, (*path, str(k))) for k, v in node.items()}
        if isinstance(node, list):
            return [rebuild(v, (*path, i)) for i, v in enumerate(node)]
        if _is_number(node) and secret(path):
            return json.loads(inner[str(node)])
        if isinstance(node, str):
            if secret(path):
                return inner.get(node, node)
            return _url_password_faked(substitute(node, inner), book)
        return node

    return json.dumps(rebuild(document, ()), ensure_ascii=False)


def link_json(book: FakeBook, recorded: str, live: str) -> None:
    """Link the values inside two JSON secrets, position by position."""
    a, b = parsed_json_secret(recorded), parsed_json_secret(live)
    if a is None or b is None:
        return
    inner_a, inner_b = dict(_leaves(a, ())), dict(_leaves(b, ()))
    for path in inner_a.keys() & inner_b.keys():
        if inner_a[path] != inner_b[path]:
            book.link(str(inner_a[path]), str(inner_b[path]))


def _leaves(node: Any, path: Path) -> Iterator[tuple[Path, Any]]:
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _leaves(v, (*path, str(k)))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _leaves(v, (*path, i))
    elif isinstance(node, str) or _is_number(node):
        yield path, node


def _key(path: Path) -> str:
    return next((step for step in reversed(path) if isinstance(step, str)), "")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _number_fake(real: str, seed: str) -> str:
    """Digits for digits, never a leading zero: the fake reads back as a number of the same
    length."""
    rng = random.Random(seed)
    out = [c if not c.isdigit() else str(rng.randrange(10)) for c in real]
    first = next((i for i, c in enumerate(out) if c.isdigit()), None)
    if first is not None and out[first] == "0" and _NUMBER.fullmatch(real):
        out[first] = str(rng.randrange(1, 10))
    return "".join(out)


def _url_password_faked(text: str, book: FakeBook) -> str:
    """A URL with a password (``postgres://app:PW@db/x``) keeps everything but the password."""
    if "://" not in text or "@" not in text:
        return text
    try:
        password = urlsplit(text).password
    except ValueError:
        return text
    if not password:
        return text
    return text.replace(f":{password}@", f":{book.fake(password)}@")
