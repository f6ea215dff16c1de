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
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.model import Shape

from awstape.model.shapes import DESCEND, Node, leaves, walk

__all__ = ["WINDOW", "ReplayClock"]

WINDOW = _dt.timedelta(days=1)


@dataclass
class ReplayClock:
    """The moving of one cassette's replayed times."""

    recorded_at: _dt.datetime
    shift: _dt.timedelta | None = None
    moved: dict[_dt.datetime, _dt.datetime] = field(default_factory=dict)

    def move(self, parsed: dict[str, Any], shape: Shape | None, now: _dt.datetime,
             supplied: Collection[_dt.datetime] = ()) -> None:
        """Move, in place, the clock-drawn timestamps of a parsed response; a time the test
        itself supplied (``supplied``, read back as it sent it) stays."""
        own = {_to_the_second(t) for t in supplied}

        def drawn(value: Any) -> bool:
            return self._drawn(value) and _to_the_second(value) not in own

        fresh = [value for _, value in leaves(parsed, shape)
                 if drawn(value) and value not in self.moved]
        if fresh:
            latest = max(fresh)
            if self.shift is None or latest + self.shift > now:
                self.shift = max(now - latest, _dt.timedelta(0))
        shift = self.shift
        if shift is None:
            return

        def visit(value: Any, node: Node) -> Any:
            if drawn(value):
                return self.moved.setdefault(value, value + shift)
            return DESCEND if isinstance(value, Mapping | list | tuple) else value

        changed = walk(parsed, shape, visit)
        parsed.clear()
        parsed.update(changed)

    def _drawn(self, value: Any) -> bool:
        return (isinstance(value, _dt.datetime) and value.tzinfo is not None
                and abs(value - self.recorded_at) <= WINDOW)


def _to_the_second(moment: _dt.datetime) -> _dt.datetime:
    return moment.astimezone(_dt.UTC).replace(microsecond=0)
