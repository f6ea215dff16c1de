"""The AWS stand-in: moto in server mode, over real HTTP on loopback."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata


@dataclass(frozen=True)
class StandIn:
    endpoint_url: str
    moto_version: str


@contextlib.contextmanager
def running() -> Iterator[StandIn]:
    """Start moto's server on a free loopback port for as long as the block runs."""
    try:
        from moto.server import ThreadedMotoServer
    except ImportError:
        raise RuntimeError(
            "--aws-standin needs moto's server: pip install 'awstape[standin]'"
        ) from None
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield StandIn(f"http://{host}:{port}", metadata.version("moto"))
    finally:
        server.stop()
