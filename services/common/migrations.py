"""Schema migrations: one Alembic history per service, and the start-up check of the schema.

Each service keeps its history in `services/<service>/migrations/` and records its version in
its own table, `alembic_version_<service>`, so the three histories can share one database (as
they do in production, tables prefixed per service) without seeing each other's tables.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import NullPool

from .db import make_engine

SERVICES = ("ingest", "digitizer", "reuse")
T = TypeVar("T")


class SchemaOutdated(RuntimeError):
    """The database schema of a service is not the one its code was written for."""


def version_table(service: str) -> str:
    """The table that records which revision of `service`'s history the database is at."""
    return f"alembic_version_{service}"


def table_prefix(service: str) -> str:
    """Every table a service owns starts with this (`reuse_units`, `ingest_events`, ...)."""
    return f"{service}_"


def alembic_config(service: str, url: str = "") -> Config:
    """An Alembic configuration for one service's history (no alembic.ini needed)."""
    if service not in SERVICES:
        raise ValueError(f"unknown service {service!r}; one of {', '.join(SERVICES)}")
    cfg = Config()
    cfg.set_main_option("script_location", f"services.{service}:migrations")
    # ConfigParser interpolates %; URLs may hold percent-encoded passwords.
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    cfg.attributes["service"] = service
    return cfg


def expected_heads(service: str) -> set[str]:
    """The head revision(s) of the service's history: what its code needs."""
    return set(ScriptDirectory.from_config(alembic_config(service)).get_heads())


def current_revisions(connection: Connection, service: str) -> set[str]:
    """The revision(s) the database is at for `service` (empty: never migrated)."""
    ctx = MigrationContext.configure(connection, opts={"version_table": version_table(service)})
    return set(ctx.get_current_heads())


async def ensure_schema_current(engine: AsyncEngine, service: str) -> None:
    """Refuse to start on a database whose schema is not exactly at the code's head revision."""
    wanted = expected_heads(service)
    async with engine.connect() as conn:
        found = await conn.run_sync(current_revisions, service)
    if found == wanted:
        return
    at = ", ".join(sorted(found)) or "no revision (empty database)"
    raise SchemaOutdated(
        f"the {service} database schema is at {at} but this version of the code needs "
        f"{', '.join(sorted(wanted))}: run `reuse-tracker db upgrade --service {service}` "
        "with the same TRACKER_DATABASE_URL (or TRACKER_VAR_DIR), then start the service again"
    )


def run_async(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to completion from synchronous code, even inside a running event loop
    (then in a separate thread, since Alembic's commands are synchronous)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(make())
        except BaseException as exc:
            box["error"] = exc

    worker = threading.Thread(target=target, name="migrations")
    worker.start()
    worker.join()
    if "error" in box:
        raise box["error"]
    result: T = box["value"]
    return result


def run_env(service: str, metadata: MetaData) -> None:
    """The body of every service's `migrations/env.py`: migrate with an async engine."""
    from alembic import context

    cfg = context.config
    url = cfg.get_main_option("sqlalchemy.url") or ""
    prefix = table_prefix(service)

    def include_name(name: str | None, type_: str, _parents: Any) -> bool:
        # Only this service's tables: the others' live in the same database.
        return type_ != "table" or (name or "").startswith(prefix)

    options: dict[str, Any] = {
        "target_metadata": metadata,
        "version_table": version_table(service),
        "include_name": include_name,
        # SQLite alters tables by copying them; batch mode does that for every ALTER.
        "render_as_batch": True,
        "compare_type": True,
    }
    if context.is_offline_mode():
        context.configure(url=url, literal_binds=True, **options)
        with context.begin_transaction():
            context.run_migrations()
        return

    def migrate(connection: Connection) -> None:
        context.configure(connection=connection, **options)
        with context.begin_transaction():
            context.run_migrations()

    async def go() -> None:
        engine = make_engine(url, poolclass=NullPool)
        try:
            async with engine.connect() as conn:
                await conn.run_sync(migrate)
                await conn.commit()
        finally:
            await engine.dispose()

    run_async(go)


def upgrade(service: str, url: str, revision: str = "head") -> None:
    """Bring the service's schema up to `revision` (default: the code's head).

    A database whose tables were created before migrations existed (no version table, but the
    service's tables are there) is first stamped at the service's first revision."""
    from alembic import command

    cfg = alembic_config(service, url)
    if not current(service, url) and _has_own_tables(service, url):
        command.stamp(cfg, f"{service}_0001")
    command.upgrade(cfg, revision)


def _has_own_tables(service: str, url: str) -> bool:
    from sqlalchemy import inspect

    async def go() -> bool:
        engine = make_engine(url, poolclass=NullPool)
        try:
            async with engine.connect() as conn:
                names: list[str] = await conn.run_sync(lambda c: inspect(c).get_table_names())
        finally:
            await engine.dispose()
        return any(name.startswith(table_prefix(service)) for name in names)

    return run_async(go)


def downgrade(service: str, url: str, revision: str) -> None:
    """Take the service's schema back to `revision` (`base` removes its tables)."""
    from alembic import command

    command.downgrade(alembic_config(service, url), revision)


def check(service: str, url: str) -> None:
    """Raise if the tables in `tables.py` differ from what the migrations create (drift)."""
    from alembic import command

    command.check(alembic_config(service, url))


def current(service: str, url: str) -> set[str]:
    """The revision(s) the database at `url` is at for `service`."""

    async def go() -> set[str]:
        engine = make_engine(url, poolclass=NullPool)
        try:
            async with engine.connect() as conn:
                found: set[str] = await conn.run_sync(current_revisions, service)
                return found
        finally:
            await engine.dispose()

    return run_async(go)
