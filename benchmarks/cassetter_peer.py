"""cassetter (a Rust-cored HTTP cassette recorder, https://github.com/Kludex/cassetter) as a
contender of the replay benchmark, where it installs.

It is installed apart, in a folder of its own, never in the project's environment: its pytest
plugin registers the same ``vcr`` marker and ``--record-mode`` option as pytest-recording, and
would break every pytest run there. It intercepts urllib3's ``HTTPConnectionPool.urlopen``,
which botocore's connection pools inherit, so it answers botocore's calls after signing.

Its default matching (method and URI) finds every call of a JSON-protocol service alike, at
one URI: it then answers calls in the order they were recorded, wrong when the code makes them
in another order. The benchmark matches it on method, URI and body, as it does vcrpy.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import botocore.serialize

VERSION = "0.16.1"
HOME = Path.home() / ".cache" / "awstape-benchmarks" / f"cassetter-{VERSION}"
NOTE = ("cassetter matched on method, URI and body; with its default (method and URI) every "
        "JSON-protocol call matches alike, and it answers them in recorded order: wrong when "
        "calls come out of order")


def installed() -> tuple[ModuleType | None, str]:
    """cassetter, installed apart on first use; or None and why not."""
    if not (HOME / "cassetter").is_dir():
        done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                               "--target", str(HOME), f"cassetter=={VERSION}"],
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            return None, f"cassetter {VERSION} did not install: {done.stderr.strip()[-300:]}"
    if str(HOME) not in sys.path:
        sys.path.append(str(HOME))
    try:
        import cassetter
    except ImportError as error:
        return None, f"cassetter {VERSION} installed but does not import: {error}"
    return cassetter, ""


def write_cassette(path: Path, model: Any, uri: str, calls: list[tuple[dict[str, Any], bytes]],
                   headers: dict[str, str]) -> None:
    """The same calls as a cassetter cassette, written by cassetter itself."""
    import cassetter

    serializer = botocore.serialize.create_serializer("json")
    with cassetter.use_cassette(path, record_mode="all") as cassette:
        for params, body in calls:
            wire = serializer.serialize_to_request(params, model)
            cassette.record(method="POST", uri=uri,
                            request_headers={k: [v] for k, v in wire["headers"].items()},
                            request_body=wire["body"], status=200,
                            response_headers={k: [v] for k, v in headers.items()},
                            response_body=body)


@contextmanager
def replaying(path: Path) -> Iterator[None]:
    import cassetter

    with cassetter.use_cassette(path, record_mode="none", match_on=["method", "uri", "body"]):
        yield


def load(path: Path) -> object:
    from cassetter.cassette import Cassette, RecordMode

    cassette = Cassette(path, record_mode=RecordMode.NONE)
    cassette.load()
    return cassette
