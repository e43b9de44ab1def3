"""The real system for integration tests: Tansu, SeaweedFS and the three services.

Two systems can run in one session, on disjoint ports: one on SQLite files and one on the
PostgreSQL server at 127.0.0.1:5432 (a fresh database, dropped afterwards). If PostgreSQL is
not reachable the PostgreSQL tests fail loudly; they are never skipped.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from reuse_tracker.stack import LocalStack, StackPorts
from reuse_tracker.stack.slots import stack_ports
from reuse_tracker.system import SystemConfig, start_system

PG_ADMIN_DSN = os.environ.get("TRACKER_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


@dataclass
class RunningSystem:
    """A started system and where to reach it."""

    name: str
    stack: LocalStack
    config: SystemConfig

    @property
    def ports(self) -> StackPorts:
        return self.config.ports

    @property
    def var_dir(self) -> Path:
        return self.config.var_dir


async def _pg(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _pg_database() -> tuple[str, str]:
    name = f"tracker_test_{uuid.uuid4().hex[:10]}"
    try:
        asyncio.run(_pg(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # the test must fail, loudly, not skip
        pytest.fail(
            f"PostgreSQL at {PG_ADMIN_DSN} is not reachable ({exc!r}); the suite runs its "
            "integration tests on PostgreSQL too. Start it or set TRACKER_TEST_PG."
        )
    dsn = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    return name, f"{dsn}/{name}"


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def system(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningSystem]:
    """The whole system, once on SQLite and once on PostgreSQL."""
    kind = request.param
    var_dir = tmp_path_factory.mktemp(f"system-{kind}")
    ports = stack_ports("system-sqlite" if kind == "sqlite" else "system-postgresql")
    db_name = None
    db_url = None
    if kind == "postgres":
        db_name, db_url = _pg_database()
    cfg = SystemConfig(var_dir=var_dir, ports=ports, roots=("H44", "H10"), database_url=db_url)
    stack = start_system(cfg)
    try:
        yield RunningSystem(kind, stack, cfg)
    finally:
        stack.stop()
        if db_name is not None:
            asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))
