"""Replacements: every form of a thousand values replaced in one pass, as the loop over each
value's forms (``substitute`` with a plain dict) replaces them, and nothing more."""

from __future__ import annotations

import json
import random
import string
from urllib.parse import quote

from awstape.redaction.text import Replacements, substitute


def values(count: int, seed: int) -> list[str]:
    draw = random.Random(seed)
    alphabet = string.ascii_letters + string.digits + "-_/+=.:@!$ "
    return ["".join(draw.choice(alphabet) for _ in range(draw.randint(4, 40)))
            for _ in range(count)]


def test_one_pass_replaces_what_the_loop_over_every_form_replaces() -> None:
    olds, news = values(1000, 1), values(1000, 2)
    pairs = Replacements()
    for old, new in zip(olds, news, strict=True):
        pairs[old] = new[:len(old)].ljust(len(old), "x")
    draw = random.Random(3)
    for _ in range(200):
        picked = draw.sample(olds, 5)
        text = json.dumps({"a": picked[0], "b": f"x={quote(picked[1], safe='')}&y",
                           "c": json.dumps({"inner": picked[2]}), "d": f"<v>{picked[3]}</v>",
                           "e": f"kms:alias/aws/ssm:{picked[4]}", "f": "plain text"})
        assert pairs.swept(text) == substitute(text, dict(pairs)), text


def test_short_values_only_as_tokens_and_long_ones_inside_words_only_when_thorough() -> None:
    pairs = Replacements()
    pairs["abcd"] = "wxyz"  # short: a token only
    pairs["k1"] = "z9"  # shorter still: only where it stands as a whole JSON or XML value
    pairs["s3cr3t-value-123"] = "fake00-value-999"
    text = '{"a": "abcd", "b": "abcde", "c": "k1", "d": "xk1", "e": "mids3cr3t-value-123"}'
    assert pairs.swept(text) == \
        '{"a": "wxyz", "b": "abcde", "c": "z9", "d": "xk1", "e": "mids3cr3t-value-123"}'
    # A text as short as the shortest form is still swept; a shorter one holds none.
    assert pairs.swept('"k1"') == '"z9"' and pairs.swept('"k1') == '"k1'
    # What is written is swept thoroughly: a long value inside a word goes too.
    assert substitute(text, pairs) == \
        '{"a": "wxyz", "b": "abcde", "c": "z9", "d": "xk1", "e": "midfake00-value-999"}'
    assert substitute(text, pairs) == substitute(text, dict(pairs))


def test_the_longest_old_value_wins_where_two_begin_alike() -> None:
    pairs = Replacements()
    pairs["token-1234"] = "aaaaa-0000"
    pairs["token-12345678"] = "bbbbb-99999999"
    assert pairs.swept("token-12345678 token-1234") == "bbbbb-99999999 aaaaa-0000"


def test_a_value_given_a_new_replacement_is_replaced_by_the_new_one() -> None:
    pairs = Replacements()
    pairs["live-secret-value"] = "first-fake-values"
    pairs["live-secret-value"] = "recorded-fake-val"  # linked at replay: the recording's own
    assert pairs.swept('{"v": "live-secret-value"}') == '{"v": "recorded-fake-val"}'
    assert pairs.setdefault("live-secret-value", "other") == "recorded-fake-val"


def test_many_short_texts_swept_at_once_as_each_alone_and_never_across_two() -> None:
    olds, news = values(300, 4), values(300, 5)
    pairs = Replacements()
    for old, new in zip(olds, news, strict=True):
        pairs[old] = new
    draw = random.Random(6)
    texts = [f"{draw.choice(olds)} tail" if draw.random() < 0.5 else "no secret here"
             for _ in range(50)]
    texts += ["abcdef", "ghijkl"]  # a value split over two texts is not one to replace
    pairs["abcdefghijkl"] = "X" * 12
    assert pairs.swept_each(texts) == [pairs.swept(text) for text in texts]
    assert pairs.swept_each(texts)[-2:] == ["abcdef", "ghijkl"]
    pairs["nul\x00inside"] = "N" * 10  # a form that holds the joining character: one by one
    assert pairs.swept_each(["a nul\x00inside b", "c"]) == ["a " + "N" * 10 + " b", "c"]


def test_a_values_json_form_is_what_json_writes_for_every_character() -> None:
    import json

    from awstape.redaction.text import _json_escaped

    for code in [*range(0x300), 0x2028, 0xFFFF, 0x1F600]:
        value = f"ab{chr(code)}cd"
        for ascii_only in (True, False):
            assert _json_escaped(value, ascii_only) == \
                json.dumps(value, ensure_ascii=ascii_only)[1:-1], (hex(code), ascii_only)
