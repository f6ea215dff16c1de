"""The AWS stand-in: moto in server mode, over real HTTP on loopback."""

from __future__ import annotations

import contextlib
import logging
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata

__all__ = ["StandIn", "running"]


@dataclass(frozen=True)
class StandIn:
    endpoint_url: str
    moto_version: str


@contextlib.contextmanager
def running() -> Iterator[StandIn]:
    """Start moto's server on a free loopback port for as long as the block runs.

    moto keeps its state per process, so each start begins from an empty account.
    """
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
    endpoint_url = f"http://{host}:{port}"
    urllib.request.urlopen(urllib.request.Request(f"{endpoint_url}/moto-api/reset",
                                                  method="POST"), timeout=30).close()
    try:
        yield StandIn(endpoint_url, metadata.version("moto"))
    finally:
        server.stop()
