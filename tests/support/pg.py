"""Fresh PostgreSQL databases for tests, on the server of TRACKER_TEST_PG (default
127.0.0.1:5432), dropped afterwards.

If the server is not reachable the test fails loudly: PostgreSQL tests are never skipped.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from reuse_tracker.stack.postgres import (
    DEFAULT_ADMIN_DSN,
    create_database,
    drop_database,
    new_database_name,
)

PG_ADMIN_DSN = os.environ.get("TRACKER_TEST_PG", DEFAULT_ADMIN_DSN)


async def _create(name: str) -> str:
    try:
        return await create_database(PG_ADMIN_DSN, name)
    except Exception as exc:  # the test must fail, loudly, not skip
        pytest.fail(
            f"PostgreSQL at {PG_ADMIN_DSN} is not reachable ({exc!r}); these tests run on "
            "PostgreSQL too. Start it or set TRACKER_TEST_PG."
        )


@asynccontextmanager
async def fresh_database(prefix: str = "tracker_unit") -> AsyncIterator[str]:
    """Create a database, yield its SQLAlchemy async URL, drop it."""
    name = new_database_name(prefix)
    url = await _create(name)
    try:
        yield url
    finally:
        await drop_database(PG_ADMIN_DSN, name)


def new_database(prefix: str = "tracker_test") -> tuple[str, str]:
    """Create a database outside any event loop: its name (for drop) and its URL."""
    name = new_database_name(prefix)
    return name, asyncio.run(_create(name))


def drop(name: str) -> None:
    """Drop a database made by new_database, outside any event loop."""
    asyncio.run(drop_database(PG_ADMIN_DSN, name))
