"""Cassette files loaded, saved, and migrated from vcrpy's layout in place.

A vcrpy file is converted in memory at load and left as it is on disk.
"""

from __future__ import annotations

import gc
import json
from pathlib import Path
from typing import Any, Protocol

from awstape.model.calls import answers_with_data, differing
from awstape.model.cassette import Cassette, Interaction
from awstape.model.errors import CorruptCassette
from awstape.redaction.redactor import Redactor
from awstape.redaction.rules import Rules
from awstape.storage import checksums, fileformat
from awstape.storage.documents import interaction_from_document, to_document
from awstape.storage.migrate import from_vcrpy, is_vcrpy_document

__all__ = ["bodies_dir", "from_document", "load", "migrate_file", "save"]


def bodies_dir(cassette: Cassette) -> Path:
    """Where the cassette's large bodies are kept, content-addressed."""
    return cassette.path.parent / fileformat.BODIES_DIR


class Sealer(Protocol):
    """What a cassette goes through before it is written (the cassette's ``Redactor``)."""

    def seal(self, text: str, where: str) -> str: ...

    def scrub(self, text: str) -> str: ...

    def seal_body(self, data: bytes, where: str, scan: bool = True) -> bytes: ...


def save(cassette: Cassette, sealer: Sealer | None = None) -> None:
    """Write the file and its large bodies. Every body and then the whole text go through
    ``sealer`` first, which may change them or refuse them: nothing is written until all of
    it has passed."""
    where = str(cassette.path)
    if sealer is not None:
        for interaction in cassette.interactions:
            interaction.late = _swept_late(interaction, sealer)
    external: dict[str, bytes] = {}
    responses = [_stored_response(i, number, where, sealer, external)
                 for number, i in enumerate(cassette.interactions, start=1)]
    text = fileformat.dumps(to_document(cassette, responses))
    if sealer is not None:
        text = sealer.seal(text, where)
    fileformat.write_external(bodies_dir(cassette), external)
    fileformat.write_atomically(cassette.path, text)


def _swept_late(interaction: Interaction, sealer: Sealer) -> tuple[str, ...]:
    """The parameter paths the sweep at save changes: values that a later call revealed as
    secret (sealing the whole text replaces them; this says where)."""
    sealed = json.loads(sealer.scrub(json.dumps(interaction.params)))
    return tuple(sorted({*interaction.late,
                         *(path for path, _, _ in differing(interaction.params, sealed))}))


def _stored_response(interaction: Interaction, number: int, where: str, sealer: Sealer | None,
                     external: dict[str, bytes]) -> tuple[dict[str, str], dict[str, Any]]:
    """The headers and body to write for one interaction."""
    headers, body = interaction.headers, interaction.body
    if "sha256" in body:  # already in the bodies folder, sealed when it was saved
        return headers, body
    data = fileformat.decode_body(body, None)
    # Only data goes to the bodies folder: an API document (a listing of 1,000 keys) stays
    # in the cassette, one element per line, however large, to be read in review and diffs.
    apart = answers_with_data(interaction.name) and len(data) > fileformat.EXTERNAL_BODY_LIMIT
    if sealer is not None:
        # A body kept as text in the cassette is scanned with the cassette's whole text; one
        # kept apart, or as base64 (not UTF-8), is scanned here, as the bytes it is.
        sealed = sealer.seal_body(data, f"{where} (body of call #{number}, {interaction.name})",
                                  scan=apart or "base64" in body)
        if sealed != data:
            headers, data = checksums.refreshed(headers, sealed), sealed
        elif not apart:
            return headers, body  # what encode_body made of the same bytes when recorded
    return headers, fileformat.encode_body(data, headers.get("content-type", ""),
                                           external if apart else None)


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
                    compared_by_presence=rules.presence_test)


def migrate_file(path: Path, redactor: Redactor, write: bool = True) -> Cassette | None:
    """Convert the vcrpy cassette at ``path`` in place; None when it is not a vcrpy cassette."""
    document = fileformat.load_document(path)
    if not is_vcrpy_document(document):
        return None
    cassette = from_vcrpy(document, path, redactor)
    if write:
        save(cassette, redactor)
    return cassette
