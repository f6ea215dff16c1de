"""JSON secrets (a Secrets Manager ``SecretString``): which of their values are secret, and
how two of them link, key by key."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from awstape.redaction import rules
from awstape.redaction.fakes import FakeBook

__all__ = ["json_secrets", "link_json"]


def json_secrets(document: Any) -> list[str]:
    """The secret string values of a JSON secret: those under secret-looking keys, or, when no
    key looks secret, every value but the readable ones (host, port, username...)."""
    pairs = [(_last_key(path), value) for path, value in _json_paths(document, "")]
    if any(rules.SECRET_JSON_KEY.search(k) for k, _ in pairs):
        return [v for k, v in pairs if v and rules.SECRET_JSON_KEY.search(k)]
    return [v for k, v in pairs if v and k.lower() not in rules.READABLE_JSON_KEYS]


def _last_key(path: str) -> str:
    return re.sub(r"(\[\d+\])+$", "", path).rpartition(".")[2]


def link_json(book: FakeBook, recorded: str, live: str) -> None:
    """Link the values inside two JSON secrets, key by key."""
    if not (recorded.lstrip().startswith("{") and live.lstrip().startswith("{")):
        return
    try:
        a, b = json.loads(recorded), json.loads(live)
    except ValueError:
        return
    inner_a, inner_b = dict(_json_paths(a, "")), dict(_json_paths(b, ""))
    for path in inner_a.keys() & inner_b.keys():
        if inner_a[path] != inner_b[path]:
            book.link(inner_a[path], inner_b[path])


def _json_paths(node: Any, path: str) -> Iterable[tuple[str, str]]:
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _json_paths(v, f"{path}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _json_paths(v, f"{path}[{i}]")
    elif isinstance(node, str):
        yield path, node
