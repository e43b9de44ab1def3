"""Every statement on the projection's hot path uses an index, on SQLite and on PostgreSQL.

A simulated province is applied batch by batch; the statements of the later batches (the
steady state, with history behind them) are captured with their parameters and each one's
plan is read: `EXPLAIN QUERY PLAN` on SQLite, `EXPLAIN` with sequential scans disabled on
PostgreSQL (a small table is otherwise scanned by choice; with them disabled, a remaining
sequential scan means that no index can serve the statement). A full scan of a table that
grows with the number of dossiers, components, results or scans fails the test: such a
statement costs more with every fact, and a province-year would slow to a crawl.
"""

from __future__ import annotations

import functools
import re
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from schemas.internal import Fact
from services.common.db import create_tables, make_engine
from services.reuse import tables as t
from services.reuse.indicators import IndicatorReader
from services.reuse.projection import Projection, TableStatistics
from tests.support.pg import fresh_database
from tests.support.province_facts import facts_of, province_events

# Tables that grow with dossiers, components, results and scans (the catalogue and the
# per-day aggregates grow with units and days only).
GROWING = (
    "reuse_events",
    "reuse_dossiers",
    "reuse_components",
    "reuse_results",
    "reuse_scans",
    "reuse_statuses",
    "reuse_missed",
)
BATCH = 250
Captured = dict[str, tuple[str, Any]]  # one example (SQL, parameters) per statement shape


@functools.cache
def province() -> tuple[Fact, ...]:
    """1,200 dossiers of H44 (about 7,000 facts), catalogue spread through the stream."""
    return tuple(facts_of(province_events("H44", 1200, 5), "H44"))


async def _apply_and_capture(engine: AsyncEngine) -> Captured:
    """Apply the first half, then capture every statement of the second half."""
    await create_tables(engine, t.metadata)
    projection = Projection(engine)
    facts = list(province())
    half = len(facts) // 2
    for i in range(0, half, BATCH):
        await projection.apply(facts[i : i + BATCH])
    captured: Captured = {}

    def capture(_c: Any, _cur: Any, sql: str, params: Any, _ctx: Any, many: bool) -> None:
        if sql.lstrip().upper().startswith("INSERT"):
            return  # an insert probes the primary key or a unique index; nothing to plan
        shape = " ".join(sql.split())
        captured.setdefault(shape, (sql, params[0] if many else params))

    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    try:
        for i in range(half, len(facts), BATCH):
            await projection.apply(facts[i : i + BATCH])
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", capture)
    assert len(captured) > 10, "the hot path ran too few kinds of statements to judge"
    return captured


def _full_scans(plan_lines: list[str], pattern: str) -> list[str]:
    return [line for line in plan_lines if re.search(pattern, line)]


async def test_sqlite_hot_path_uses_indexes(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'reuse.db'}")
    try:
        captured = await _apply_and_capture(engine)
        # Any SCAN of a growing table is a full pass, with or without an index
        # ("SCAN t USING INDEX i" walks the whole index); SEARCH is a probe.
        pattern = r"^SCAN (" + "|".join(GROWING) + r")\b"
        bad: dict[str, list[str]] = {}
        async with engine.connect() as conn:
            for shape, (sql, params) in captured.items():
                rows = await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params)
                scans = _full_scans([str(r[-1]) for r in rows], pattern)  # the detail
                if scans:
                    bad[shape[:160]] = scans
    finally:
        await engine.dispose()
    assert not bad, bad


@pytest.fixture
async def pg_engine() -> AsyncIterator[AsyncEngine]:
    async with fresh_database("tracker_plans") as url:
        engine = make_engine(url)
        try:
            yield engine
        finally:
            await engine.dispose()


async def _pg_plan(conn: AsyncConnection, sql: str, params: Any) -> list[str]:
    rows = await conn.exec_driver_sql("EXPLAIN " + sql, params)
    return [str(r[0]) for r in rows]


@pytest.mark.postgres
async def test_postgresql_hot_path_uses_indexes(pg_engine: AsyncEngine) -> None:
    captured = await _apply_and_capture(pg_engine)
    pattern = r"Seq Scan on (" + "|".join(GROWING) + r")\b"
    bad: dict[str, list[str]] = {}
    async with pg_engine.connect() as conn:
        await conn.exec_driver_sql("ANALYZE")
        await conn.exec_driver_sql("SET enable_seqscan = off")
        for shape, (sql, params) in captured.items():
            if "pg_advisory_xact_lock" in sql:
                continue
            scans = _full_scans(await _pg_plan(conn, sql, params), pattern)
            if scans:
                bad[shape[:160]] = scans
    assert not bad, bad


@pytest.mark.postgres
async def test_postgresql_statistics_follow_a_growing_projection(pg_engine: AsyncEngine) -> None:
    """A projection growing from nothing analyzes its tables itself (TableStatistics), so the
    planner does not keep planning for the empty tables it first saw."""
    await create_tables(pg_engine, t.metadata)
    projection = Projection(pg_engine)
    facts = list(province())
    for i in range(0, len(facts), BATCH):
        await projection.apply(facts[i : i + BATCH])
    async with pg_engine.connect() as conn:
        rows = await conn.exec_driver_sql(
            "SELECT relname, analyze_count FROM pg_stat_user_tables WHERE relname LIKE 'reuse_%'"
        )
        counts = {str(m["relname"]): int(m["analyze_count"]) for m in rows.mappings()}
    assert len(facts) > TableStatistics.ANALYZE_AFTER
    # The projection's own tables and those the auditor API reads: planned for empty tables,
    # the API's per-procedure probe walked a year of rows for every (unit, procedure) pair.
    read_by_api = ("reuse_unit_procedures", "reuse_daily", "reuse_monthly", "reuse_daily_connected")
    for table in ("reuse_dossiers", "reuse_components", *read_by_api):
        assert counts[table] == 1, (table, counts)


@pytest.mark.postgres
async def test_postgresql_answers_indicators_without_walking_the_days_per_procedure(
    pg_engine: AsyncEngine,
) -> None:
    """After a projection grew from nothing, the reader's statements for a province-year
    neither scan nor filter far more rows than they return."""
    await create_tables(pg_engine, t.metadata)
    projection = Projection(pg_engine)
    facts = list(province())
    for i in range(0, len(facts), BATCH):
        await projection.apply(facts[i : i + BATCH])
    statements: list[tuple[str, Any]] = []

    def capture(_c: Any, _cur: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        statements.append((statement, parameters))

    event.listen(pg_engine.sync_engine, "before_cursor_execute", capture)
    try:
        await IndicatorReader(pg_engine).indicators("H44", date(2026, 1, 1), date(2026, 12, 31))
    finally:
        event.remove(pg_engine.sync_engine, "before_cursor_execute", capture)
    assert statements
    async with pg_engine.connect() as conn:
        for statement, parameters in statements:
            plan = "\n".join(
                (await conn.exec_driver_sql("EXPLAIN ANALYZE " + statement, parameters)).scalars()
            )
            removed = sum(int(n) for n in re.findall(r"Rows Removed by Join Filter: (\d+)", plan))
            assert removed < 10_000, plan
