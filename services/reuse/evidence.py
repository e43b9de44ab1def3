"""The evidence behind the indicators: reuse edges, missed reuse, and why each dossier counts.

Pure reads of the reuse projection, free of any web framework, so the API, the command line
and the tests share one definition. Every list is ordered by (day received, dossier code, ...)
so that limit/offset pages are stable.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Integer, and_, case, cast, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from . import tables as t
from .natural import natural_key, natural_sorted
from .units import UnitTree
from .vocabulary import (
    DOSSIER_INDICATORS,
    FILE_ORIGINS,
    INDICATOR_CODES,
    POLICIES,
    PROCEDURE_INDICATOR,
    REUSE_ORIGINS,
    UNIT_INDICATOR,
)


@dataclass(frozen=True)
class Scope:
    """A unit subtree and a period of local receipt dates."""

    root: str
    unit: str
    units: frozenset[str] | None  # None: every unit of the root (no filter needed)
    start: date
    end: date

    @classmethod
    def of(cls, tree: UnitTree, unit: str, start: date, end: date) -> Scope:
        """The subtree of `unit` in `tree` over [start, end]."""
        units = None if unit == tree.root else frozenset(tree.subtree(unit))
        return cls(tree.root, unit, units, start, end)

    def contains(self, agency: str) -> bool:
        """Whether a unit code lies in the scope."""
        return self.units is None or agency in self.units


@dataclass
class Page:
    """One page of a list and the size of the whole list."""

    total: int
    items: list[dict[str, Any]]
    verified: int = 0  # reuse edges only: how many of the whole list are verified


@dataclass
class Explanation:
    """What an indicator counted for a scope: its numerator and denominator, and one page."""

    counts: str  # "dossiers", "procedures" or "units"
    numerator: int
    denominator: int
    total: int  # entries matching the `counted` filter
    items: list[dict[str, Any]] = field(default_factory=list)


def _population(scope: Scope, policy: str) -> list[ColumnElement[bool]]:
    """Conditions selecting R: the scope's dossiers received in the period, per policy."""
    if policy not in POLICIES:
        raise ValueError(f"unknown denominator policy {policy!r}; one of {POLICIES}")
    d = t.dossiers
    conds: list[ColumnElement[bool]] = [
        d.c.root == scope.root,
        d.c.received_date.between(scope.start, scope.end),
    ]
    if scope.units is not None:
        conds.append(d.c.agency_code.in_(sorted(scope.units)))
    if policy == "completed":
        conds.append(d.c.completed.is_(True))
    elif policy == "result_required":
        conds.append(d.c.result_required.is_(True))
    return conds


# -- reuse edges ----------------------------------------------------------------------------


async def reuse_rows(engine: AsyncEngine, scope: Scope, limit: int, offset: int) -> Page:
    """One row per reused component of the scope's dossiers received in the period."""
    d, c = t.dossiers, t.components
    joined = c.join(d, and_(d.c.root == c.c.root, d.c.dossier_code == c.c.dossier_code))
    where = [*_population(scope, "received"), c.c.origin.in_(REUSE_ORIGINS)]
    count = select(
        func.count(), func.coalesce(func.sum(case((c.c.verified.is_(True), 1), else_=0)), 0)
    ).select_from(joined)
    rows = (
        select(
            d.c.dossier_code,
            d.c.agency_code.label("unit"),
            d.c.procedure_code,
            d.c.received_at,
            c.c.component_code,
            c.c.origin,
            c.c.source_document_code,
            c.c.source_result_code,
            c.c.source_dossier_code,
            c.c.source_db_code,
            c.c.source_unit,
            c.c.verified,
        )
        .select_from(joined)
        .where(*where)
        .order_by(d.c.received_date, d.c.dossier_code, c.c.component_code)
        .limit(limit)
        .offset(offset)
    )
    async with engine.connect() as conn:
        total, verified = (await conn.execute(count.where(*where))).one()
        items = [dict(r._mapping) for r in (await conn.execute(rows)).all()]
    for item in items:
        item["verified"] = bool(item["verified"])
    return Page(int(total), items, int(verified))


