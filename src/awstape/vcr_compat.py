"""Living beside vcrpy: awstape answers botocore, vcrpy keeps any other HTTP a test makes.

Both share the cassette file. vcrpy's own interactions (plain HTTP, not botocore) are kept in
its ``http`` section through this persister, and vcrpy is told to leave botocore's requests
alone, so AWS traffic is never written twice, nor unredacted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import fileformat

# Set when a test fails while recording: vcrpy's save at teardown must not touch the cassette.
discard_saves: bool = False


def is_botocore_request(request: Any) -> bool:
    headers = {k.lower() for k in getattr(request, "headers", {})}
    return "amz-sdk-invocation-id" in headers or "x-amz-date" in headers


def skip_botocore(before_record_request: Any = None) -> Any:
    """A vcrpy ``before_record_request`` that ignores botocore's requests, then calls the user's."""

    def hook(request: Any) -> Any:
        if is_botocore_request(request):
            return None
        return before_record_request(request) if before_record_request else request

    return hook


class SharedFilePersister:
    """A vcrpy persister for the ``http`` section of an awstape cassette."""

    @staticmethod
    def load_cassette(cassette_path: str, serializer: Any) -> tuple[list[Any], list[Any]]:
        from vcr.persisters.filesystem import CassetteNotFoundError
        from vcr.request import Request
        from vcr.serializers import compat

        path = Path(cassette_path)
        if not path.is_file():
            raise CassetteNotFoundError()
        http = fileformat.load_document(path).get("http") or []
        if not http:
            raise CassetteNotFoundError()
        requests = [Request._from_dict(i["request"]) for i in http]
        responses = [compat.convert_to_bytes(i["response"]) for i in http]
        return requests, responses

    @staticmethod
    def save_cassette(cassette_path: str, cassette_dict: dict[str, Any], serializer: Any) -> None:
        from vcr.serializers import compat

        if discard_saves:
            return
        path = Path(cassette_path)
        kept = [
            {"request": request._to_dict(), "response": compat.convert_to_unicode(response)}
            for request, response in zip(
                cassette_dict["requests"], cassette_dict["responses"], strict=True
            )
            if not is_botocore_request(request)
        ]
        if not kept:
            return
        if path.is_file():
            document = fileformat.load_document(path)
        else:
            document = {"awstape": fileformat.FORMAT_VERSION, "recorded": {}, "interactions": []}
        document["http"] = kept
        fileformat.write_atomically(path, fileformat.dumps(document))
