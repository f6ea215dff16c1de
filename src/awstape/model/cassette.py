"""A cassette in memory: its recorded calls, an index to find them, and what was played.

Lookup is a dict access on (call, region, parameters), so its cost does not grow with the
cassette (vcrpy scans every interaction twice per request). Identical calls, such as a waiter
polling, queue up and replay in their recorded order.
"""

from __future__ import annotations

import functools
import json
import re
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from awstape.model.calls import (
    JSON,
    CallName,
    differences,
    differing,
    drawn_alike,
    input_shape,
    key_maker,
    looks_generated,
    match_region,
    match_view,
)
from awstape.model.errors import CassetteMiss
from awstape.model.shapes import SecretTest, model_sensitive

__all__ = ["Cassette", "Interaction"]


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
    # Parameter paths swept at save for a secret a later response revealed: replay cannot
    # know that secret when the call is made, so these are matched by presence.
    late: tuple[str, ...] = ()
    played: bool = False

    def describe(self) -> str:
        shown = match_view(self.params, input_shape(self.name))
        return f"{self.name} in {self.name.region} {json.dumps(shown, sort_keys=True)}"


def _models_only(name: CallName) -> SecretTest:
    return model_sensitive


_INDEX = re.compile(r"\[\d+\]")


def _generated_hint(name: CallName, recorded: JSON, live: JSON) -> list[str]:
    """What to do when the differing values are random or clock-derived: re-recording would
    only draw new ones."""
    paths = sorted({f"{name}.{_INDEX.sub('[]', path)}"
                    for path, _, new in differing(recorded, live) if looks_generated(new)})
    if not paths:
        return []
    listed = ", ".join(f'"{p}"' for p in paths)
    return [
        "  These values look random or drawn from the clock, so recording again would not help:",
        "    - drawn from uuid4, random or secrets in the test: awstape seeds those per test;",
        "      check that the test does not opt out with @pytest.mark.awstape(random=False);",
        f"    - otherwise match them by presence: @pytest.mark.awstape(ignore=[{listed}]),",
        "      or ignore = [...] under [tool.awstape] in pyproject.toml.",
    ]


@functools.cache  # a handful of calls, asked at every load and play
def _matched(name: CallName) -> CallName:
    """The call as matching sees it: a global service's region label normalized."""
    return CallName(name.service, name.operation, match_region(name.service, name.region))


@dataclass
class Cassette:
    path: Path
    provenance: dict[str, Any] = field(default_factory=dict)
    interactions: list[Interaction] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # sections other tools keep here
    # What matching compares by presence only, call by call: secrets (the redaction rules'
    # answer) and the parameters a user said to ignore.
    compared_by_presence: Callable[[CallName], SecretTest] = _models_only
    _index: dict[tuple[CallName, str], deque[Interaction]] = field(default_factory=dict)
    _keys: dict[CallName, Callable[[JSON], str]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        for interaction in self.interactions:
            self._queue(interaction).append(interaction)

    def _queue(self, interaction: Interaction) -> deque[Interaction]:
        name = _matched(interaction.name)
        key = (name, self._key(name, interaction.params))
        queue = self._index.get(key)
        if queue is None:
            queue = self._index[key] = deque()
        return queue

    def _key(self, name: CallName, params: JSON) -> str:
        keyed = self._keys.get(name)
        if keyed is None:  # once per call: asked for every interaction at load, every play
            keyed = self._keys[name] = key_maker(input_shape(name),
                                                 self.compared_by_presence(name))
        return keyed(params)

    def _view(self, name: CallName, params: JSON) -> JSON:
        return match_view(params, input_shape(name), self.compared_by_presence(name))

    # -- replay -------------------------------------------------------------------------------

    def play(self, name: CallName, params: JSON) -> Interaction | None:
        """The next unplayed recording of this call, marked played; failing that, the first
        unplayed one that differs only in values drawn anew or swept late; None when there is
        none."""
        name = _matched(name)
        key = (name, self._key(name, params))
        with self._lock:
            queue = self._index.get(key)
            while queue:
                interaction = queue.popleft()
                if not interaction.played:
                    interaction.played = True
                    return interaction
            # No exact recording: the first unplayed one of this call that differs only in
            # values drawn anew (a certificate the test generated, a uuid it did not seed) or
            # in ones swept late.
            live = self._view(name, params)
            for interaction in self.interactions:
                if not interaction.played and _matched(interaction.name) == name and all(
                        path in interaction.late or drawn_alike(recorded, now)
                        for path, recorded, now
                        in differing(self._view(name, interaction.params), live)):
                    interaction.played = True
                    return interaction
        return None

    def miss(self, name: CallName, params: JSON) -> CassetteMiss:
        """The error for a call with no recording, naming the closest recorded call."""
        live = self._view(name, params)
        lines = [f"awstape: no recording answers {name} in {name.region}.", ""]
        same_call = [i for i in self.interactions if (i.name.service, i.name.operation)
                     == (name.service, name.operation)]
        exact = [i for i in same_call if _matched(i.name) == _matched(name)
                 and self._view(name, i.params) == live]
        if exact:
            lines.append(
                f"  The cassette holds {len(exact)} recording(s) of this exact call and all "
                "were played already: the test now makes it more often than when recorded."
            )
        elif same_call:
            def distance(i: Interaction) -> tuple[bool, int]:
                diff = list(differences(self._view(name, i.params), live))
                return (i.played, len(diff) + (_matched(i.name) != _matched(name)))
            closest = min(same_call, key=distance)
            index = self.interactions.index(closest) + 1
            state = "already played" if closest.played else "not yet played"
            lines.append(
                f"  Closest recorded call: #{index} {closest.name} ({state}), which differs in:")
            if _matched(closest.name) != _matched(name):
                lines.append(f"    region: recorded {closest.name.region}, now {name.region}")
            for difference in differences(self._view(name, closest.params), live):
                lines.append(f"    {difference}")
            lines += _generated_hint(name, self._view(name, closest.params), live)
        else:
            recorded = sorted({str(i.name) for i in self.interactions})
            lines.append(f"  The cassette records no {name} call at all.")
            lines.append(f"  It records: {', '.join(recorded) if recorded else 'no calls'}.")
        lines += ["", f"  Cassette: {self.path}"]
        return CassetteMiss("\n".join(lines))

    def unplayed(self) -> list[Interaction]:
        return [i for i in self.interactions if not i.played]

    # -- recording ----------------------------------------------------------------------------

    def record(self, interaction: Interaction) -> None:
        with self._lock:
            interaction.played = True  # already used: a later identical call records anew
            self.interactions.append(interaction)
