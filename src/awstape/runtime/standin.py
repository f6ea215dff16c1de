"""The AWS stand-in: moto in server mode, over real HTTP on loopback."""

from __future__ import annotations

import contextlib
import importlib.util
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata

__all__ = ["StandIn", "running"]


@dataclass(frozen=True)
class StandIn:
    endpoint_url: str
    moto_version: str


# The server, in a process of its own: moto keeps its state per process, and a test that
# starts moto's in-process mock_aws (which resets that state) must not wipe the stand-in's.
# It serves until its input closes: when the block ends, or when this process dies, killed.
_SERVE = """
import logging, sys
from moto.server import ThreadedMotoServer
logging.getLogger("werkzeug").setLevel(logging.ERROR)
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
sys.stdin.read()
server.stop()
"""


@contextlib.contextmanager
def running() -> Iterator[StandIn]:
    """Start moto's server on a free loopback port, in its own process, for as long as the
    block runs. Each start begins from an empty account."""
    if importlib.util.find_spec("moto") is None:
        raise RuntimeError("--aws-standin needs moto's server: pip install 'awstape[standin]'")
    process = subprocess.Popen([sys.executable, "-c", _SERVE], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        port = process.stdout.readline().strip()
        if not port.isdigit():
            raise RuntimeError("the AWS stand-in (moto's server) did not start: see the "
                               "error above; pip install 'awstape[standin]' if moto is missing")
        yield StandIn(f"http://127.0.0.1:{port}", metadata.version("moto"))
    finally:
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
