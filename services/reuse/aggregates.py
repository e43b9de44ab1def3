"""Per-unit, per-day aggregates, kept exact by adding each dossier's change in contribution.

A dossier contributes to one (unit, day of receipt) row: a count per indicator, once for
each denominator policy whose population it belongs to. The projection snapshots the
contributions of every dossier a batch may change, before and after applying it, and adds
the difference, so the aggregates equal a full recount at every commit (a test checks it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.expression import ColumnElement

from . import keys as dossier_keys
from . import tables as t
from .keys import DossierKey
from .vocabulary import REUSE_ORIGINS

DayKey = tuple[str, str, date]  # root, agency, day
ProcedureDayKey = tuple[str, str, str, date]  # root, agency, procedure, day


def _count_components(*where: ColumnElement[bool]) -> Any:
    c, d = t.components, t.dossiers
    return (
        select(func.count())
        .where(c.c.root == d.c.root, c.c.dossier_code == d.c.dossier_code, *where)
        .scalar_subquery()
    )


def _snapshot_query() -> Any:
    d, c = t.dossiers, t.components
    return select(
        d.c.root,
        d.c.dossier_code,
        d.c.agency_code,
        d.c.procedure_code,
        d.c.received_date,
        d.c.completed,
        d.c.result_required,
        d.c.has_e_result,
        d.c.so_hoa,
        d.c.has_reuse,
        d.c.has_warehouse_component,
        d.c.result_pushed,
        d.c.citizen_connected,
        d.c.missed_components,
        _count_components(c.c.origin.in_(REUSE_ORIGINS)).label("reuse_components"),
        _count_components(c.c.origin.in_(REUSE_ORIGINS), c.c.verified.is_(True)).label(
            "verified_components"
        ),
    )


async def snapshot(conn: AsyncConnection, keys: Iterable[DossierKey]) -> list[Any]:
    """The contribution-relevant columns of these dossiers as they are now."""
    rows: list[Any] = []
    for root, codes in dossier_keys.grouped(keys):
        stmt = _snapshot_query().where(dossier_keys.of(t.dossiers, root, codes))
        rows.extend((await conn.execute(stmt)).all())
    return rows


def counts(row: Any) -> dict[str, int]:
    """A dossier's contribution to its day row, by count name (see tables.DAILY_COUNTS)."""
    missed = int(row.missed_components or 0)
    return {
        "total": 1,
        "e_result": int(bool(row.has_e_result)),
        "so_hoa": int(bool(row.so_hoa)),
        "reuse": int(bool(row.has_reuse)),
        "synced": int(bool(row.has_warehouse_component or row.result_pushed)),
        "connected": int(bool(row.citizen_connected)),
        "missed_dossiers": int(missed > 0),
        "missed_components": missed,
        "reuse_or_missed": int(bool(row.has_reuse) or missed > 0),
        "reuse_components": int(row.reuse_components or 0),
        "verified_components": int(row.verified_components or 0),
    }


def policies_of(row: Any) -> list[str]:
    """The denominator policies whose population holds this dossier."""
    out = ["received"]
    if row.completed:
        out.append("completed")
    if row.result_required:
        out.append("result_required")
    return out


