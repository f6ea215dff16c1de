"""What the floors answer with: botocore handed a canned response at its ``before-send`` event,
no socket, as awstape's replay is."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


class CannedBody:
    """A response body held in memory, as urllib3 would hand it to botocore."""

    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.read()

    def read(self, amt: int | None = None) -> bytes:
        end = len(self.data) if amt is None else self.at + amt
        chunk, self.at = self.data[self.at:end], min(end, len(self.data))
        return chunk
