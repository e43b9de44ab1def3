"""Database helpers: async engines for SQLite (WAL) and PostgreSQL (a writer's and a
read-only one for request handlers), and portable upserts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import MetaData, Table, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

# How long a SQLite writer waits for another writer's transaction before "database is locked".
WRITER_BUSY_TIMEOUT_S = 30.0
# A reader in WAL mode never waits for a writer; it can only meet a lock while the WAL is
# being recovered or reset, which takes milliseconds.
READER_BUSY_TIMEOUT_S = 5.0
# Request handlers get their own pool, so a busy projection never holds the connections an
# auditor request needs: up to 20 at once, of which only 5 stay open when idle (on PostgreSQL
# every instance's connections count against max_connections).
READER_POOL_SIZE = 5
READER_MAX_OVERFLOW = 15


def make_engine(
    url: str, *, busy_timeout: float = WRITER_BUSY_TIMEOUT_S, **kwargs: Any
) -> AsyncEngine:
    """Create an async engine; SQLite gets WAL, a busy timeout (seconds) and NORMAL sync."""
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": busy_timeout}, **kwargs)
        busy_ms = int(busy_timeout * 1000)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute(f"PRAGMA busy_timeout={busy_ms}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


def make_read_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An engine that can only read, for request handlers: it never takes the write lock.

    SQLite: `query_only` refuses any write, and each checkout runs in one deferred read
    transaction (an explicit BEGIN instead of the driver's implicit, write-only one), so all
    statements of an `engine.connect()` block see the same last committed state; in WAL mode
    such a reader neither waits for the writer nor makes it wait. The journal mode is left to
    the writer's engine (WAL is a property of the file, set by the service at start-up).
    PostgreSQL: every transaction is READ ONLY (READ COMMITTED, so it sees the last commit).
    """
    kwargs.setdefault("pool_size", READER_POOL_SIZE)
    kwargs.setdefault("max_overflow", READER_MAX_OVERFLOW)
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": READER_BUSY_TIMEOUT_S}, **kwargs)
        busy_ms = int(READER_BUSY_TIMEOUT_S * 1000)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_reader(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # BEGIN is ours (below), not the driver's
            cur = dbapi_conn.cursor()
            cur.execute(f"PRAGMA busy_timeout={busy_ms}")
            cur.execute("PRAGMA query_only=ON")
            cur.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN DEFERRED")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    options = {"postgresql_readonly": True, **kwargs.pop("execution_options", {})}
    return create_async_engine(url, execution_options=options, **kwargs)


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
