"""The randomness ordinary test code draws from, seeded per test while a cassette plays, so
that names built from it (``f"bucket-{uuid4()}"``) come out at replay as they were recorded.

Seeded: ``uuid.uuid4`` however it was imported (it reads ``os.urandom`` through the ``uuid``
module's own ``os``, which is what is replaced), the ``random`` module's functions (its hidden
instance), and ``secrets.token_bytes``/``token_hex``/``token_urlsafe``. Each gets its own stream
from the seed, and everything is put back afterwards. The seed is kept in the cassette
(``recorded.seed``) and reused by a re-record. ``os.urandom`` itself, ``ssl``,
``random.SystemRandom`` and the SDK's own uuid4s (idempotency tokens) stay truly random.

``hash()`` of a string (``CallerReference=str(hash("foo"))``) differs per process unless
``PYTHONHASHSEED`` is set, and that is read only when the interpreter starts: a pytest run
started from the command line is started once more with it fixed (:func:`fix_hash_seed`).
"""

from __future__ import annotations

import contextlib
import os
import random
import secrets
import sys
import types
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

__all__ = ["HASH_SEED", "fix_hash_seed", "seeded"]

HASH_SEED = "0"

_SDK = ("botocore.", "boto3.", "s3transfer.", "aiobotocore.")


class _SeededOs(types.ModuleType):
    """The ``os`` module as ``uuid`` sees it: the same, but ``urandom`` draws from a seed."""

    def __init__(self, real: types.ModuleType, source: random.Random) -> None:
        super().__init__("os")
        self._real, self._source = real, source

    def urandom(self, size: int) -> bytes:
        # The SDK's own uuid4s (idempotency tokens) stay random: a re-record reuses the seed,
        # and AWS would take a repeated token for a retry of yesterday's call.
        caller = sys._getframe(2).f_globals.get("__name__", "")
        if caller.startswith(_SDK):
            return self._real.urandom(size)  # type: ignore[no-any-return]
        return self._source.randbytes(size)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


@contextlib.contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Draw uuid4, ``random`` and ``secrets`` tokens from ``seed`` for the block's duration."""
    state = random.getstate()
    uuid_os = uuid.os  # type: ignore[attr-defined]
    system = secrets._sysrand  # type: ignore[attr-defined]
    random.seed(seed)
    uuid.os = _SeededOs(uuid_os, random.Random(f"{seed}:uuid"))  # type: ignore[attr-defined]
    secrets._sysrand = random.Random(f"{seed}:secrets")  # type: ignore[attr-defined]
    try:
        yield
    finally:
        random.setstate(state)
        uuid.os = uuid_os  # type: ignore[attr-defined]
        secrets._sysrand = system  # type: ignore[attr-defined]


def fix_hash_seed(pytest_args: Sequence[str]) -> None:
    """Start this pytest process again, the same way, with ``PYTHONHASHSEED`` fixed, unless it
    is already set. Only a pytest that is the program (``pytest ...``, ``python -m pytest``,
    run with the command line's own arguments) is started again, since nothing ran before it
    that a second start would repeat; a pytest run inside another (pytester) is left alone,
    and xdist's workers inherit the variable."""
    if "PYTHONHASHSEED" in os.environ or list(pytest_args) != sys.argv[1:]:
        return
    program = Path(sys.argv[0])
    if program.name not in ("pytest", "py.test") and program.parts[-2:] != ("pytest",
                                                                           "__main__.py"):
        return
    sys.stdout.flush()
    sys.stderr.flush()
    os.environ["PYTHONHASHSEED"] = HASH_SEED
    os.execv(sys.executable, sys.orig_argv)
