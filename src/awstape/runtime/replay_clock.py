"""Times AWS gave while recording, moved to replay's clock.

A replayed ``CreateDate`` is as old as the cassette, so a test that checks a new resource was
made just now (``now - key["CreateDate"] < 10 s``) fails at replay. The timestamps the models
type as such in a replayed response, and that lie within a day of the recording (drawn from
the clock then, not dates the test chose), are moved together so that the latest of them is
now: their order and spacing stay as recorded, and none is in replay's future.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any

from botocore.model import Shape

from awstape.model.shapes import DESCEND, Node, leaves, walk

__all__ = ["WINDOW", "moved"]

WINDOW = _dt.timedelta(days=1)


def moved(parsed: dict[str, Any], shape: Shape | None, recorded_at: _dt.datetime,
          now: _dt.datetime) -> None:
    """Move, in place, the clock-drawn timestamps of a response replayed from a recording
    made at ``recorded_at``."""

    def drawn(value: Any) -> bool:
        return (isinstance(value, _dt.datetime) and value.tzinfo is not None
                and abs(value - recorded_at) <= WINDOW)

    latest = max((value for _, value in leaves(parsed, shape) if drawn(value)), default=None)
    if latest is None or latest >= now:
        return
    shift = now - latest

    def visit(value: Any, node: Node) -> Any:
        if drawn(value):
            return value + shift
        return DESCEND if isinstance(value, Mapping | list | tuple) else value

    changed = walk(parsed, shape, visit)
    parsed.clear()
    parsed.update(changed)
