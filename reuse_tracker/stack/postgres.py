"""Scratch PostgreSQL databases for test and benchmark runs: create one on a server the run
is given (an admin DSN), hand out its SQLAlchemy URL, drop it afterwards."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

DEFAULT_ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"


async def admin_execute(admin_dsn: str, sql: str) -> None:
    """Run one statement on the server's admin database (CREATE/DROP DATABASE cannot run in
    a transaction, so this is a plain connection)."""
    import asyncpg

    conn = await asyncpg.connect(admin_dsn, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def new_database_name(prefix: str) -> str:
    """A name no other run uses: `<prefix>_<10 hex digits>`."""
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def database_url(admin_dsn: str, name: str) -> str:
    """The SQLAlchemy async URL of database `name` on the admin DSN's server."""
    base = admin_dsn.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    return f"{base}/{name}"


async def create_database(admin_dsn: str, name: str) -> str:
    """Create database `name`; its SQLAlchemy async URL. Raises if the server is unreachable."""
    await admin_execute(admin_dsn, f'CREATE DATABASE "{name}"')
    return database_url(admin_dsn, name)


async def drop_database(admin_dsn: str, name: str) -> None:
    """Drop database `name` if it exists, closing its connections."""
    await admin_execute(admin_dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@asynccontextmanager
async def scratch_database(admin_dsn: str, prefix: str) -> AsyncIterator[str]:
    """A new database's URL for the block; dropped afterwards."""
    name = new_database_name(prefix)
    url = await create_database(admin_dsn, name)
    try:
        yield url
    finally:
        await drop_database(admin_dsn, name)
