"""Database helpers: async engines for SQLite (WAL) and PostgreSQL, and portable upserts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import MetaData, Table, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Create an async engine; SQLite gets WAL, a busy timeout and NORMAL sync."""
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


async def create_tables(engine: AsyncEngine, metadata: MetaData) -> None:
    """Create the service's tables if they do not exist yet."""
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)


def insert_ignore(engine: AsyncEngine, table: Table) -> Any:
    """An INSERT that silently skips rows whose key already exists (ON CONFLICT DO NOTHING)."""
    if engine.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()


def upsert(engine: AsyncEngine, table: Table, keys: list[str], update: list[str]) -> Any:
    """An INSERT that updates the `update` columns when the `keys` already exist."""
    if engine.dialect.name == "postgresql":
        pg = postgresql.insert(table)
        return pg.on_conflict_do_update(
            index_elements=keys, set_={c: pg.excluded[c] for c in update}
        )
    sq = sqlite.insert(table)
    return sq.on_conflict_do_update(index_elements=keys, set_={c: sq.excluded[c] for c in update})