# -- missed reuse ---------------------------------------------------------------------------


async def missed_rows(
    engine: AsyncEngine, scope: Scope, limit: int, offset: int, *, policy: str = "received"
) -> Page:
    """Components scanned again although the same paper was digitized before for the same
    applicant, in the scope's dossiers of R; both documents, never the applicant's hash."""
    d, m = t.dossiers, t.missed
    e = t.dossiers.alias("earlier")
    joined = m.join(d, and_(d.c.root == m.c.root, d.c.dossier_code == m.c.dossier_code)).join(
        e,
        and_(e.c.root == m.c.earlier_root, e.c.dossier_code == m.c.earlier_dossier_code),
        isouter=True,
    )
    where = _population(scope, policy)
    rows = (
        select(
            d.c.dossier_code,
            d.c.agency_code,
            d.c.received_at,
            m.c.component_code,
            m.c.scanned_at,
            m.c.sha256,
            m.c.earlier_root,
            m.c.earlier_dossier_code,
            e.c.agency_code.label("earlier_unit"),
            e.c.received_at.label("earlier_received_at"),
            m.c.earlier_target_kind,
            m.c.earlier_target_code,
            m.c.earlier_scanned_at,
            m.c.earlier_sha256,
            m.c.match,
            m.c.distance,
        )
        .select_from(joined)
        .where(*where)
        .order_by(d.c.received_date, d.c.dossier_code, m.c.component_code)
        .limit(limit)
        .offset(offset)
    )
    async with engine.connect() as conn:
        total = (await conn.execute(select(func.count()).select_from(joined).where(*where))).one()
        found = (await conn.execute(rows)).all()
    items = [
        {
            "dossier_code": r.dossier_code,
            "unit": r.agency_code,
            "received_at": r.received_at,
            "component_code": r.component_code,
            "scanned_at": r.scanned_at,
            "sha256": r.sha256,
            "earlier": {
                "root": r.earlier_root,
                "dossier_code": r.earlier_dossier_code,
                "unit": r.earlier_unit,
                "received_at": r.earlier_received_at,
                "target_kind": r.earlier_target_kind,
                "target_code": r.earlier_target_code,
                "scanned_at": r.earlier_scanned_at,
                "sha256": r.earlier_sha256,
            },
            "match": r.match,
            "distance": int(r.distance),
        }
        for r in found
    ]
    return Page(int(total[0]), items)


# -- explain --------------------------------------------------------------------------------


def _numerator(indicator: str) -> ColumnElement[bool]:
    """The condition a dossier of R meets to count in a dossier-level indicator."""
    d = t.dossiers.c
    conditions: dict[str, ColumnElement[bool]] = {
        "ORIGINAL_RESULT_AVAILABLE": d.has_e_result.is_(True),
        "SO_HOA_GIAY_TO_GIAI_QUYET": d.so_hoa.is_(True),
        "REUSED_DIGITIZED_DATA": d.has_reuse.is_(True),
        "SYNCED_WITH_DVCQG_PERSONAL_STORAGE": d.has_warehouse_component.is_(True)
        | d.result_pushed.is_(True),
        "CITIZEN_DATA_CONNECTED_DOSSIER": d.citizen_connected.is_(True),
    }
    return conditions[indicator]


def _filtered(total: int, numerator: int, counted: bool | None) -> int:
    if counted is None:
        return total
    return numerator if counted else total - numerator


async def explain(
    engine: AsyncEngine,
    tree: UnitTree,
    scope: Scope,
    indicator: str,
    *,
    policy: str = "received",
    counted: bool | None = None,
    limit: int = 100,
    offset: int = 0,
) -> Explanation:
    """The entries behind one indicator of a scope, counted or not, each with its reason."""
    if indicator in DOSSIER_INDICATORS:
        return await _explain_dossiers(engine, scope, indicator, policy, counted, limit, offset)
    if indicator == PROCEDURE_INDICATOR:
        found = await _explain_procedures(engine, scope, policy)
        counts = "procedures"
    elif indicator == UNIT_INDICATOR:
        found = await _explain_units(engine, tree, scope)
        counts = "units"
    else:
        raise ValueError(f"unknown indicator {indicator!r}; one of {INDICATOR_CODES}")
    numerator = sum(1 for item in found if item["counted"])
    chosen = [item for item in found if counted is None or item["counted"] is counted]
    return Explanation(counts, numerator, len(found), len(chosen), chosen[offset : offset + limit])


