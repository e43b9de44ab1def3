"""The whole system on the reliability port set, with the controls a crash test needs:
kill and restart a service, restart the broker, stop S3, stop the database; and read what
the services stored straight from their tables."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import create_async_engine

from reuse_tracker.stack import LocalStack, PortTaken, StackConfig, StackError, StackPorts
from reuse_tracker.stack.slots import spare_port, stack_ports
from reuse_tracker.system import SERVICES, SystemConfig, start_service

from .pgcluster import PgCluster

STACK = "reliability"  # the reliability suites' test port set (reuse_tracker/stack/slots.py)


def ports() -> StackPorts:
    """The port set of the reliability and hostile-input suites."""
    return stack_ports(STACK)


def pg_port() -> int:
    """Where the suites' own PostgreSQL cluster listens."""
    return spare_port(STACK)


@contextlib.contextmanager
def own_postgres() -> Iterator[PgCluster]:
    """A fresh PostgreSQL cluster on pg_port(), removed afterwards."""
    cluster = PgCluster(pg_port())
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()


@dataclass
class Harness:
    """A started system and the faults it has been through."""

    stack: LocalStack
    config: SystemConfig
    pg: PgCluster | None = None
    log: list[str] = field(default_factory=list)
    began: float = field(default_factory=time.monotonic)

    @property
    def ports(self) -> StackPorts:
        return self.config.ports

    def note(self, what: str) -> None:
        """Record (and print) one fault or recovery with the time since start."""
        line = f"[{time.monotonic() - self.began:7.1f}s] {what}"
        self.log.append(line)
        print(line, flush=True)

    # -- faults ----------------------------------------------------------------------------

    def kill(self, name: str) -> None:
        """kill -9 a service."""
        pid = self.stack.kill_service(name)
        self.note(f"kill -9 {name} (pid {pid})")

    def restart(self, name: str) -> None:
        """Start a killed service again and wait until it is healthy."""
        _start_service(self.stack, self.config, name)
        self.note(f"{name} restarted (pid {self.stack.service(name).pid})")

    def restart_broker(self) -> None:
        """Stop Tansu and start it again on its S3 storage."""
        self.note("broker restarting")
        self.stack.restart_broker()
        self.note("broker back")

    def stop_s3(self) -> None:
        self.note("S3 store stopped")
        self.stack.stop_s3()

    def start_s3(self) -> None:
        _retry_taken_port(self.stack.start_s3)
        self.note("S3 store back")

    def stop_database(self) -> None:
        assert self.pg is not None
        self.note("PostgreSQL stopped (immediate)")
        self.pg.stop("immediate")

    def start_database(self) -> None:
        assert self.pg is not None
        self.pg.start()
        self.note("PostgreSQL back")

    def pids(self) -> dict[str, int]:
        """The live pid of each service."""
        out: dict[str, int] = {}
        for name in SERVICES:
            proc = self.stack.service(name)
            if proc.is_running and proc.pid is not None:
                out[name] = proc.pid
        return out

    # -- what the services stored -----------------------------------------------------------

    def database_url(self, service: str) -> str:
        if self.config.database_url:
            return self.config.database_url
        return f"sqlite+aiosqlite:///{(self.config.var_dir / f'{service}.db').resolve()}"

    def query(self, service: str, stmt: Select[Any]) -> list[Any]:
        """Rows of a SELECT on a service's database."""

        async def go() -> list[Any]:
            engine = create_async_engine(self.database_url(service))
            try:
                async with engine.connect() as conn:
                    return list((await conn.execute(stmt)).all())
            finally:
                await engine.dispose()

        return asyncio.run(go())

    def count(self, service: str, table: Any) -> int:
        """Rows in a table."""
        return int(self.query(service, select(func.count()).select_from(table))[0][0])


def _retry_taken_port(start: Callable[[], None], attempts: int = 5) -> None:
    """Start, again if a port is taken: most test ports lie in the ephemeral range, where a
    client connection of another suite may hold one for a moment."""
    for attempt in range(attempts):
        try:
            start()
            return
        except PortTaken:
            if attempt == attempts - 1:
                raise
            time.sleep(2)


def _start_service(stack: LocalStack, cfg: SystemConfig, name: str, attempts: int = 5) -> None:
    """start_service, again if its HTTP port is taken for a moment (see _retry_taken_port)."""
    for attempt in range(attempts):
        try:
            start_service(stack, cfg, name)
            return
        except StackError as exc:
            # Taken at the check (PortTaken) or between the check and the bind.
            taken = isinstance(exc, PortTaken) or "address already in use" in str(exc)
            if attempt == attempts - 1 or not taken:
                raise
            time.sleep(3)


@contextlib.contextmanager
def running_system(
    var_dir: Path,
    *,
    roots: tuple[str, ...] = ("H44",),
    database_url: str | None = None,
    pg: PgCluster | None = None,
    extra_env: Mapping[str, str] | None = None,
    s3_keys: tuple[str, str] = ("tracker", "tracker-secret"),
) -> Iterator[Harness]:
    """Start SeaweedFS, Tansu (on S3 storage), the topics and the three services."""
    cfg = SystemConfig(
        var_dir=var_dir, ports=ports(), roots=roots, database_url=database_url, extra_env=extra_env
    )
    stack = LocalStack(
        StackConfig(
            var_dir=var_dir,
            ports=cfg.ports,
            roots=roots,
            s3_access_key=s3_keys[0],
            s3_secret_key=s3_keys[1],
        )
    )
    _retry_taken_port(stack.start_infra)
    try:
        for name in SERVICES:
            _start_service(stack, cfg, name)
        yield Harness(stack, cfg, pg)
    finally:
        stack.stop()
