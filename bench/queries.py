"""Auditor query latency with a province-year of dossiers loaded, on SQLite and PostgreSQL.

The province is the simulator's catalogue (15 departments, 100 communes, their procedures),
registered through the reuse projection. The dossiers (1 million by default) are then
bulk-loaded into the projection's dossier table with flags drawn at fixed rates, and the
per-day aggregates are rebuilt by a full recount: the read path under test reads only the
aggregates, and the write path is measured by the pipeline benchmarks. Timed: the indicator
object of the whole province over a year with its children (what `/v1/indicators?unit=H44&
from=...&to=...&breakdown=children` answers), of one department over a quarter, and every
unit of the tree at once (what the business gauges read).
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from reuse_tracker.simulator.catalogue import Catalogue, build_catalogue
from reuse_tracker.stack.postgres import DEFAULT_ADMIN_DSN, scratch_database
from schemas.internal import Fact
from schemas.topics import publisher_topic
from services.common.db import create_tables, make_engine
from services.reuse import aggregates, tables
from services.reuse.indicators import IndicatorReader
from services.reuse.projection import Projection

ROOT = "H44"
YEAR = (date(2026, 1, 1), date(2026, 12, 31))
TARGETS = {
    "sqlite.province_year_children.p95_ms": "< 100",
    "postgresql.province_year_children.p95_ms": "< 100",
}
UNITS = {"_ms": "ms", "_seconds": "s"}
PG_ADMIN_DSN = os.environ.get("TRACKER_TEST_PG", DEFAULT_ADMIN_DSN)
# Shares of dossiers with each flag: roughly what provinces report on the portal.
RATES = {
    "has_file": 0.8,
    "has_e_result": 0.35,
    "has_digitized_result": 0.45,
    "has_reuse": 0.25,
    "has_warehouse_component": 0.1,
    "result_pushed": 0.15,
    "vneid_authenticated": 0.4,
    "population_data_used": 0.3,
    "completed": 0.85,
}


def _fact(event_type: str, agency: str, data: dict[str, Any]) -> Fact:
    return {
        "event_id": str(uuid.uuid4()),
        "event_type": event_type,
        "root": ROOT,
        "agency_code": agency,
        "dossier_code": None,
        "occurred_at": "2025-12-01T08:00:00+07:00",
        "source_system": "bench",
        "data": data,
        "source": {"topic": publisher_topic(ROOT), "partition": 0, "offset": 0},
    }


def catalogue_facts(catalogue: Catalogue) -> list[Fact]:
    """agency.registered and procedure.assigned facts of the whole catalogue."""
    facts = [
        _fact(
            "agency.registered",
            u.code,
            {
                "name": u.name,
                "parent_code": u.parent,
                "level": u.level,
                "certified_copy_service": u.certified_copy_service,
            },
        )
        for u in catalogue.units
    ]
    for unit, code in catalogue.assignments:
        p = catalogue.procedure_by_code[code]
        facts.append(
            _fact(
                "procedure.assigned",
                unit,
                {
                    "procedure_code": code,
                    "name": p.name,
                    "citizen_facing": p.citizen_facing,
                    "result_document_required": p.result_document_required,
                },
            )
        )
    return facts


def dossier_rows(catalogue: Catalogue, count: int, seed: int) -> list[dict[str, Any]]:
    """`count` dossier rows spread over the year and the units, flags at fixed rates."""
    rng = random.Random(seed)
    units = [u.code for u in catalogue.units if catalogue.procedures_of[u.code]]
    days = (YEAR[1] - YEAR[0]).days + 1
    rows = []
    for i in range(count):
        unit = rng.choice(units)
        proc = rng.choice(catalogue.procedures_of[unit])
        day = YEAR[0] + timedelta(days=rng.randrange(days))
        flags = {name: rng.random() < share for name, share in RATES.items()}
        required = proc.result_document_required
        connected = (
            flags["vneid_authenticated"]
            or flags["population_data_used"]
            or flags["has_warehouse_component"]
        )
        received_at = datetime(day.year, day.month, day.day, 9).isoformat() + "+07:00"
        rows.append(
            {
                "root": ROOT,
                "dossier_code": f"{unit}-{i:07d}",
                "agency_code": unit,
                "procedure_code": proc.code,
                "channel": "online",
                "received_at": received_at,
                "received_date": day,
                "applicant_kind": "citizen",
                "applicant_hash": None,
                "intake_occurred_at": received_at,
                "intake_event_id": str(uuid.UUID(int=rng.getrandbits(128))),
                "status": 10 if flags["completed"] else 4,
                "status_changed_at": received_at,
                "citizen_connected": connected,
                "result_required": required,
                "so_hoa": flags["has_file"] and (flags["has_digitized_result"] or not required),
                "missed_components": 0,
                **flags,
            }
        )
    return rows


async def load(engine: AsyncEngine, dossiers: int, seed: int) -> dict[str, float]:
    """Create the tables, register the catalogue and load the dossiers; returns timings."""
    catalogue = build_catalogue(ROOT, seed)
    await create_tables(engine, tables.metadata)
    await Projection(engine).apply(catalogue_facts(catalogue))
    started = time.perf_counter()
    rows = dossier_rows(catalogue, dossiers, seed)
    async with engine.begin() as conn:
        for i in range(0, len(rows), 20_000):
            await conn.execute(tables.dossiers.insert(), rows[i : i + 20_000])
    loaded = time.perf_counter()
    async with engine.begin() as conn:
        await aggregates.rebuild(conn, ROOT)
    async with engine.connect() as conn:
        # Planner statistics, as a production database keeps them (autovacuum / a cron job).
        await conn.exec_driver_sql("ANALYZE")
        await conn.commit()
    return {
        "load_seconds": round(loaded - started, 1),
        "aggregate_seconds": round(time.perf_counter() - loaded, 1),
        "units": len(catalogue.units),
        "assignments": len(catalogue.assignments),
    }


async def latency(call: Callable[[], Awaitable[Any]], repeats: int) -> dict[str, float]:
    """p50/p95 in milliseconds of `repeats` calls, after three warm-up calls."""
    for _ in range(3):
        await call()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        await call()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 2),
        "max_ms": round(times[-1], 2),
        "runs": repeats,
    }


async def measure(url: str, dossiers: int, repeats: int, seed: int = 7) -> dict[str, Any]:
    """Load a database at `url` and time the auditor queries against it."""
    engine = make_engine(url)
    try:
        out: dict[str, Any] = await load(engine, dossiers, seed)
        reader = IndicatorReader(engine)
        quarter = (date(2026, 4, 1), date(2026, 6, 30))
        province = await reader.indicators(ROOT, *YEAR, breakdown=True)
        assert province["metrics"][0]["denominator"] == dossiers
        out["province_year_children"] = await latency(
            lambda: reader.indicators(ROOT, *YEAR, breakdown=True), repeats
        )
        out["department_quarter"] = await latency(
            lambda: reader.indicators(f"{ROOT}.01", *quarter, breakdown=True), repeats
        )
        out["every_unit_year"] = await latency(
            lambda: reader.indicators_for_tree(ROOT, *YEAR), max(5, repeats // 5)
        )
        return out
    finally:
        await engine.dispose()


async def _on_postgres(dossiers: int, repeats: int) -> dict[str, Any]:
    async with scratch_database(PG_ADMIN_DSN, "tracker_bench") as url:
        return await measure(url, dossiers, repeats)


def run(*, quick: bool = False) -> dict[str, Any]:
    """Both databases; 1 million dossiers (20,000 with quick)."""
    dossiers = 20_000 if quick else 1_000_000
    repeats = 20 if quick else 100
    result: dict[str, Any] = {"dossiers": dossiers}
    with TemporaryDirectory(prefix="bench-queries-") as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'reuse.db'}"
        result["sqlite"] = asyncio.run(measure(url, dossiers, repeats))
    result["postgresql"] = asyncio.run(_on_postgres(dossiers, repeats))
    return result


if __name__ == "__main__":
    import json

    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