async def _explain_dossiers(
    engine: AsyncEngine,
    scope: Scope,
    indicator: str,
    policy: str,
    counted: bool | None,
    limit: int,
    offset: int,
) -> Explanation:
    d = t.dossiers
    base = _population(scope, policy)
    cond = _numerator(indicator)
    count = select(func.count(), func.coalesce(func.sum(case((cond, 1), else_=0)), 0)).where(*base)
    chosen = [*base] if counted is None else [*base, cond if counted else ~cond]
    page = (
        select(
            d.c.dossier_code,
            d.c.agency_code,
            d.c.procedure_code,
            d.c.received_at,
            d.c.has_file,
            d.c.has_e_result,
            d.c.has_digitized_result,
            d.c.has_reuse,
            d.c.has_warehouse_component,
            d.c.result_pushed,
            d.c.vneid_authenticated,
            d.c.population_data_used,
            d.c.result_required,
            d.c.missed_components,
            cond.label("counted"),
        )
        .where(*chosen)
        .order_by(d.c.received_date, d.c.dossier_code)
        .limit(limit)
        .offset(offset)
    )
    async with engine.connect() as conn:
        total, numerator = (await conn.execute(count)).one()
        rows = (await conn.execute(page)).all()
        codes = [r.dossier_code for r in rows]
        detail = await _Detail.load(conn, scope.root, codes, indicator)
    items = [
        {
            "kind": "dossier",
            "code": r.dossier_code,
            "unit": r.agency_code,
            "procedure_code": r.procedure_code,
            "received_at": r.received_at,
            "counted": bool(r.counted),
            "reason": _dossier_reason(indicator, r._mapping, detail),
        }
        for r in rows
    ]
    total, numerator = int(total), int(numerator)
    return Explanation("dossiers", numerator, total, _filtered(total, numerator, counted), items)


@dataclass
class _Detail:
    """Components, component scans and results of one page of dossiers."""

    components: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    scans: dict[tuple[str, str], list[tuple[bool, str | None]]] = field(default_factory=dict)
    results: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    result_refusals: dict[tuple[str, str], str] = field(default_factory=dict)

    @classmethod
    async def load(
        cls, conn: AsyncConnection, root: str, codes: Sequence[str], indicator: str
    ) -> _Detail:
        out = cls(defaultdict(list), defaultdict(list), defaultdict(list), {})
        if not codes:
            return out
        c, s, r = t.components, t.scans, t.results
        if indicator in ("SO_HOA_GIAY_TO_GIAI_QUYET", "REUSED_DIGITIZED_DATA"):
            comps = await conn.execute(
                select(c.c.dossier_code, c.c.component_code, c.c.origin)
                .where(c.c.root == root, c.c.dossier_code.in_(codes))
                .order_by(c.c.dossier_code, c.c.component_code)
            )
            for comp in comps:
                out.components[comp.dossier_code].append((comp.component_code, comp.origin))
        if indicator in ("SO_HOA_GIAY_TO_GIAI_QUYET", "ORIGINAL_RESULT_AVAILABLE"):
            scans = await conn.execute(
                select(
                    s.c.dossier_code,
                    s.c.target_kind,
                    s.c.target_code,
                    s.c.stored,
                    s.c.rejection_code,
                )
                .where(s.c.root == root, s.c.dossier_code.in_(codes))
                .order_by(s.c.scanned_at)
            )
            for scan in scans:
                if scan.target_kind == "component":
                    out.scans[(scan.dossier_code, scan.target_code)].append(
                        (bool(scan.stored), scan.rejection_code)
                    )
                elif not scan.stored and scan.rejection_code:
                    out.result_refusals[(scan.dossier_code, scan.target_code)] = scan.rejection_code
            results = await conn.execute(
                select(
                    r.c.dossier_code,
                    r.c.result_code,
                    r.c.issued,
                    r.c.electronic,
                    r.c.e_result,
                    r.c.scanned,
                )
                .where(r.c.root == root, r.c.dossier_code.in_(codes))
                .order_by(r.c.dossier_code, r.c.result_code)
            )
            for res in results:
                out.results[res.dossier_code].append(dict(res._mapping))
        return out


