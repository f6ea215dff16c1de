"""A cassette in memory: its recorded calls, an index to find them, and what was played.

Lookup is a dict access on (call, region, parameters), so its cost does not grow with the
cassette (vcrpy scans every interaction twice per request). Identical calls, such as a waiter
polling, queue up and replay in their recorded order.
"""

from __future__ import annotations

import gc
import json
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from awstape.model.calls import JSON, CallName, differences, input_shape, match_key, match_view
from awstape.model.errors import CassetteMiss, CorruptCassette
from awstape.redaction.rules import Rules
from awstape.storage import fileformat


@dataclass(slots=True)
class Interaction:
    """One recorded HTTP exchange of one AWS call."""

    name: CallName
    params: JSON
    method: str
    path: str
    status: int
    headers: dict[str, str]
    body: dict[str, Any]  # stored form; see fileformat.encode_body
    played: bool = False

    def describe(self) -> str:
        shown = match_view(self.params, input_shape(self.name))
        return f"{self.name} in {self.name.region} {json.dumps(shown, sort_keys=True)}"

    def to_document(self) -> dict[str, Any]:
        return {
            "call": str(self.name),
            "region": self.name.region,
            "params": self.params,
            "request": {"method": self.method, "path": self.path},
            "response": {"status": self.status, "headers": self.headers, "body": self.body},
        }

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> Interaction:
        request, response = doc["request"], doc["response"]
        return cls(
            name=CallName.parse(doc["call"], doc["region"]),
            params=doc.get("params", {}),
            method=request.get("method", "POST"),
            path=request.get("path", "/"),
            status=int(response["status"]),
            headers=dict(response.get("headers", {})),
            body=response.get("body") or {},
        )


@dataclass
class Cassette:
    path: Path
    provenance: dict[str, Any] = field(default_factory=dict)
    interactions: list[Interaction] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # sections other tools keep here
    rerecord_hint: str = ""
    rules: Rules = field(default_factory=Rules)  # what matching compares by presence only
    _index: dict[tuple[CallName, str], deque[Interaction]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        for interaction in self.interactions:
            self._queue(interaction).append(interaction)

    @property
    def bodies_dir(self) -> Path:
        return self.path.parent / fileformat.BODIES_DIR

    def _queue(self, interaction: Interaction) -> deque[Interaction]:
        key = (interaction.name, self._key(interaction.name, interaction.params))
        return self._index.setdefault(key, deque())

    def _key(self, name: CallName, params: JSON) -> str:
        return match_key(params, input_shape(name), self.rules.secret_test(name))

    def _view(self, name: CallName, params: JSON) -> JSON:
        return match_view(params, input_shape(name), self.rules.secret_test(name))

    # -- replay -------------------------------------------------------------------------------

    def play(self, name: CallName, params: JSON) -> Interaction | None:
        """The next unplayed recording of this call, marked played; None when there is none."""
        key = (name, self._key(name, params))
        with self._lock:
            queue = self._index.get(key)
            while queue:
                interaction = queue.popleft()
                if not interaction.played:
                    interaction.played = True
                    return interaction
        return None

    def miss(self, name: CallName, params: JSON) -> CassetteMiss:
        """The error for a call with no recording, naming the closest recorded call."""
        live = self._view(name, params)
        lines = [f"awstape: no recording answers {name} in {name.region}.", ""]
        same_call = [i for i in self.interactions if (i.name.service, i.name.operation)
                     == (name.service, name.operation)]
        exact = [i for i in same_call if i.name == name
                 and self._view(name, i.params) == live]
        if exact:
            lines.append(
                f"  The cassette holds {len(exact)} recording(s) of this exact call and all "
                "were played already: the test now makes it more often than when recorded."
            )
        elif same_call:
            def distance(i: Interaction) -> tuple[bool, int]:
                diff = list(differences(self._view(name, i.params), live))
                return (i.played, len(diff) + (i.name.region != name.region))
            closest = min(same_call, key=distance)
            index = self.interactions.index(closest) + 1
            state = "already played" if closest.played else "not yet played"
            lines.append(
                f"  Closest recorded call: #{index} {closest.name} ({state}), which differs in:")
            if closest.name.region != name.region:
                lines.append(f"    region: recorded {closest.name.region}, now {name.region}")
            for difference in differences(self._view(name, closest.params), live):
                lines.append(f"    {difference}")
        else:
            recorded = sorted({str(i.name) for i in self.interactions})
            lines.append(f"  The cassette records no {name} call at all.")
            lines.append(f"  It records: {', '.join(recorded) if recorded else 'no calls'}.")
        lines += ["", f"  Cassette: {self.path}"]
        if self.rerecord_hint:
            lines.append(f"  To record this test again: {self.rerecord_hint}")
        return CassetteMiss("\n".join(lines))

    def unplayed(self) -> list[Interaction]:
        return [i for i in self.interactions if not i.played]

    # -- recording ----------------------------------------------------------------------------

    def record(self, interaction: Interaction) -> None:
        with self._lock:
            interaction.played = True
            self.interactions.append(interaction)
            self._queue(interaction)  # indexed, but already used: a later identical call records

    # -- files --------------------------------------------------------------------------------

    def to_document(self) -> dict[str, Any]:
        return {
            "awstape": fileformat.FORMAT_VERSION,
            "recorded": self.provenance,
            "interactions": [i.to_document() for i in self.interactions],
            **self.extra,
        }

    def save(self, seal: Callable[[str, str], str] | None = None) -> None:
        """Write the file; ``seal`` gets the text and the path, and may change or refuse it."""
        text = fileformat.dumps(self.to_document())
        if seal is not None:
            text = seal(text, str(self.path))
        fileformat.write_atomically(self.path, text)

    @classmethod
    def load(cls, path: Path, rules: Rules | None = None) -> Cassette:
        # Loading makes many small objects at once; in a process that already holds many (a
        # test session), the cyclic GC would rescan them all, several times over.
        enabled = gc.isenabled()
        gc.disable()
        try:
            return cls.from_document(path, fileformat.load_document(path), rules)
        finally:
            if enabled:
                gc.enable()

    @classmethod
    def from_document(cls, path: Path, document: dict[str, Any],
                      rules: Rules | None = None) -> Cassette:
        if "awstape" not in document:  # a vcrpy cassette: converted in memory, file untouched
            from awstape.redaction.redactor import Redactor
            from awstape.storage.migrate import from_vcrpy

            return from_vcrpy(document, path, Redactor(rules))
        try:
            interactions = [Interaction.from_document(d) for d in document["interactions"]]
        except (KeyError, TypeError, ValueError) as error:
            raise CorruptCassette(
                f"{path}: an interaction is malformed ({type(error).__name__}: {error}); "
                "restore the file from git or record the test again"
            ) from None
        extra = {k: v for k, v in document.items()
                 if k not in ("awstape", "recorded", "interactions")}
        return cls(path, dict(document.get("recorded") or {}), interactions, extra,
                   rules=rules or Rules())
