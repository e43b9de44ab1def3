"""A fresh PostgreSQL database for one test module, dropped afterwards.

If the server is not reachable the test fails loudly: PostgreSQL tests are never skipped.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

PG_ADMIN_DSN = os.environ.get("TRACKER_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


async def _admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@asynccontextmanager
async def fresh_database(prefix: str = "tracker_unit") -> AsyncIterator[str]:
    """Create a database, yield its SQLAlchemy async URL, drop it."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    try:
        await _admin(f'CREATE DATABASE "{name}"')
    except Exception as exc:  # the test must fail, loudly, not skip
        pytest.fail(
            f"PostgreSQL at {PG_ADMIN_DSN} is not reachable ({exc!r}); these tests run on "
            "PostgreSQL too. Start it or set TRACKER_TEST_PG."
        )
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    try:
        yield f"{base}/{name}"
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