def _codes(values: Sequence[str]) -> str:
    return ", ".join(values)


def _component_state(detail: _Detail, dossier: str, code: str, origin: str) -> str:
    """Why one component has no file."""
    if origin == "paper":
        return f"{code} paper only"
    if origin == "national_db":
        return f"{code} taken from a national database (no file)"
    attempts = detail.scans.get((dossier, code), [])
    if not attempts:
        return f"{code} {origin}, no scan received"
    refusals = sorted({code_ or "not stored" for stored, code_ in attempts if not stored})
    return f"{code} {origin}, scan refused ({_codes(refusals)})"


def _e_result_reason(dossier: str, counted: bool, detail: _Detail) -> str:
    results = detail.results.get(dossier, [])
    if counted:
        return "electronic result issued: " + _codes(
            [r["result_code"] for r in results if r["e_result"]]
        )
    broken = [r["result_code"] for r in results if r["electronic"] and not r["e_result"]]
    if broken:
        why = [
            f"{code} (file refused: {detail.result_refusals[(dossier, code)]})"
            if (dossier, code) in detail.result_refusals
            else code
            for code in broken
        ]
        return "electronic result without a stored file or url: " + _codes(why)
    issued = [r["result_code"] for r in results if r["issued"]]
    if issued:
        return "result issued but not electronic: " + _codes(issued)
    return "no electronic result issued"


def _so_hoa_reason(dossier: str, row: Any, counted: bool, detail: _Detail) -> str:
    comps = detail.components.get(dossier, [])
    results = detail.results.get(dossier, [])
    digitized = [r["result_code"] for r in results if r["e_result"] or r["scanned"]]
    if counted:
        with_file = [
            code
            for code, origin in comps
            if origin in FILE_ORIGINS
            or any(stored for stored, _ in detail.scans.get((dossier, code), []))
        ]
        reason = "component with a file: " + (_codes(with_file) or "yes")
        if row["result_required"]:
            return reason + "; required result digitized: " + (_codes(digitized) or "yes")
        return reason + "; no result document required"
    reasons = []
    if not row["has_file"]:
        states = [_component_state(detail, dossier, code, origin) for code, origin in comps]
        reasons.append("no component with a file" + (f" ({'; '.join(states)})" if states else ""))
    if row["result_required"] and not row["has_digitized_result"]:
        states = [
            f"{r['result_code']} electronic, file not stored"
            if r["electronic"]
            else f"{r['result_code']} on paper, not scanned"
            for r in results
            if r["issued"]
        ]
        reasons.append(
            "result required but not digitized"
            + (f" ({'; '.join(states)})" if states else " (no result issued)")
        )
    return "; ".join(reasons) or "not counted by the projection's flags"


def _reuse_reason(dossier: str, row: Any, counted: bool, detail: _Detail) -> str:
    if counted:
        reused = [
            f"{code} ({origin})"
            for code, origin in detail.components.get(dossier, [])
            if origin in REUSE_ORIGINS
        ]
        return "reused: " + (_codes(reused) or "yes")
    missed = int(row["missed_components"] or 0)
    if missed:
        return f"no reuse; {missed} component(s) scanned again: missed reuse"
    return "no reuse"


