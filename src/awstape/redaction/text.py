"""The ways a value appears in stored text (JSON, escaped, XML, URL-encoded), and replacing
every one of them at once."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote, quote_plus
from xml.sax.saxutils import escape as xml_escape

__all__ = ["b64", "change_text", "replace_groups", "substitute"]

# Values shorter than this are replaced only as whole tokens ("value", >value<), never as
# substrings, so that a short secret cannot rewrite unrelated text.
_SUBSTRING_MINIMUM = 8


def _json_escaped(value: str, ascii_only: bool = True) -> str:
    return json.dumps(value, ensure_ascii=ascii_only)[1:-1]


def forms(value: str) -> list[str]:
    """The ways ``value`` can appear in stored text, as whole tokens and (if long) anywhere."""
    escaped = _json_escaped(value)
    forms = [f'"{escaped}"', f'"{_json_escaped(value, False)}"',
             _json_escaped(f'"{escaped}"'),  # a JSON document inside a JSON string
             f">{xml_escape(value)}<"]
    if len(value) >= _SUBSTRING_MINIMUM:
        forms += [value, escaped, xml_escape(value), quote(value, safe=""), quote_plus(value)]
    return forms


def substitute(text: str, pairs: Mapping[str, str]) -> str:
    """``text`` with every form of each key replaced by the same form of its value."""
    for old in sorted(pairs, key=len, reverse=True):
        new = pairs[old]
        if not old or old == new:
            continue
        for old_form, new_form in zip(forms(old), forms(new), strict=False):
            if old_form in text:
                text = text.replace(old_form, new_form)
    return text


def change_text(data: bytes, change: Callable[[str], str]) -> bytes:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data  # binary: nothing a text rule could find
    changed = change(text)
    return data if changed == text else changed.encode("utf-8")


def b64(value: str) -> str:
    return base64.b64encode(value.encode("utf-8")).decode("ascii")


def replace_groups(pattern: re.Pattern[str], text: str, replace: Any) -> str:
    """``text`` with each captured group of ``pattern`` passed through ``replace``."""
    pieces, last = [], 0
    for match in pattern.finditer(text):
        for group in range(1, (pattern.groups or 0) + 1):
            if match.group(group) is not None:
                pieces += [text[last:match.start(group)], replace(match.group(group))]
                last = match.end(group)
    return "".join(pieces) + text[last:] if pieces else text
