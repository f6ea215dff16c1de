"""A throwaway PostgreSQL on loopback, for the RDS workflow's tests and the demo.

``initdb`` into a temporary directory, ``postgres`` on a free 127.0.0.1 port with password
authentication, removed on exit. Both refuse to run as root, so as root they run as the
``postgres`` user (or ``nobody``). Debian's ``postgresql`` package provides the binaries
(``scripts/setup.sh`` installs it when missing).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg

SUPERUSER = "postgres"


@dataclass(frozen=True)
class LocalPostgres:
    host: str
    port: int
    user: str
    password: str

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def connect(self, dbname: str = "postgres", user: str | None = None,
                password: str | None = None) -> psycopg.Connection:
        return psycopg.connect(host=self.host, port=self.port, dbname=dbname,
                               user=user or self.user, password=password or self.password,
                               autocommit=True, connect_timeout=5)


def _binaries() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                   key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0)
    if found:
        return found[-1].parent
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    raise RuntimeError("PostgreSQL's server binaries are missing: run scripts/setup.sh "
                       "(it installs Debian's postgresql package), or apt-get install postgresql")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run_as() -> str | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    raise RuntimeError("running as root, and there is no postgres or nobody user to run as")


@contextlib.contextmanager
def running(password: str | None = None) -> Iterator[LocalPostgres]:
    """Start PostgreSQL for the block; its superuser is ``postgres`` with ``password``."""
    bin_dir = _binaries()
    user = _run_as()
    password = password or secrets.token_urlsafe(18)
    root = Path(tempfile.mkdtemp(prefix="awstape-pg-"))
    data = root / "data"
    pwfile = root / "pwfile"
    pwfile.write_text(password + "\n")
    if user is not None:
        entry = pwd.getpwnam(user)
        for path in (root, pwfile):
            os.chown(path, entry.pw_uid, entry.pw_gid)
    os.chmod(root, 0o700)
    os.chmod(pwfile, 0o600)
    server: subprocess.Popen[bytes] | None = None
    try:
        subprocess.run(
            [str(bin_dir / "initdb"), "-D", str(data), "-U", SUPERUSER, "--pwfile", str(pwfile),
             "--auth=scram-sha-256", "-E", "UTF8", "--no-sync"],
            user=user, check=True, capture_output=True)
        port = _free_port()
        log = root / "server.log"
        with log.open("wb") as log_file:  # a file, not a pipe: a full pipe would stall it
            server = subprocess.Popen(
                [str(bin_dir / "postgres"), "-D", str(data), "-h", "127.0.0.1", "-p", str(port),
                 "-k", str(root), "-c", "fsync=off", "-c", "full_page_writes=off"],
                user=user, stdout=log_file, stderr=log_file)
        database = LocalPostgres("127.0.0.1", port, SUPERUSER, password)
        _wait_until_ready(database, server, log)
        yield database
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(root, ignore_errors=True)


def _wait_until_ready(database: LocalPostgres, server: subprocess.Popen[bytes],
                      log: Path) -> None:
    deadline = time.monotonic() + 30
    while True:
        if server.poll() is not None:
            error = log.read_text(errors="replace")
            raise RuntimeError(f"PostgreSQL exited at start: {error[-2000:]}")
        try:
            database.connect().close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