def _dossier_reason(indicator: str, row: Any, detail: _Detail) -> str:
    """The precise reason a dossier of R counts, or does not, in a dossier-level indicator."""
    dossier, counted = row["dossier_code"], bool(row["counted"])
    if indicator == "ORIGINAL_RESULT_AVAILABLE":
        return _e_result_reason(dossier, counted, detail)
    if indicator == "SO_HOA_GIAY_TO_GIAI_QUYET":
        return _so_hoa_reason(dossier, row, counted, detail)
    if indicator == "REUSED_DIGITIZED_DATA":
        return _reuse_reason(dossier, row, counted, detail)
    if indicator == "SYNCED_WITH_DVCQG_PERSONAL_STORAGE":
        found = [
            text
            for flag, text in (
                (row["has_warehouse_component"], "personal-warehouse component"),
                (row["result_pushed"], "result pushed to the warehouse"),
            )
            if flag
        ]
        if counted:
            return "synced: " + " and ".join(found)
        return "not synced: no personal-warehouse component and no result pushed to the warehouse"
    found = [
        text
        for flag, text in (
            (row["vneid_authenticated"], "VNeID-authenticated"),
            (row["population_data_used"], "population data used"),
            (row["has_warehouse_component"], "personal-warehouse component"),
        )
        if flag
    ]
    if counted:
        return "citizen data connected: " + ", ".join(found)
    return "not VNeID-authenticated, no population data, no warehouse component"


async def _explain_procedures(
    engine: AsyncEngine, scope: Scope, policy: str
) -> list[dict[str, Any]]:
    """Citizen-facing procedures assigned in the scope, each counted when one of its dossiers
    in R has citizen data connected (distinct procedures: not a sum over units)."""
    a, d = t.assignments, t.dossiers
    per_proc = (
        select(
            d.c.procedure_code,
            func.count(),
            func.coalesce(func.sum(cast(d.c.citizen_connected, Integer)), 0),
        )
        .where(*_population(scope, policy))
        .group_by(d.c.procedure_code)
    )
    async with engine.connect() as conn:
        assigned = (
            await conn.execute(
                select(a.c.agency_code, a.c.procedure_code, a.c.name)
                .where(a.c.root == scope.root, a.c.citizen_facing.is_(True))
                .order_by(a.c.procedure_code, a.c.agency_code)
            )
        ).all()
        dossiers = {proc: (int(n), int(k)) for proc, n, k in (await conn.execute(per_proc)).all()}
    procedures: dict[str, tuple[str | None, list[str]]] = {}
    for agency, proc, name in assigned:
        if scope.contains(agency):
            entry = procedures.setdefault(proc, (name, []))
            entry[1].append(agency)
    items = []
    for proc, (name, units) in sorted(procedures.items()):
        received, connected = dossiers.get(proc, (0, 0))
        if connected:
            reason = (
                f"{connected} of {received} dossier(s) in the period with citizen data connected"
            )
        elif received:
            reason = (
                f"{received} dossier(s) in the period, none with citizen data connected "
                "(VNeID, population data or personal warehouse)"
            )
        else:
            reason = "no dossier received in the period"
        items.append(
            {
                "kind": "procedure",
                "code": proc,
                "name": name,
                "units": natural_sorted(units),
                "counted": connected > 0,
                "reason": reason,
            }
        )
    return items


async def _explain_units(engine: AsyncEngine, tree: UnitTree, scope: Scope) -> list[dict[str, Any]]:
    """Registered units of the scope and the unit itself, counted when they offer certified
    electronic copies."""
    u = t.units
    async with engine.connect() as conn:
        names = dict(
            (await conn.execute(select(u.c.code, u.c.name).where(u.c.root == scope.root))).all()
        )
    return [
        {
            "kind": "unit",
            "code": code,
            "unit": code,
            "name": names.get(code),
            "counted": certified,
            "reason": _unit_reason(code in tree.registered, certified),
        }
        for code, certified in sorted(
            tree.counted_units(scope.unit).items(), key=lambda kv: natural_key(kv[0])
        )
    ]


def _unit_reason(registered: bool, certified: bool) -> str:
    if not registered:
        return "not registered: no agency.registered declares certified electronic copies"
    if certified:
        return "offers certified electronic copies"
    return "does not offer certified electronic copies"
