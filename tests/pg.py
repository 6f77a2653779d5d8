"""A throwaway PostgreSQL cluster on loopback, started by the test run itself.

Debian's ``postgresql`` package (installed by scripts/ensure-tools.sh) puts its
binaries under /usr/lib/postgresql/<version>/bin. initdb refuses to run as
root, so as root the cluster belongs to the ``postgres`` user, in a directory
under /tmp that user owns (short enough for a unix socket path, and not under
pytest's 0700 folders). Missing binaries fail the run: they never skip it.
"""

from __future__ import annotations

import itertools
import os
import pwd
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from site_app.devmail import free_port

PG_ROOT = Path("/usr/lib/postgresql")
# Throwaway data: durability costs time and proves nothing here.
FAST = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")


def pg_bin() -> Path:
    """The newest installed server's bin folder."""
    found = sorted(
        (p.parent for p in PG_ROOT.glob("*/bin/initdb")),
        key=lambda p: [int(n) for n in re.findall(r"\d+", p.parent.name)],
    )
    if not found:
        raise RuntimeError(
            f"no PostgreSQL server under {PG_ROOT}: run `make tools` "
            "(scripts/ensure-tools.sh installs Debian's postgresql)"
        )
    return found[-1]


class PostgresCluster:
    """``initdb`` + ``pg_ctl start`` on 127.0.0.1:<free port>; ``stop()`` removes it all."""

    def __init__(self, durable: bool = False, max_connections: int = 200) -> None:
        self.bin = pg_bin()
        self.durable = durable
        self.max_connections = max_connections
        self.port = 0
        self.folder = Path(tempfile.mkdtemp(prefix="glissando-pg-", dir="/tmp"))
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self._names = itertools.count(1)
        # As root, everything runs as `postgres`; as anyone else, as themselves.
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self._as:
            entry = pwd.getpwnam("postgres")
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)

    def _run(self, *command: str, timeout: float = 120) -> None:
        result = subprocess.run(
            [*self._as, *command],
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"{Path(command[0]).name} failed ({result.returncode}): "
                f"{result.stdout[-2000:]}{result.stderr[-2000:]}{self.server_log()}"
            )

    def server_log(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""

    def start(self) -> PostgresCluster:
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            *(() if self.durable else ("--no-sync",)),
        )
        options = [
            "-c listen_addresses=127.0.0.1",
            f"-c unix_socket_directories={self.folder}",
            f"-c max_connections={self.max_connections}",
            "-c timezone=UTC",
            *([] if self.durable else [f"-c {setting}" for setting in FAST]),
        ]
        for _ in range(3):  # a port taken between free_port() and the bind: try another
            self.port = free_port()
            try:
                self._run(
                    str(self.bin / "pg_ctl"),
                    "start",
                    "-w",
                    "-t",
                    "60",
                    "-D",
                    str(self.data),
                    "-l",
                    str(self.log),
                    "-o",
                    " ".join([f"-p {self.port}", *options]),
                )
                return self
            except RuntimeError:
                if "could not bind" not in self.server_log():
                    raise
        raise RuntimeError(f"PostgreSQL could not find a free port: {self.server_log()}")

    def admin(self, dbname: str = "postgres") -> psycopg.Connection[tuple[Any, ...]]:
        return psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname=dbname, autocommit=True
        )

    def create_database(self, prefix: str = "t") -> str:
        """A fresh, empty database; returns its SQLAlchemy URL."""
        name = f"{prefix}{next(self._names)}"
        with self.admin() as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def url(self, name: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            try:
                self._run(str(self.bin / "pg_ctl"), "stop", "-D", str(self.data), "-m", "immediate")
            except (RuntimeError, subprocess.TimeoutExpired):
                pass  # already gone; removing the folder is what matters
        for _ in range(50):
            shutil.rmtree(self.folder, ignore_errors=True)
            if not self.folder.exists():
                return
            time.sleep(0.1)

    def __enter__(self) -> PostgresCluster:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    """One cluster for the whole run; each test asks it for a fresh database."""
    with PostgresCluster() as cluster:
        yield cluster
