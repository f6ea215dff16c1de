"""Response bodies as the HTTP libraries hand them to botocore: what a replayed call, or a
recorded stream read whole, is answered with."""

from __future__ import annotations

import io
from collections.abc import Iterator

__all__ = ["AsyncRecordedBody", "RecordedBody"]


class AsyncRecordedBody:
    """A response body as aiohttp hands it to aiobotocore: read with ``await``, from
    ``.content`` as well."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)
        self.url = ""

    @property
    def content(self) -> AsyncRecordedBody:
        return self

    async def read(self, amt: int | None = -1) -> bytes:
        return self._data.read(None if amt is None or amt < 0 else amt)

    def at_eof(self) -> bool:
        return self._data.tell() >= len(self._data.getbuffer())

    def close(self) -> None:
        return None

    def release(self) -> None:
        return None


class RecordedBody(io.BytesIO):
    """A response body as urllib3 would hand it to botocore: readable and streamable."""

    def stream(self, amt: int = 65536, decode_content: bool | None = None) -> Iterator[bytes]:
        while chunk := self.read(amt):
            yield chunk
