"""The ways a value appears in stored text (JSON, escaped, XML, URL-encoded), and replacing
every one of them at once."""

from __future__ import annotations

import base64
import functools
import gzip
import hashlib
import json
import re
import struct
import zlib
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote, quote_plus
from xml.sax.saxutils import escape as xml_escape

__all__ = [
    "WEB_TOKEN", "Replacements", "b64", "b64url", "change_bytes", "gunzip", "in_web_tokens",
    "md5_b64", "replace_groups", "substitute", "unb64url",
]

# Values shorter than this are replaced only as tokens (between non-alphanumerics: "value",
# >value<, password=value&), never inside a longer word, so that a short secret cannot rewrite
# unrelated text; values shorter than _TOKEN_MINIMUM only as whole JSON or XML values.
_SUBSTRING_MINIMUM = 8
_TOKEN_MINIMUM = 4
# A gzip stream inside a body is opened to look for secrets, up to this size unpacked.
_GZIP_LIMIT = 64 * 1024 * 1024


def _json_escaped(value: str, ascii_only: bool = True) -> str:
    if _JSON_AS_IS.fullmatch(value):  # most values: nothing for JSON to escape
        return value
    return json.dumps(value, ensure_ascii=ascii_only)[1:-1]


_JSON_AS_IS = re.compile(r"[ !#-\[\]-~]*")  # printable ASCII but the quote and the backslash


@functools.lru_cache(maxsize=1 << 16)  # every text stored or restored asks for every fake's
def forms(value: str) -> tuple[str, ...]:
    """The ways ``value`` can appear in stored text, as whole tokens and (if long) anywhere."""
    escaped = _json_escaped(value)
    found = [f'"{escaped}"', f'"{_json_escaped(value, False)}"',
             _json_escaped(f'"{escaped}"'),  # a JSON document inside a JSON string
             f">{xml_escape(value)}<"]
    if len(value) >= _SUBSTRING_MINIMUM:
        found += [value, escaped, xml_escape(value), quote(value, safe=""), quote_plus(value)]
    return tuple(found)


_ALNUM = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
_END = ""  # a trie node's key for the forms listed there: no character is empty


