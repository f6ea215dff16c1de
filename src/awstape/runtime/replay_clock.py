"""Times AWS gave while recording, moved to replay's clock.

A replayed ``CreateDate`` is as old as the cassette, so a test that checks a new resource was
made just now (``now - key["CreateDate"] < 10 s``) fails at replay. The timestamps the models
type as such in replayed responses, and that lie within a day of the recording (drawn from the
clock then, not dates the test chose), are moved forward by one shift per cassette: the same
recorded time always reads as the same moved time (a backup's ``CreationDateTime`` in two
responses compares equal), order and spacing stay, and none is in replay's future — the shift
grows when a later response would otherwise be.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from botocore.model import Shape

from awstape.model.shapes import typed_positions

__all__ = ["WINDOW", "ReplayClock"]

WINDOW = _dt.timedelta(days=1)


@dataclass
class ReplayClock:
    """The moving of one cassette's replayed times."""

    recorded_at: _dt.datetime
    shift: _dt.timedelta | None = None
    # Each recorded time, in UTC, with the shift it was first moved by: it reads the same in
    # every later response, however the shift grows.
    moved: dict[_dt.datetime, _dt.timedelta] = field(default_factory=dict)

    def move(self, parsed: dict[str, Any], shape: Shape | None, now: _dt.datetime | None = None,
             supplied: Collection[_dt.datetime] = ()) -> None:
        """Move, in place, the clock-drawn timestamps of a parsed response; a time the test
        itself supplied (``supplied``, read back as it sent it) stays. ``now``: replay's
        clock, read only when a time is moved (most responses hold none)."""
        drawn = []  # (holder, key, the time in UTC): each is converted once, since botocore's
        # times are in dateutil's local zone, whose offsets are slow to compute
        for holder, key, value in typed_positions(parsed, shape, "timestamp"):
            if isinstance(value, _dt.datetime) and value.tzinfo is not None:
                utc = value.astimezone(_dt.UTC)
                if abs(utc - self.recorded_at) <= WINDOW:
                    drawn.append((holder, key, utc))
        if not drawn:
            return
        if supplied:
            own = {_to_the_second(t) for t in supplied}
            drawn = [(holder, key, utc) for holder, key, utc in drawn
                     if _to_the_second(utc) not in own]
        fresh = [utc for _, _, utc in drawn if utc not in self.moved]
        if fresh:
            now = now or _dt.datetime.now(_dt.UTC)
            latest = max(fresh)
            if self.shift is None or latest + self.shift > now:
                self.shift = max(now - latest, _dt.timedelta(0))
        shift = self.shift
        if shift is None:
            return
        for holder, key, utc in drawn:
            holder[key] += self.moved.setdefault(utc, shift)  # in its own zone, as parsed


def _to_the_second(moment: _dt.datetime) -> _dt.datetime:
    return moment.astimezone(_dt.UTC).replace(microsecond=0)
