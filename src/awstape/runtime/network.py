"""The replay network guard: no connection and no DNS lookup leaves the process unless allowed.

pytest-recording's ``--block-network`` patches ``connect`` but not DNS (DESIGN §3.9); this guard
covers both, names the host in its error, and remembers each attempt so that the test fails
even when the code under test swallows the error.
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
import socket
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from awstape.model.errors import NetworkBlocked

__all__ = ["Guard", "blocked"]

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo
_real_gethostbyname = socket.gethostbyname
_real_gethostbyname_ex = socket.gethostbyname_ex


@dataclass
class Guard:
    allowed_hosts: Sequence[str] = ()
    attempts: list[str] = field(default_factory=list)
    _resolved: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def allows(self, host: str) -> bool:
        return host in self._resolved or any(re.match(p, host) for p in self.allowed_hosts)

    def refuse(self, host: str, port: Any, what: str) -> NetworkBlocked:
        where = f"{host}:{port}" if port not in (None, "", 0) else host
        with self._lock:
            self.attempts.append(f"{what} {where}")
        return NetworkBlocked(
            f"awstape: network access to {where} ({what}) blocked during replay: the cassette "
            "does not answer it. Record the test again if it now needs this host, or allow a "
            "local service with --allowed-hosts or vcr_config={'allowed_hosts': [...]}."
        )

    def getaddrinfo(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if name and not _is_ip(name) and not self.allows(name):
            raise self.refuse(name, port, "DNS lookup of")
        results = _real_getaddrinfo(host, port, *args, **kwargs)
        if name and self.allows(name):
            with self._lock:
                self._resolved.update(str(r[4][0]) for r in results)
        return results

    def gethostbyname(self, host: str) -> str:
        if not _is_ip(host) and not self.allows(host):
            raise self.refuse(host, None, "DNS lookup of")
        return _real_gethostbyname(host)

    def gethostbyname_ex(self, host: str) -> Any:
        if not _is_ip(host) and not self.allows(host):
            raise self.refuse(host, None, "DNS lookup of")
        return _real_gethostbyname_ex(host)

    def check_connect(self, sock: socket.socket, address: Any) -> None:
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return  # unix sockets and socketpairs stay on this machine
        host, port = str(address[0]), address[1]
        if not self.allows(host):
            raise self.refuse(host, port, "connection to")


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


@contextlib.contextmanager
def blocked(allowed_hosts: Sequence[str] = ()) -> Iterator[Guard]:
    """Block the network for the block's duration; the guard lists what was attempted."""
    guard = Guard(tuple(allowed_hosts))

    def connect(sock: socket.socket, address: Any) -> None:
        guard.check_connect(sock, address)
        return _real_connect(sock, address)

    def connect_ex(sock: socket.socket, address: Any) -> int:
        guard.check_connect(sock, address)
        return _real_connect_ex(sock, address)

    socket.socket.connect = connect  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign,assignment]
    socket.getaddrinfo = guard.getaddrinfo
    socket.gethostbyname = guard.gethostbyname
    socket.gethostbyname_ex = guard.gethostbyname_ex
    try:
        yield guard
    finally:
        socket.socket.connect = _real_connect  # type: ignore[method-assign]
        socket.socket.connect_ex = _real_connect_ex  # type: ignore[method-assign]
        socket.getaddrinfo = _real_getaddrinfo
        socket.gethostbyname = _real_gethostbyname
        socket.gethostbyname_ex = _real_gethostbyname_ex