class Replacements(dict[str, str]):
    """Old values to new ones (real secrets to fakes, fakes to live values), with every form
    of every old value indexed by its first characters, so that ``swept`` replaces them all in
    one pass over a text, however many there are: a cassette with a thousand secrets is not a
    thousand times slower. The pass starts a match only where a form can begin: at a
    delimiter, or at the start of a word; a long value hidden in the middle of a word is left
    to ``substitute``, which sweeps what is written to a file once more."""

    def __init__(self) -> None:
        super().__init__()
        # A burst trie of the forms: each node's _END entry lists up to _BUCKET forms that
        # go on from there, (form, new form, token only, length of the old value), and splits
        # into children by their next character when it holds more.
        self._trie: dict[str, Any] = {}
        self._starts: re.Pattern[str] | None = None
        self._firsts: set[str] = set()
        self._heads: set[str] = set()  # every form's first two characters
        self._shortest = 0  # the shortest form's length: a shorter text holds none
        self._apart_in_forms = False  # whether some form holds _APART (see swept_each)

    def __setitem__(self, old: str, new: str) -> None:
        if self.get(old) == new and old in self:  # linked at replay to the fake it had
            return
        super().__setitem__(old, new)
        if not old or old == new:
            return
        token = _TOKEN_MINIMUM <= len(old) < _SUBSTRING_MINIMUM
        # Each form once, with the new form it first meets: many forms are alike, and where
        # two differ only in the new one (a fake with a ":" to URL-encode), the first wins.
        pairs: dict[str, str] = {}
        anywhere = set(forms(old)[4:])  # a long value's forms that stand anywhere
        for old_form, new_form in zip(forms(old), forms(new), strict=False):
            # A quoted form is left out when what it quotes stands anywhere anyway: fewer
            # places to start from (every quote in a JSON text) for the pass.
            if old_form.strip('"\\><') not in anywhere or old_form in anywhere:
                pairs.setdefault(old_form, new_form)
        if token:
            pairs.setdefault(old, new)
        for old_form, new_form in pairs.items():
            self._apart_in_forms = self._apart_in_forms or _APART in old_form
            _insert(self._trie, (old_form, new_form, token and old_form == old, len(old)), 0)
            self._shortest = min(self._shortest or len(old_form), len(old_form))
            self._heads.add(old_form[:2])  # (every form has three characters or more:
            # a value, or one of at least one character, quoted)
            if old_form[0] not in self._firsts:
                self._firsts.add(old_form[0])
                self._starts = None

    def setdefault(self, old: str, new: str) -> str:
        if old not in self:
            self[old] = new
        return self[old]

    def swept(self, text: str) -> str:
        """``text`` with each form of an old value replaced by the same form of its new one:
        the longest that starts at each place (of the longest old value), left to right."""
        if not self._firsts or len(text) < self._shortest:
            return text
        out: list[str] = []
        done, size, trie, heads = 0, len(text), self._trie, self._heads
        for start in self._start_pattern().finditer(text):
            at = start.start()
            if at < done or text[at:at + 2] not in heads:  # most places: no form starts so
                continue
            # The entries listed along the path the text takes through the trie.
            node: dict[str, Any] | None = trie
            found: _Entry | None = None
            end = at
            while node is not None:
                for entry in node.get(_END, ()):
                    form, _, token, length = entry
                    after = at + len(form)
                    # The longest old value, then the longest form; the same form given
                    # again (a value replaced anew) goes by the last one given.
                    if (found is None or (length, len(form)) >= (found[3], len(found[0]))) \
                            and text.startswith(form, at) \
                            and not (token and after < size and text[after] in _ALNUM):
                        found = entry
                node = node.get(text[end]) if end < size else None
                end += 1
            if found is not None:
                out += (text[done:at], found[1])
                done = at + len(found[0])
        return "".join(out) + text[done:] if out else text

    def swept_each(self, texts: list[str]) -> list[str]:
        """Each of ``texts`` swept, in one pass over them all: many short texts (a response's
        header values) cost one pass, not one each. Joined by a character no form holds, no
        replacement can span two of them."""
        if not self._firsts or not texts:
            return texts
        if self._apart_in_forms or any(_APART in text for text in texts):
            return [self.swept(text) for text in texts]
        return self.swept(_APART.join(texts)).split(_APART)

    def _start_pattern(self) -> re.Pattern[str]:
        """Where a form may begin: a sign any form starts with, or a word's start (a word
        whose first letter no form starts with is passed over by ``swept``'s look at the
        first two characters). A word is matched whole: half the time of a look behind at
        every letter."""
        if self._starts is None:
            signs = "".join(re.escape(c) for c in sorted(self._firsts) if c not in _ALNUM)
            words = any(c in _ALNUM for c in self._firsts)
            self._starts = re.compile("|".join(
                ([f"[{signs}]"] if signs else []) + (["[A-Za-z0-9]+"] if words else [])))
        return self._starts


_Entry = tuple[str, str, bool, int]
_APART = "\x00"  # HTTP header values cannot hold it; a form holds it only if a secret did
_BUCKET = 4


def _insert(node: dict[str, Any], entry: _Entry, depth: int) -> None:
    form = entry[0]
    while depth < len(form) and form[depth] in node:
        node, depth = node[form[depth]], depth + 1
    bucket = node.setdefault(_END, [])
    bucket.append(entry)
    if len(bucket) > _BUCKET:  # burst: the forms that go on move a level down
        node[_END] = [e for e in bucket if len(e[0]) <= depth]
        for moved in bucket:
            if len(moved[0]) > depth:
                _insert(node.setdefault(moved[0][depth], {}), moved, depth + 1)


def substitute(text: str, pairs: Mapping[str, str], thorough: bool = True) -> str:
    """``text`` with every form of each key replaced by the same form of its value. Given
    ``Replacements``, in one pass (``swept``), then, if ``thorough``, once more for long
    values inside words: what is written to a file is swept thoroughly, once."""
    inside_words = isinstance(pairs, Replacements)
    if isinstance(pairs, Replacements):
        text = pairs.swept(text)
        if not thorough:
            return text
    for old in sorted(pairs, key=len, reverse=True):
        new = pairs[old]
        if not old or old == new or (inside_words and len(old) < _SUBSTRING_MINIMUM):
            continue
        # After the pass, only the forms that stand anywhere (the last five) are left.
        for old_form, new_form in dict.fromkeys(zip(forms(old)[4 * inside_words:],
                                                    forms(new)[4 * inside_words:],
                                                    strict=False)):
            if old_form in text:
                text = text.replace(old_form, new_form)
        if _TOKEN_MINIMUM <= len(old) < _SUBSTRING_MINIMUM and old in text:
            text = re.sub(rf"(?<![A-Za-z0-9]){re.escape(old)}(?![A-Za-z0-9])",
                          new.replace("\\", "\\\\"), text)  # the fake, taken literally
    return text


