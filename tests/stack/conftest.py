"""The real system for integration tests: Tansu, SeaweedFS and the three services.

Two systems can run in one session, on disjoint ports: one on SQLite files and one on the
PostgreSQL server at 127.0.0.1:5432 (a fresh database, dropped afterwards). If PostgreSQL is
not reachable the PostgreSQL tests fail loudly; they are never skipped.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from reuse_tracker.stack.slots import stack_ports
from reuse_tracker.system import SystemConfig, start_system
from tests.support import pg
from tests.support.province_api import province_api
from tests.support.system import RunningSystem


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
        db_name, db_url = pg.new_database()
    cfg = SystemConfig(var_dir=var_dir, ports=ports, roots=("H44", "H10"), database_url=db_url)
    stack = start_system(cfg)
    try:
        yield RunningSystem(kind, stack, cfg)
    finally:
        stack.stop()
        if db_name is not None:
            pg.drop(db_name)


@pytest.fixture(scope="module")
def api(system: RunningSystem) -> Iterator[tuple[httpx.Client, dict[str, str]]]:
    """The auditor API over a small province published to H10, with tokens made by the
    command line (see tests/support/province_api.py)."""
    yield from province_api(system)
