"""The same service commands run on SQLite or on the local PostgreSQL, with only environment
variables changed: the PostgreSQL system's services get TRACKER_DATABASE_URL and nothing else
differs, and all their tables and schema versions are then in PostgreSQL, none in SQLite."""

from __future__ import annotations

import asyncio
import sys

import pytest
from sqlalchemy import inspect

from reuse_tracker.system import SERVICES, SystemConfig
from services.common import migrations
from services.common.db import make_engine
from tests.support.system import RunningSystem

pytestmark = pytest.mark.stack


def tables_in(url: str) -> set[str]:
    """Every table of a database."""

    async def go() -> set[str]:
        engine = make_engine(url)
        try:
            async with engine.connect() as conn:
                names: list[str] = await conn.run_sync(lambda c: inspect(c).get_table_names())
                return set(names)
        finally:
            await engine.dispose()

    return asyncio.run(go())


def test_services_use_the_database_the_environment_names(system: RunningSystem) -> None:
    cfg: SystemConfig = system.config
    sqlite_files = sorted(p.name for p in system.var_dir.glob("*.db"))
    if system.name == "sqlite":
        assert cfg.database_url is None
        assert sqlite_files == sorted(f"{s}.db" for s in SERVICES)
        for service in SERVICES:
            url = f"sqlite+aiosqlite:///{system.var_dir / f'{service}.db'}"
            assert migrations.current(service, url) == migrations.expected_heads(service)
        return
    assert cfg.database_url is not None
    assert cfg.database_url.startswith("postgresql+asyncpg://")
    assert "127.0.0.1:5432/" in cfg.database_url
    assert sqlite_files == [], "a service fell back to SQLite"
    names = tables_in(cfg.database_url)
    for service in SERVICES:
        assert migrations.version_table(service) in names
        assert migrations.current(service, cfg.database_url) == migrations.expected_heads(service)
        assert any(n.startswith(f"{service}_") for n in names)
    for proc in system.stack.services:
        assert proc.process.is_running, proc.name
        # The very command the SQLite system runs: only the environment differs.
        assert proc.process.argv == [sys.executable, "-m", f"services.{proc.name}"]