def change_bytes(data: bytes, change: Callable[[str], str], pairs: Mapping[str, str]) -> bytes:
    """``data`` with ``change`` applied to it as text; a gzip stream is opened and changed
    inside; other binary data gets only the ``pairs`` (long values) replaced, byte for byte."""
    if data[:2] == b"\x1f\x8b":
        inner = gunzip(data, _GZIP_LIMIT, whole=True)
        if inner is not None:
            unpacked = change_bytes(inner, change, pairs)
            return data if unpacked == inner else gzip.compress(unpacked, mtime=0)
    if _is_event_stream(data):
        return _reframed(data, lambda payload: change_bytes(payload, change, pairs))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        for old in sorted(pairs, key=len, reverse=True):
            if len(old) >= _SUBSTRING_MINIMUM:
                data = data.replace(old.encode("utf-8"), pairs[old].encode("utf-8"))
        return data
    changed = change(text)
    return data if changed == text else changed.encode("utf-8")


# An AWS event stream (``application/vnd.amazon.eventstream``) is a run of messages, each
# framed by its total and headers lengths, a CRC32 of those, headers, payload, and a CRC32 of
# it all: a payload changed in place must be framed anew, or the SDK refuses the message.
_PRELUDE = struct.Struct(">III")


def _is_event_stream(data: bytes, at: int = 0) -> bool:
    """Whether a well-framed event-stream message starts at ``at``."""
    if len(data) - at < 16:
        return False
    total, headers, crc = _PRELUDE.unpack_from(data, at)
    return bool(crc == zlib.crc32(data[at:at + 8]) and 16 + headers <= total <= len(data) - at)


def _reframed(data: bytes, change: Callable[[bytes], bytes]) -> bytes:
    """Each message's payload through ``change``, framed anew; a cut-short tail as it was."""
    out, at = bytearray(), 0
    while _is_event_stream(data, at):
        total, headers, _ = _PRELUDE.unpack_from(data, at)
        start = at + _PRELUDE.size
        payload = change(data[start + headers:at + total - 4])
        prelude = struct.pack(">II", _PRELUDE.size + headers + len(payload) + 4, headers)
        message = prelude + struct.pack(">I", zlib.crc32(prelude)) \
            + data[start:start + headers] + payload
        out += message + struct.pack(">I", zlib.crc32(message))
        at += total
    return bytes(out) + data[at:]


# A JSON Web Token: base64url header and claims (both JSON objects), then the signature.
WEB_TOKEN = re.compile(r"eyJ[0-9A-Za-z_-]+\.eyJ[0-9A-Za-z_-]+\.[0-9A-Za-z_-]+")


def in_web_tokens(text: str, change: Callable[[str], str]) -> str:
    """``text`` with ``change`` applied inside the claims of every JSON Web Token in it
    (base64url hides them from a plain replacement); headers and signatures kept."""
    if "eyJ" not in text:
        return text

    def claims_changed(match: re.Match[str]) -> str:
        header, claims, signature = match.group(0).split(".")
        try:
            decoded = unb64url(claims).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return match.group(0)
        changed = change(decoded)
        return match.group(0) if changed == decoded else \
            ".".join([header, b64url(changed.encode("utf-8")), signature])

    return WEB_TOKEN.sub(claims_changed, text)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def gunzip(data: bytes, limit: int, whole: bool) -> bytes | None:
    """What the gzip stream at the start of ``data`` holds, up to ``limit`` bytes unpacked;
    None when it is no stream, or (``whole``) when it is larger than that or cut short."""
    opener = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        inner = opener.decompress(data, limit)
    except zlib.error:
        return None
    return inner if opener.eof or not whole else None


def md5_b64(value: str) -> str:
    """What S3 sends beside a customer key (``SSECustomerKeyMD5``): derived from a secret."""
    return base64.b64encode(hashlib.md5(value.encode("utf-8")).digest()).decode("ascii")


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
