"""Times AWS gave while recording, moved to replay's clock.

A replayed ``CreateDate`` is as old as the cassette, so a test that checks a new resource was
made just now (``now - key["CreateDate"] < 10 s``) fails at replay. Every timestamp the models
type as one in a replayed response, and that lies within a day of the recording's moment
(drawn from the clock then, not a date the test chose), is moved by the time between the
recording and this replay; their order and spacing stay as recorded.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any

from botocore.model import Shape

from awstape.model.shapes import DESCEND, Node, walk

__all__ = ["WINDOW", "moved"]

WINDOW = _dt.timedelta(days=1)


def moved(parsed: dict[str, Any], shape: Shape | None, recorded_at: _dt.datetime,
          replay_started: _dt.datetime) -> None:
    """Move, in place, the clock-drawn timestamps of a parsed response."""
    shift = replay_started - recorded_at

    def visit(value: Any, node: Node) -> Any:
        if isinstance(value, _dt.datetime) and value.tzinfo is not None \
                and abs(value - recorded_at) <= WINDOW:
            return value + shift
        return DESCEND if isinstance(value, Mapping | list | tuple) else value

    changed = walk(parsed, shape, visit)
    parsed.clear()
    parsed.update(changed)
