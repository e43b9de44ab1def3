"""The seven digitization indicators of the portal, for a unit subtree and a period."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import Integer, cast, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from . import tables as t
from .arithmetic import MAX_TOTAL, ratio, score, total_ratio
from .units import UnitTree


@dataclass(frozen=True)
class MetricSpec:
    """A portal indicator: its code, maximum score and the share that earns full marks."""

    code: str
    max_score: int
    full: Fraction


METRICS = (
    MetricSpec("ORIGINAL_RESULT_AVAILABLE", 6, Fraction(1)),
    MetricSpec("SO_HOA_GIAY_TO_GIAI_QUYET", 4, Fraction(1)),
    MetricSpec("REUSED_DIGITIZED_DATA", 2, Fraction(4, 5)),
    MetricSpec("SYNCED_WITH_DVCQG_PERSONAL_STORAGE", 4, Fraction(1)),
    MetricSpec("CITIZEN_DATA_CONNECTED_DOSSIER", 2, Fraction(1)),
    MetricSpec("CITIZEN_DATA_CONNECTED_FORMALITY", 2, Fraction(1)),
    MetricSpec("ELECTRONIC_CERTIFIED_COPY", 2, Fraction(1)),
)


class UnknownUnit(LookupError):
    """The unit is neither registered nor seen in any event."""


@dataclass
class Counts:
    """Dossier counts of one (unit, procedure) group."""

    total: int = 0
    e_result: int = 0
    file_only: int = 0
    file_and_result: int = 0
    reuse: int = 0
    warehouse: int = 0
    connected: int = 0


def _num(value: Decimal | None) -> float | None:
    # JSON numbers with exactly the rounded value (2 decimals survive float conversion).
    return None if value is None else float(value)


def metric_object(spec: MetricSpec, numerator: int, denominator: int) -> dict[str, Any]:
    """One metric as the API shows it."""
    return {
        "code": spec.code,
        "numerator": numerator,
        "denominator": denominator,
        "ratio": _num(ratio(numerator, denominator)),
        "score": _num(score(numerator, denominator, spec.max_score, spec.full)),
        "max_score": spec.max_score,
    }


class IndicatorReader:
    """Reads the projection and computes indicator objects."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def tree(self, root: str) -> UnitTree:
        """The unit tree of a root from registrations and the agencies seen in dossiers."""
        async with self.engine.connect() as conn:
            regs = (
                await conn.execute(
                    select(
                        t.units.c.code, t.units.c.parent_code, t.units.c.certified_copy_service
                    ).where(t.units.c.root == root)
                )
            ).all()
            seen = (
                (
                    await conn.execute(
                        select(t.dossiers.c.agency_code).where(t.dossiers.c.root == root).distinct()
                    )
                )
                .scalars()
                .all()
            )
            assigned = (
                (
                    await conn.execute(
                        select(t.assignments.c.agency_code)
                        .where(t.assignments.c.root == root)
                        .distinct()
                    )
                )
                .scalars()
                .all()
            )
        return UnitTree.build(root, [(c, p, bool(cc)) for c, p, cc in regs], [*seen, *assigned])

    async def indicators(
        self, unit: str, start: date, end: date, *, breakdown: bool = False
    ) -> dict[str, Any]:
        """The indicator object of CONTRACT.md for `unit` over received dates [start, end]."""
        root = unit.split(".", 1)[0]
        tree = await self.tree(root)
        if not tree.contains(unit):
            raise UnknownUnit(unit)
        scope = tree.subtree(unit)
        groups, procs = await self._groups(root, scope, start, end)
        result = self._compose(tree, unit, scope, groups, procs, start, end)
        if breakdown:
            result["units"] = [
                self._compose(tree, child, tree.subtree(child), groups, procs, start, end)
                for child in tree.children(unit)
            ]
        return result

    async def _groups(
        self, root: str, scope: set[str], start: date, end: date
    ) -> tuple[dict[tuple[str, str], Counts], dict[str, list[tuple[str, bool, bool]]]]:
        d = t.dossiers

        def total(col: Any) -> Any:
            return func.sum(cast(col, Integer))

        stmt = (
            select(
                d.c.agency_code,
                d.c.procedure_code,
                func.count(),
                total(d.c.has_e_result),
                total(d.c.has_file),
                total(d.c.has_file & d.c.has_digitized_result),
                total(d.c.has_reuse),
                total(d.c.has_warehouse_component | d.c.result_pushed),
                total(d.c.citizen_connected),
            )
            .where(d.c.root == root, d.c.received_date.between(start, end))
            .group_by(d.c.agency_code, d.c.procedure_code)
        )
        a = t.assignments
        async with self.engine.connect() as conn:
            rows = (await conn.execute(stmt)).all()
            assigned = (
                await conn.execute(
                    select(
                        a.c.agency_code,
                        a.c.procedure_code,
                        a.c.citizen_facing,
                        a.c.result_document_required,
                    ).where(a.c.root == root)
                )
            ).all()
        groups: dict[tuple[str, str], Counts] = {}
        for agency, proc, *n in rows:
            if agency in scope:
                groups[(agency, proc)] = Counts(*(int(x or 0) for x in n))
        procs: dict[str, list[tuple[str, bool, bool]]] = defaultdict(list)
        for agency, proc, citizen, rdr in assigned:
            procs[proc].append((agency, bool(citizen), bool(rdr)))
        return groups, procs

    @staticmethod
    def _result_required(
        procs: dict[str, list[tuple[str, bool, bool]]], agency: str, proc: str
    ) -> bool:
        # The dossier's own unit's assignment decides; else any assignment of the procedure.
        entries = procs.get(proc, [])
        for unit, _citizen, rdr in entries:
            if unit == agency:
                return rdr
        return any(rdr for _u, _c, rdr in entries)

    def _compose(
        self,
        tree: UnitTree,
        unit: str,
        scope: set[str],
        groups: dict[tuple[str, str], Counts],
        procs: dict[str, list[tuple[str, bool, bool]]],
        start: date,
        end: date,
    ) -> dict[str, Any]:
        agg = Counts()
        so_hoa = 0
        connected_procs: set[str] = set()
        for (agency, proc), n in groups.items():
            if agency not in scope:
                continue
            agg.total += n.total
            agg.e_result += n.e_result
            agg.reuse += n.reuse
            agg.warehouse += n.warehouse
            agg.connected += n.connected
            so_hoa += (
                n.file_and_result if self._result_required(procs, agency, proc) else n.file_only
            )
            if n.connected:
                connected_procs.add(proc)
        citizen_procs = {
            proc
            for proc, entries in procs.items()
            if any(citizen and agency in scope for agency, citizen, _r in entries)
        }
        registered = [code for code in scope if code in tree.registered]
        certified = sum(1 for code in registered if tree.registered[code])
        pairs = [
            (agg.e_result, agg.total),
            (so_hoa, agg.total),
            (agg.reuse, agg.total),
            (agg.warehouse, agg.total),
            (agg.connected, agg.total),
            (len(citizen_procs & connected_procs), len(citizen_procs)),
            (certified, len(registered)),
        ]
        metrics = [metric_object(spec, n, d) for spec, (n, d) in zip(METRICS, pairs, strict=True)]
        total = sum(
            (
                score(n, d, spec.max_score, spec.full) or Decimal(0)
                for spec, (n, d) in zip(METRICS, pairs, strict=True)
            ),
            Decimal(0),
        )
        return {
            "unit": unit,
            "from": start.isoformat(),
            "to": end.isoformat(),
            "total_score": float(total),
            "max_score": MAX_TOTAL,
            "ratio": float(total_ratio(total)),
            "metrics": metrics,
        }
