"""Fakes that keep the shape of what they replace, and the book that keeps them linked.

A fake has the length and character classes of the real value (upper, lower, digit, hex;
punctuation stays), so code that parses, validates or slices a value still works on its fake.
Fakes come from a counter, not from the value: a hash of a password would let anyone who reads
the cassette test guesses against it. The counter makes them deterministic all the same, since
a test that makes the same calls meets its values in the same order.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import random
import re
import string
from collections.abc import Callable, Mapping

from awstape.redaction.text import Replacements, b64url, in_web_tokens, unb64url

__all__ = [
    "EXAMPLE_ACCOUNTS", "FAKE_ACCOUNTS", "FakeBook", "basic_auth_token", "credential",
    "fake_bytes", "shaped", "web_token",
]

# The fake account ids, in the order accounts are met: AWS's own documentation examples.
FAKE_ACCOUNTS = ("111122223333", "444455556666", "777788889999")
# AWS's documented example account ids, which stand-ins use by default: never secret.
EXAMPLE_ACCOUNTS = frozenset({*FAKE_ACCOUNTS, "123456789012", "210987654321", "012345678901"})

# Hex digits: a run of them, or groups with a letter among them (a uuid, a colon-separated
# fingerprint). The fake stays hex, punctuation kept; a date stays digits.
_HEX = re.compile(r"[0-9a-f]{8,}|[0-9A-F]{8,}"
                  r"|(?=.*[a-f])(?=(?:[^0-9a-f]*[0-9a-f]){8})[0-9a-f]+(?:[-_.:][0-9a-f]+)+"
                  r"|(?=.*[A-F])(?=(?:[^0-9A-F]*[0-9A-F]){8})[0-9A-F]+(?:[-_.:][0-9A-F]+)+")
_BASE32 = re.compile(r"[A-Z2-7]{16,}=*")  # an OTP seed: it must still decode
_BASE32_ALPHABET = string.ascii_uppercase + "234567"
_CLASS_OF = {char: alphabet
             for alphabet in (string.ascii_uppercase, string.ascii_lowercase, string.digits)
             for char in alphabet}


def shaped(value: str, seed: str) -> str:
    """A fake of ``value``: same length, each letter or digit replaced within its class."""
    if _HEX.fullmatch(value):
        digits = "0123456789abcdef" if value.lower() == value else "0123456789ABCDEF"
        alphabet_of: Mapping[str, str] = {c: digits for c in value if c.isalnum()}
    elif _BASE32.fullmatch(value):
        alphabet_of = {c: _BASE32_ALPHABET for c in value if c != "="}
    else:
        alphabet_of = _CLASS_OF
    # Each replaced character is what ``random.choice(alphabet)`` would draw (Python 3.11's
    # draw: a value of the alphabet's bit length, again until it fits), drawn here in one
    # loop: a fake is made for every secret, and fakes must not change between versions.
    getrandbits = random.Random(seed).getrandbits
    out = []
    for char in value:
        alphabet = alphabet_of.get(char)
        if alphabet is None:
            out.append(char)
            continue
        size = len(alphabet)
        bits = size.bit_length()
        drawn = getrandbits(bits)
        while drawn >= size:
            drawn = getrandbits(bits)
        out.append(alphabet[drawn])
    return "".join(out)


# What every STS session token of a kind begins with: public, and what code checks for.
SESSION_TOKEN_PREFIXES = ("FQoGZXIvYXdzE", "FwoGZXIvYXdzE", "IQoJb3JpZ2luX2Vj", "AQoDYXdzE")


def credential(value: str, seed: str) -> str:
    """A fake key or token that ends in ``EXAMPLE``, the mark scanners know as a fake.

    An access key id keeps its ``AKIA``/``ASIA`` prefix, as AWS's documentation keys do, and
    a session token the prefix every token of its kind has. A value that is already one of
    AWS's documentation examples (it holds ``EXAMPLE``) stays itself: it is no secret.
    """
    if "EXAMPLE" in value:
        return value
    if len(value) == 20 and value[:4].isalpha():
        return value[:4] + shaped(value[4:13], seed).upper() + "EXAMPLE"
    prefix = next((p for p in SESSION_TOKEN_PREFIXES if value.startswith(p)), "")
    if len(value) >= 20 + len(prefix):
        return prefix + shaped(value[len(prefix):-10], seed) + "EXAMPLEKEY"
    return shaped(value, seed)


def basic_auth_token(value: str, seed: str) -> str:
    """An ECR-style token, base64 of ``user:password``: the user kept, the password faked."""
    try:
        user, sep, password = base64.b64decode(value, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return shaped(value, seed)
    if not sep:
        return shaped(value, seed)
    return base64.b64encode(f"{user}:{shaped(password, seed)}".encode()).decode()


def fake_bytes(value: bytes, seed: str) -> bytes:
    """Bytes of the same length: printable text stays text of the same shape (a base32 seed
    the code decodes), anything else becomes random bytes."""
    if value.isascii() and value.decode("ascii").isprintable():
        return shaped(value.decode("ascii"), seed).encode("ascii")
    return random.Random(seed).randbytes(len(value))


def web_token(value: str, seed: str, clean: Callable[[str], str]) -> str:
    """A fake JSON Web Token that still decodes: the header kept, the claims with ``clean``
    applied (known secrets swept), the signature random bytes of the same length. Code that
    reads the claims works on it; no one can present it, since its signature is wrong."""
    header, claims, signature = in_web_tokens(value, clean).split(".")
    return ".".join([header, claims, b64url(fake_bytes(unb64url(signature), seed))])


MakeFake = Callable[[str, str], str]  # (real value, seed) -> fake

# The shortest secret replaced as text wherever it appears; a shorter one ("k1") cannot be told
# from other text, so it is replaced only where it stands.
SWEPT_MINIMUM = 4


class FakeBook:
    """One cassette's fakes: real value to fake, and at replay, fake to the live value."""

    def __init__(self) -> None:
        self.fakes = Replacements()  # real -> fake, swept from every text stored
        self.in_place: dict[str, str] = {}  # real -> fake, replaced only where it stands
        self.plain: set[str] = set()  # short values the test sent in members that are no secret
        self.accounts: dict[str, str] = {}  # real account id -> fake account id
        self.links = Replacements()  # recorded fake -> the value the test supplied now
        self.echoed_times: set[_dt.datetime] = set()  # times the test supplied, read back
        self.supplied: set[str] = set()  # account ids the test gave before AWS showed them
        self._issued: set[str] = set()
        self.origin: str = "response"  # where the values being faked come from now
        self._made: dict[str, int] = {}  # fakes made, per origin

    def fake(self, real: str, make: MakeFake = shaped, sweep: bool = True) -> str:
        known = self.fakes.get(real) or self.in_place.get(real)
        if known is not None:
            return known
        if real in self._issued or real in EXAMPLE_ACCOUNTS:  # a fake handed back, or no secret
            return real
        if len(real) < SWEPT_MINIMUM and real in self.plain:  # stored as it is already
            return real
        # Numbered per origin: the n-th secret of the test's requests gets the same fake at
        # record and at replay, whatever credentials and responses revealed in between.
        n = self._made.get(self.origin, 0)
        self._made[self.origin] = n + 1
        fake = make(real, f"awstape:{n}" if self.origin == "request"
                    else f"awstape:{self.origin}:{n}")
        swept = sweep and len(real) >= SWEPT_MINIMUM
        (self.fakes if swept else self.in_place)[real] = fake
        self._issued.add(fake)
        return fake

    def account(self, real: str, supplied: bool = False) -> str:
        """The fake of an account id AWS revealed. One the test itself supplied first (in a
        request, before AWS showed it) stays itself, as do AWS's example ids."""
        if real in EXAMPLE_ACCOUNTS or real in self.supplied:
            return real
        if supplied and real not in self.accounts:
            self.supplied.add(real)
            return real
        if real not in self.accounts:
            n = len(self.accounts)
            self.accounts[real] = FAKE_ACCOUNTS[n] if n < len(FAKE_ACCOUNTS) else f"{n:012d}"
        return self.accounts[real]

    def echo(self, recorded: str, live: str) -> None:
        """At replay: responses give ``live`` back where the recording has ``recorded``; no
        secret, so it is never swept from what is stored."""
        self.links.setdefault(recorded, live)

    def link(self, recorded_fake: str, live: str) -> None:
        """At replay: the test supplied ``live`` where the recording holds ``recorded_fake``."""
        if recorded_fake != live:
            self.links[recorded_fake] = live
            self.fakes[live] = recorded_fake
