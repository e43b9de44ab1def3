"""A PostgreSQL cluster of the test's own, made with Debian's initdb and pg_ctl.

The crash suite stops its database on purpose, so it never uses the shared server at
127.0.0.1:5432: it starts a cluster in a temporary directory on a spare port of its own test
port slot, and removes it afterwards. As root, the server runs as the `postgres` system user
(PostgreSQL refuses to run as root).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from reuse_tracker.stack.ports import port_is_free


class PgError(RuntimeError):
    """The cluster could not be made, started or stopped."""


def pg_bin_dir() -> Path:
    """The newest /usr/lib/postgresql/<version>/bin holding initdb and pg_ctl."""

    def version(path: str) -> int:
        name = Path(path).parent.parent.name
        return int(name) if name.isdigit() else 0

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=version)
    if not found:
        raise PgError("no /usr/lib/postgresql/*/bin/pg_ctl: install Debian's postgresql package")
    return Path(found[-1]).parent


class PgCluster:
    """One throwaway cluster on 127.0.0.1:`port`, trust auth for user `postgres`."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.bin = pg_bin_dir()
        self.base = Path(tempfile.mkdtemp(prefix="tracker-pg-"))
        self.data = self.base / "data"
        self.log = self.base / "postgres.log"
        self.stops = 0
        self._run_as: str | None = "postgres" if os.geteuid() == 0 else None
        if self._run_as is not None:
            entry = pwd.getpwnam(self._run_as)
            os.chown(self.base, entry.pw_uid, entry.pw_gid)
        self.base.chmod(0o755)

    def _cmd(self, *argv: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        full = list(argv)
        if self._run_as is not None:
            full = ["runuser", "-u", self._run_as, "--", *full]
        done = subprocess.run(
            full, capture_output=True, text=True, timeout=timeout, cwd=self.base, check=False
        )
        if done.returncode != 0:
            raise PgError(f"{' '.join(argv[:2])} failed ({done.returncode}): {done.stderr[-2000:]}")
        return done

    def init(self) -> None:
        """initdb with trust auth, UTF-8, and no fsync at init (a test cluster)."""
        self._cmd(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )

    def start(self, timeout: float = 60) -> None:
        """Start on 127.0.0.1 only (socket in the cluster's own directory); wait until ready."""
        if not port_is_free(self.port):
            raise PgError(f"port {self.port} for the test's PostgreSQL is taken")
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.base} "
            "-c max_connections=200 -c shared_buffers=64MB"
        )
        self._cmd(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-o",
            options,
            "-w",
            "-t",
            str(int(timeout)),
            "start",
            timeout=timeout + 10,
        )

    def stop(self, mode: str = "immediate") -> None:
        """Stop the server; `immediate` is what a crash or a pulled plug looks like."""
        if not self.running:
            return
        self._cmd(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")
        self.stops += 1
        deadline = time.monotonic() + 15
        while not port_is_free(self.port) and time.monotonic() < deadline:
            time.sleep(0.1)

    @property
    def running(self) -> bool:
        """Whether the postmaster's pid file is there (pg_ctl status)."""
        pid_file = self.data / "postmaster.pid"
        return pid_file.exists()

    def create_database(self, name: str) -> str:
        """Create a database; returns its SQLAlchemy asyncpg URL."""
        self._cmd(
            str(self.bin / "psql"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            f'CREATE DATABASE "{name}"',
        )
        return self.url(name)

    def url(self, name: str) -> str:
        """postgresql+asyncpg://postgres@127.0.0.1:<port>/<name>."""
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{name}"

    def destroy(self) -> None:
        """Stop (fast) and delete the cluster's directory."""
        try:
            if self.running:
                self.stop("fast")
        finally:
            shutil.rmtree(self.base, ignore_errors=True)
