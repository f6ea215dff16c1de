"""The replay network guard: no connection and no DNS lookup leaves the process unless allowed.

pytest-recording's ``--block-network`` patches ``connect`` but not DNS (DESIGN §3.9); this guard
covers both, names the host in its error, and remembers each attempt so that the test fails
even when the code under test swallows the error.
"""

from __future__ import annotations

import _socket
import contextlib
import functools
import ipaddress
import itertools
import json
import os
import re
import socket
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from awstape.model.errors import NetworkBlocked
from awstape.runtime import environment
from awstape.runtime.scratch import process_folder

__all__ = ["Guard", "blocked", "guard_this_process", "is_loopback", "without_loopback_port"]

# Every Python-level way to the network: socket methods that take an address, and every name
# service function, in ``socket`` and in the C module ``_socket`` beneath it.
_SOCKET_METHODS = ("connect", "connect_ex", "sendto", "sendmsg")
_DNS_FUNCTIONS = ("getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr",
                  "getnameinfo")
_REPORT = "AWSTAPE_GUARD_REPORT"  # where guarded child processes write their attempts
_ALLOWED = "AWSTAPE_ALLOWED_HOSTS"


@dataclass
class Guard:
    allowed_hosts: Sequence[str] = ()
    attempts: list[str] = field(default_factory=list)
    report: Path | None = None  # where the Python processes started meanwhile write theirs
    _resolved: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def allows(self, host: str) -> bool:
        # Anchored: "localhost" allows localhost, never localhost.evil.example.
        return host in self._resolved or any(re.fullmatch(p, host)
                                             for p in self.allowed_hosts)

    def refuse(self, host: str, port: Any, what: str) -> NetworkBlocked:
        where = f"{host}:{port}" if port not in (None, "", 0) else host
        attempt = f"{what} {where}"
        with self._lock:
            self.attempts.append(attempt)
        report = os.environ.get(_REPORT)
        if report:  # a child process, or a forked one: its parent reads this at the end
            with contextlib.suppress(OSError), open(report, "a", encoding="utf-8") as f:
                f.write(attempt + "\n")
        return NetworkBlocked(
            f"awstape: network access to {where} ({what}) blocked during replay: the cassette "
            "does not answer it. Record the test again if it now needs this host, or allow a "
            "local service with --allowed-hosts or vcr_config={'allowed_hosts': [...]}."
        )

    def all_attempts(self) -> list[str]:
        """What this process and the processes it started tried, each once."""
        found = list(dict.fromkeys(self.attempts))
        if self.report is not None and self.report.is_file():
            found += [line for line in self.report.read_text("utf-8").splitlines()
                      if line and line not in found]
        return found

    def check_name(self, host: Any, port: Any = None) -> None:
        name = host.decode() if isinstance(host, bytes) else host
        if isinstance(name, str) and name and not _is_ip(name) and not self.allows(name):
            raise self.refuse(name, port, "DNS lookup of")

    def check_address(self, family: int, address: Any, what: str = "connection to") -> None:
        if family not in (socket.AF_INET, socket.AF_INET6) or not isinstance(address, tuple):
            return  # unix sockets and socketpairs stay on this machine
        host = str(address[0])
        if not self.allows(host):
            raise self.refuse(host, address[1], what)

    def remember(self, results: Any) -> None:
        with self._lock:
            self._resolved.update(str(r[4][0]) for r in results)


def is_loopback(host: str) -> bool:
    """A name or address of this machine itself (``0.0.0.0`` reaches it too)."""
    with contextlib.suppress(ValueError):
        address = ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
        return address.is_loopback or address.is_unspecified
    return host == "localhost" or host.endswith(".localhost")


# A loopback server's port in a URL: a server started on port 0 gets another one on every run.
_LOOPBACK_PORT = re.compile(r"(//(?:127\.0\.0\.1|localhost|\[::1\])):\d+")


def without_loopback_port(text: str, mark: str = "") -> str:
    """``text`` with the port of each loopback URL in it replaced by ``mark`` (or dropped)."""
    return _LOOPBACK_PORT.sub(rf"\1:{mark}" if mark else r"\1", text)


def _in_hosts_file(address: str, hosts: Path = Path("/etc/hosts")) -> bool:
    try:
        lines = hosts.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return False
    return any(line.split("#", 1)[0].split()[:1] == [address] for line in lines)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


def _guarded_methods(guard: Guard, real: dict[str, Any]) -> dict[str, Any]:
    def connect(sock: Any, address: Any) -> Any:
        guard.check_address(sock.family, address)
        return real["connect"](sock, address)

    def connect_ex(sock: Any, address: Any) -> Any:
        guard.check_address(sock.family, address)
        return real["connect_ex"](sock, address)

    def sendto(sock: Any, data: Any, *args: Any) -> Any:  # (data, address), (data, flags, address)
        guard.check_address(sock.family, args[-1] if args else None, "datagram to")
        return real["sendto"](sock, data, *args)

    def sendmsg(sock: Any, buffers: Any, *args: Any) -> Any:
        guard.check_address(sock.family, args[2] if len(args) > 2 else None, "message to")
        return real["sendmsg"](sock, buffers, *args)

    return {"connect": connect, "connect_ex": connect_ex, "sendto": sendto, "sendmsg": sendmsg}


