"""Cassette files loaded, saved, and migrated from vcrpy's layout in place.

A vcrpy file is converted in memory at load and left as it is on disk.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from awstape.model.cassette import Cassette
from awstape.model.errors import CorruptCassette
from awstape.redaction.redactor import Redactor
from awstape.redaction.rules import Rules
from awstape.storage import fileformat
from awstape.storage.documents import interaction_from_document, to_document
from awstape.storage.migrate import from_vcrpy, is_vcrpy_document

__all__ = ["bodies_dir", "from_document", "load", "migrate_file", "save"]


def bodies_dir(cassette: Cassette) -> Path:
    """Where the cassette's large bodies are kept, content-addressed."""
    return cassette.path.parent / fileformat.BODIES_DIR


def save(cassette: Cassette, seal: Callable[[str, str], str] | None = None) -> None:
    """Write the file; ``seal`` gets the text and the path, and may change or refuse it."""
    text = fileformat.dumps(to_document(cassette))
    if seal is not None:
        text = seal(text, str(cassette.path))
    fileformat.write_atomically(cassette.path, text)


def load(path: Path, rules: Rules | None = None) -> Cassette:
    """The cassette at ``path``, matched by ``rules`` (the built-in ones by default)."""
    # Loading makes many small objects at once; in a process that already holds many (a
    # test session), the cyclic GC would rescan them all, several times over.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return from_document(path, fileformat.load_document(path), rules)
    finally:
        if enabled:
            gc.enable()


def from_document(path: Path, document: dict[str, Any], rules: Rules | None = None) -> Cassette:
    rules = rules or Rules()
    if "awstape" not in document:  # a vcrpy cassette: converted in memory, file untouched
        return from_vcrpy(document, path, Redactor(rules))
    try:
        interactions = [interaction_from_document(d) for d in document["interactions"]]
    except (KeyError, TypeError, ValueError) as error:
        raise CorruptCassette(
            f"{path}: an interaction is malformed ({type(error).__name__}: {error}); "
            "restore the file from git or record the test again"
        ) from None
    extra = {k: v for k, v in document.items()
             if k not in ("awstape", "recorded", "interactions")}
    return Cassette(path, dict(document.get("recorded") or {}), interactions, extra,
                    secret_test=rules.secret_test)


def migrate_file(path: Path, redactor: Redactor, write: bool = True) -> Cassette | None:
    """Convert the vcrpy cassette at ``path`` in place; None when it is not a vcrpy cassette."""
    document = fileformat.load_document(path)
    if not is_vcrpy_document(document):
        return None
    cassette = from_vcrpy(document, path, redactor)
    if write:
        save(cassette, redactor.seal)
    return cassette
