"""What a cassette document must look like, checked once at load so that nothing later trips
over a hand-edited, truncated or hostile file: every problem is named by its place in the file
(``interactions[3].response.headers``), all at once, in one ``CorruptCassette``."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from typing import Any

from awstape.model.errors import CorruptCassette

__all__ = ["check_awstape", "check_vcrpy"]

FORMAT_VERSION = 1
_SHA256 = re.compile(r"[0-9a-f]{64}")
_BODY_FORMS = ("json", "xml", "lines", "text", "base64", "sha256")
_SHOWN = 8  # problems listed in one error


def check_awstape(document: dict[str, Any], where: str) -> None:
    """Raise ``CorruptCassette`` unless ``document`` is an awstape cassette this version reads."""
    version = document.get("awstape")
    if not isinstance(version, int) or isinstance(version, bool):
        _fail(where, [f"awstape: {version!r} is not a format version"])
    elif version > FORMAT_VERSION:
        raise CorruptCassette(
            f"{where}: written by a newer awstape (cassette format {version}; this awstape "
            f"reads format {FORMAT_VERSION}). Upgrade awstape, or record the test again.")
    _fail(where, list(_awstape_problems(document)))


def check_vcrpy(document: dict[str, Any], where: str) -> None:
    """Raise ``CorruptCassette`` unless ``document`` has vcrpy's cassette layout."""
    _fail(where, list(_vcrpy_problems(document)))


def _fail(where: str, problems: list[str]) -> None:
    if problems:
        listed = "\n".join(f"    {p}" for p in problems[:_SHOWN])
        more = f"\n    ... and {len(problems) - _SHOWN} more" if len(problems) > _SHOWN else ""
        raise CorruptCassette(
            f"{where}: not a readable cassette:\n{listed}{more}\n  Restore it from git, or "
            "delete it and record the test again with --record-mode=once.")


def _awstape_problems(document: dict[str, Any]) -> Iterator[str]:
    if not isinstance(document.get("recorded", {}), dict):
        yield "recorded: must be a mapping"
    for index, item in enumerate(document["interactions"]):
        yield from _interaction_problems(f"interactions[{index}]", item)
    yield from _http_problems(document.get("http", []))


def _interaction_problems(at: str, item: Any) -> list[str]:
    # A plain function, not a generator: it runs for every interaction of every load.
    if not isinstance(item, dict):
        return [f"{at}: must be a mapping"]
    problems = []
    call = item.get("call")
    if not isinstance(call, str) or "." not in call:
        problems.append(f"{at}.call: must be service.Operation, not {call!r}"[:200])
    if not isinstance(item.get("region"), str):
        problems.append(f"{at}.region: must be a string")
    late = item.get("late", [])
    if not isinstance(late, list) or not set(map(type, late)) <= {str}:
        problems.append(f"{at}.late: must be a list of parameter paths")
    request, response = item.get("request"), item.get("response")
    if not isinstance(request, dict) or not isinstance(request.get("method", ""), str) \
            or not isinstance(request.get("path", ""), str):
        problems.append(f"{at}.request: must be a mapping with a method and a path")
    if not isinstance(response, dict):
        return [*problems, f"{at}.response: must be a mapping"]
    status = response.get("status")
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        problems.append(f"{at}.response.status: must be an HTTP status, not {status!r}"[:200])
    headers = response.get("headers", {})
    if not isinstance(headers, dict) or not set(map(type, headers.values())) <= {str}:
        problems.append(f"{at}.response.headers: must map names to strings")
    body = response.get("body")
    if body:  # an empty or absent one is no problem
        problem = _body_problem(body)
        if problem:
            problems.append(f"{at}.response.body{problem}")
    return problems


def _body_problem(body: Any) -> str | None:
    """What is wrong with a stored body, said from its own place (``.base64: ...``)."""
    if not isinstance(body, dict):
        return ": must be a mapping"
    forms = [k for k in body if k in _BODY_FORMS]
    # exactly one form, and beside it at most its size
    if len(forms) != 1 or len(body) != 1 + ("size" in body):
        return f": must hold exactly one of {', '.join(_BODY_FORMS)}, not {sorted(body)}"
    form = forms[0]
    value = body[form]
    if form in ("xml", "lines"):
        if not isinstance(value, list) or not set(map(type, value)) <= {str}:
            return f".{form}: must be a list of strings"
    elif form != "json" and not isinstance(value, str):
        return f".{form}: must be a string, not {type(value).__name__}"
    elif form == "base64" and not _is_base64(value):
        return ".base64: not valid base64"
    elif form == "sha256" and not _SHA256.fullmatch(value):
        return (f".sha256: {value[:80]!r} is not a sha256 digest (large bodies are kept "
                "only by digest, inside the _bodies folder)")
    return None


def _is_base64(text: str) -> bool:
    try:
        base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def _http_problems(http: Any) -> Iterator[str]:
    if not isinstance(http, list):
        yield "http: must be a list"
        return
    for index, item in enumerate(http):
        at = f"http[{index}]"
        if not isinstance(item, dict) or not isinstance(item.get("request"), dict) \
                or not isinstance(item.get("response"), dict):
            yield f"{at}: must be a mapping with a request and a response"
            continue
        request, response = item["request"], item["response"]
        if not isinstance(request.get("method"), str) or not isinstance(request.get("uri"), str):
            yield f"{at}.request: must have a method and a uri"
        if not isinstance(request.get("headers", {}), dict):
            yield f"{at}.request.headers: must be a mapping"
        if not isinstance(response.get("status", {}), dict) \
                or not isinstance(response.get("headers", {}), dict) \
                or not isinstance(response.get("body", {}), dict):
            yield f"{at}.response: status, headers and body must be mappings"


def _vcrpy_problems(document: dict[str, Any]) -> Iterator[str]:
    for index, item in enumerate(document["interactions"]):
        at = f"interactions[{index}]"
        request = item.get("request") if isinstance(item, dict) else None
        response = item.get("response") if isinstance(item, dict) else None
        if not isinstance(request, dict) or not isinstance(request.get("uri", ""), str) \
                or not isinstance(request.get("method", ""), str) \
                or not isinstance(request.get("headers") or {}, dict):
            yield f"{at}.request: must be a mapping with a method, a uri and headers"
        if not isinstance(response, dict) or not isinstance(response.get("status", {}), dict) \
                or not isinstance(response.get("headers") or {}, dict) \
                or not isinstance(response.get("body") or {}, dict):
            yield f"{at}.response: status, headers and body must be mappings"