def _guarded_dns(guard: Guard, real: dict[str, Any]) -> dict[str, Any]:
    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        guard.check_name(host, port)
        results = real["getaddrinfo"](host, port, *args, **kwargs)
        if host and guard.allows(host.decode() if isinstance(host, bytes) else str(host)):
            guard.remember(results)
        return results

    def by_name(function: str) -> Any:
        def lookup(host: Any, *args: Any) -> Any:
            guard.check_name(host)
            return real[function](host, *args)
        return lookup

    # A reverse lookup asks the resolver too, unless the hosts file answers it (as it does
    # for 127.0.0.1, which http.server's HTTPServer looks up).
    def gethostbyaddr(address: Any) -> Any:
        if not (guard.allows(str(address)) or _in_hosts_file(str(address))):
            raise guard.refuse(str(address), None, "reverse DNS lookup of")
        return real["gethostbyaddr"](address)

    def getnameinfo(sockaddr: Any, flags: int) -> Any:
        host = str(sockaddr[0]) if isinstance(sockaddr, tuple) and sockaddr else ""
        if not (guard.allows(host) or _in_hosts_file(host)):
            raise guard.refuse(host, None, "name lookup of")
        return real["getnameinfo"](sockaddr, flags)

    return {"getaddrinfo": getaddrinfo, "gethostbyname": by_name("gethostbyname"),
            "gethostbyname_ex": by_name("gethostbyname_ex"), "gethostbyaddr": gethostbyaddr,
            "getnameinfo": getnameinfo}


@contextlib.contextmanager
def blocked(allowed_hosts: Sequence[str] = ()) -> Iterator[Guard]:
    """Block the network for the block's duration; the guard lists what was attempted,
    in this process and in the Python processes it starts meanwhile."""
    guard = Guard(tuple(allowed_hosts))
    originals: list[tuple[Any, str, Any]] = []

    def patch(owner: Any, name: str, value: Any) -> None:
        originals.append((owner, name, getattr(owner, name)))
        setattr(owner, name, value)

    methods = _guarded_methods(guard, {m: getattr(_socket.socket, m) for m in _SOCKET_METHODS})
    for name, method in methods.items():
        patch(socket.socket, name, method)
    # Code that builds sockets from the C module directly gets a guarded subclass of it.
    patch(_socket, "socket", _guarded_c_socket())
    dns = _guarded_dns(guard, {f: getattr(_socket, f) for f in _DNS_FUNCTIONS})
    for module in (socket, _socket):
        for name, function in dns.items():
            patch(module, name, function)
    try:
        with _children_guarded(guard):
            yield guard
    finally:
        for owner, name, value in reversed(originals):
            setattr(owner, name, value)


@functools.cache  # one class, made once: each guard's methods are socket.socket's by then
def _guarded_c_socket() -> type:
    def method(name: str) -> Any:
        def guarded(sock: Any, *args: Any) -> Any:
            return getattr(socket.socket, name)(sock, *args)
        return guarded

    return type("socket", (_socket.socket,), {m: method(m) for m in _SOCKET_METHODS})


@contextlib.contextmanager
def _children_guarded(guard: Guard) -> Iterator[None]:
    """Python processes started meanwhile install the same guard at start-up (a
    ``sitecustomize`` on their path) and report their attempts to a file read at the end."""
    if os.environ.get(_REPORT):  # already a guarded child: its parent collects the report
        yield
        return
    folder = _children_folder()
    report = guard.report = folder / f"attempts-{next(_reports)}"
    path = os.pathsep.join(p for p in (str(folder), os.environ.get("PYTHONPATH")) if p)
    with environment.variables({_REPORT: str(report), "PYTHONPATH": path,
                                _ALLOWED: json.dumps(list(guard.allowed_hosts))}, clear=()):
        try:
            yield
        finally:
            guard.attempts = guard.all_attempts()
            guard.report = None
            report.unlink(missing_ok=True)


_reports = itertools.count()  # one report file per guard, in the process's one folder


@functools.cache
def _children_folder() -> Path:
    """The folder put on children's path, with the ``sitecustomize`` that guards them: made
    once per process (every replayed test has a guard), and removed when the process ends."""
    folder = process_folder("awstape-guard-")
    (folder / "sitecustomize.py").write_text(_SITECUSTOMIZE, encoding="utf-8")
    return folder


_SITECUSTOMIZE = """\
# Written by awstape for the processes a replayed test starts: the same network guard.
try:
    from awstape.runtime.network import guard_this_process
except ImportError:  # another interpreter, without awstape: the namespace is the guard
    pass
else:
    guard_this_process()
"""


_process_guard: list[contextlib.AbstractContextManager[Guard]] = []


def guard_this_process() -> None:
    """Block the network in this whole process (a child of a replayed test)."""
    allowed = json.loads(os.environ.get(_ALLOWED) or "[]")
    _process_guard.append(blocked(allowed))  # kept: a collected guard would undo itself
    _process_guard[-1].__enter__()