class Deltas:
    """Differences to add to the aggregate tables."""

    def __init__(self) -> None:
        self.daily: dict[DayKey, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.connected: dict[ProcedureDayKey, dict[str, int]] = defaultdict(
            lambda: defaultdict(int)
        )
        self.pairs: set[tuple[str, str, str]] = set()

    def monthly(self) -> dict[DayKey, dict[str, int]]:
        """The daily differences rolled up by calendar month (keyed by its first day)."""
        out: dict[DayKey, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for (root, agency, day), values in self.daily.items():
            month = out[(root, agency, day.replace(day=1))]
            for name, value in values.items():
                month[name] += value
        return out

    def add(self, rows: Iterable[Any], sign: int) -> None:
        """Add (sign=1) or remove (sign=-1) these dossiers' contributions."""
        for row in rows:
            n = counts(row)
            day_key = (row.root, row.agency_code, row.received_date)
            proc_key = (row.root, row.agency_code, row.procedure_code, row.received_date)
            for policy in policies_of(row):
                day = self.daily[day_key]
                for name, value in n.items():
                    day[f"{policy}_{name}"] += sign * value
                self.connected[proc_key][f"{policy}_connected"] += sign * n["connected"]
            if sign > 0:
                self.pairs.add((row.root, row.agency_code, row.procedure_code))


_INCREMENTS: dict[tuple[str, str], Any] = {}


def _increment(conn: AsyncConnection, table: Any, keys: Sequence[str]) -> Any:
    """INSERT … ON CONFLICT DO UPDATE SET count = count + excluded.count (built once)."""
    cache_key = (conn.dialect.name, table.name)
    if cache_key not in _INCREMENTS:
        _INCREMENTS[cache_key] = _build_increment(conn, table, keys)
    return _INCREMENTS[cache_key]


def _build_increment(conn: AsyncConnection, table: Any, keys: Sequence[str]) -> Any:
    values = [c.name for c in table.columns if c.name not in keys]
    if conn.dialect.name == "postgresql":
        pg = postgresql.insert(table)
        return pg.on_conflict_do_update(
            index_elements=list(keys), set_={v: table.c[v] + pg.excluded[v] for v in values}
        )
    sq = sqlite.insert(table)
    return sq.on_conflict_do_update(
        index_elements=list(keys), set_={v: table.c[v] + sq.excluded[v] for v in values}
    )


def _rows(
    changes: Mapping[tuple[Any, ...], Mapping[str, int]], table: Any, keys: Sequence[str]
) -> list[dict[str, Any]]:
    values = [c.name for c in table.columns if c.name not in keys]
    out = []
    for key, delta in sorted(changes.items()):
        if any(delta.values()):
            out.append(
                {**dict(zip(keys, key, strict=True)), **{v: delta.get(v, 0) for v in values}}
            )
    return out


DAILY_KEYS = ("root", "agency_code", "day")
MONTHLY_KEYS = ("root", "agency_code", "month")
CONNECTED_KEYS = ("root", "agency_code", "procedure_code", "day")
PAIR_KEYS = ("root", "agency_code", "procedure_code")


async def apply_deltas(conn: AsyncConnection, deltas: Deltas) -> None:
    """Add the differences to the day, month and procedure tables (one statement each)."""
    daily = _rows(deltas.daily, t.daily, DAILY_KEYS)
    if daily:
        await conn.execute(_increment(conn, t.daily, DAILY_KEYS), daily)
    monthly = _rows(deltas.monthly(), t.monthly, MONTHLY_KEYS)
    if monthly:
        await conn.execute(_increment(conn, t.monthly, MONTHLY_KEYS), monthly)
    connected = _rows(deltas.connected, t.daily_connected, CONNECTED_KEYS)
    if connected:
        await conn.execute(_increment(conn, t.daily_connected, CONNECTED_KEYS), connected)
    if deltas.pairs:
        pairs = [dict(zip(PAIR_KEYS, p, strict=True)) for p in sorted(deltas.pairs)]
        if conn.dialect.name == "postgresql":
            stmt: Any = postgresql.insert(t.unit_procedures).on_conflict_do_nothing()
        else:
            stmt = sqlite.insert(t.unit_procedures).on_conflict_do_nothing()
        await conn.execute(stmt, pairs)


async def recount(conn: AsyncConnection, root: str) -> Deltas:
    """The aggregates of a root computed from scratch from its dossiers."""
    fresh = Deltas()
    rows = (await conn.execute(_snapshot_query().where(t.dossiers.c.root == root))).all()
    fresh.add(rows, +1)
    return fresh


async def stored_monthly(conn: AsyncConnection, root: str) -> dict[Any, dict[str, int]]:
    """The month rows of a root as stored, nonzero counts only."""
    out: dict[Any, dict[str, int]] = {}
    for row in (await conn.execute(select(t.monthly).where(t.monthly.c.root == root))).mappings():
        values = {k: v for k, v in row.items() if k not in MONTHLY_KEYS and v}
        if values:
            out[(row["root"], row["agency_code"], row["month"])] = values
    return out


async def stored(conn: AsyncConnection, root: str) -> Deltas:
    """The aggregates of a root as stored (rows whose counts are all zero left out)."""
    out = Deltas()
    for row in (await conn.execute(select(t.daily).where(t.daily.c.root == root))).mappings():
        values = {k: v for k, v in row.items() if k not in DAILY_KEYS and v}
        if values:
            out.daily[(row["root"], row["agency_code"], row["day"])].update(values)
    query = select(t.daily_connected).where(t.daily_connected.c.root == root)
    for row in (await conn.execute(query)).mappings():
        values = {k: v for k, v in row.items() if k not in CONNECTED_KEYS and v}
        if values:
            key = (row["root"], row["agency_code"], row["procedure_code"], row["day"])
            out.connected[key].update(values)
    pairs = select(t.unit_procedures).where(t.unit_procedures.c.root == root)
    out.pairs = {(r.root, r.agency_code, r.procedure_code) for r in await conn.execute(pairs)}
    return out


def nonzero(src: Mapping[Any, Mapping[str, int]]) -> dict[Any, dict[str, int]]:
    """Nonzero counts only, as plain dicts (to compare a recount with what is stored)."""
    out = {}
    for key, values in src.items():
        kept = {k: v for k, v in values.items() if v}
        if kept:
            out[key] = kept
    return out


def as_plain(deltas: Deltas) -> tuple[dict[Any, dict[str, int]], dict[Any, dict[str, int]]]:
    """The day and procedure-day counts, nonzero only."""
    return nonzero(deltas.daily), nonzero(deltas.connected)


async def rebuild(conn: AsyncConnection, root: str) -> None:
    """Replace a root's aggregates by a full recount (repair after a manual data fix)."""
    for table in (t.daily, t.monthly, t.daily_connected, t.unit_procedures):
        await conn.execute(delete(table).where(table.c.root == root))
    await apply_deltas(conn, await recount(conn, root))
