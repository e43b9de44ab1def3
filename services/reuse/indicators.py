"""The seven digitization indicators of the portal, for a unit subtree and a period."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import exists, func, select, union_all
from sqlalchemy.ext.asyncio import AsyncEngine

from . import tables as t
from .arithmetic import MAX_TOTAL, ratio, score, total_ratio
from .natural import natural_sorted
from .units import UnitTree
from .vocabulary import POLICIES, IndicatorCode


@dataclass(frozen=True)
class MetricSpec:
    """A portal indicator: its code, maximum score and the share that earns full marks."""

    code: IndicatorCode
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


def split_period(
    start: date, end: date
) -> tuple[list[tuple[date, date]], tuple[date, date] | None]:
    """Day ranges and whole months (first days of the first and last) covering [start, end].

    2026-01-15..2026-12-31 -> days 01-15..01-31 and months 2026-02..2026-12. Exact up to
    0001-01-01 and 9999-12-31 (no date arithmetic steps outside the calendar).
    """
    first_full = start if start.day == 1 else _next_month(start)
    last_full = end if _month_end(end) == end else _previous_month_end(end)
    if first_full is None or last_full is None or first_full > last_full:
        return [(start, end)], None
    days = []
    if start < first_full:
        days.append((start, first_full - timedelta(days=1)))
    if last_full < end:
        days.append((last_full + timedelta(days=1), end))
    return days, (first_full, last_full.replace(day=1))


def _next_month(day: date) -> date | None:
    """The first day of the month after `day`'s, None after December 9999."""
    if day.month < 12:
        return date(day.year, day.month + 1, 1)
    return date(day.year + 1, 1, 1) if day.year < date.max.year else None


def _month_end(day: date) -> date:
    """The last day of `day`'s month."""
    following = _next_month(day)
    return date.max if following is None else following - timedelta(days=1)


def _previous_month_end(day: date) -> date | None:
    """The last day of the month before `day`'s, None before January 1."""
    first = day.replace(day=1)
    return None if first == date.min else first - timedelta(days=1)


@dataclass
class PeriodCounts:
    """The counts of one root over one period that its indicators are computed from."""

    tree: UnitTree
    start: date
    end: date
    sums: dict[str, dict[str, int]]  # unit -> count name -> dossiers received in the period
    connected: dict[str, set[str]]  # unit -> procedures with a connected dossier
    citizen: dict[str, set[str]]  # unit -> citizen-facing procedures assigned to it
    _subtrees: dict[str, set[str]] = field(default_factory=dict)

    def subtree(self, unit: str) -> set[str]:
        """The unit and everything below it (memoized: a breakdown asks for each child)."""
        if unit not in self._subtrees:
            self._subtrees[unit] = self.tree.subtree(unit)
        return self._subtrees[unit]

    def totals(self, scope: set[str]) -> dict[str, int]:
        """The counts of a set of units, summed."""
        out: dict[str, int] = dict.fromkeys(t.DAILY_COUNTS, 0)
        for unit in scope:
            for name, value in self.sums.get(unit, {}).items():
                out[name] += value
        return out

    def pairs(self, unit: str) -> list[tuple[int, int]]:
        """(numerator, denominator) of the seven indicators of a unit, in METRICS order."""
        scope = self.subtree(unit)
        n = self.totals(scope)
        citizen_procs: set[str] = set()
        connected_procs: set[str] = set()
        for code in scope:
            citizen_procs.update(self.citizen.get(code, ()))
            connected_procs.update(self.connected.get(code, ()))
        units = self.tree.counted_units(unit)
        return [
            (n["e_result"], n["total"]),
            (n["so_hoa"], n["total"]),
            (n["reuse"], n["total"]),
            (n["synced"], n["total"]),
            (n["connected"], n["total"]),
            (len(citizen_procs & connected_procs), len(citizen_procs)),
            (sum(units.values()), len(units)),
        ]

    def indicator_object(self, unit: str) -> dict[str, Any]:
        """The CONTRACT.md indicator object of a unit (over its subtree)."""
        pairs = self.pairs(unit)
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
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "total_score": float(total),
            "max_score": MAX_TOTAL,
            "ratio": float(total_ratio(total)),
            "metrics": metrics,
        }

    def reuse_object(self, unit: str) -> dict[str, Any]:
        """Missed and verified reuse of a unit, and the reuse figure it would have had."""
        n = self.totals(self.subtree(unit))
        spec = METRICS[2]
        return {
            "unit": unit,
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "missed_components": n["missed_components"],
            "missed_dossiers": n["missed_dossiers"],
            "reuse_components": n["reuse_components"],
            "verified_components": n["verified_components"],
            "reuse": metric_object(spec, n["reuse"], n["total"]),
            "reuse_without_missed": metric_object(spec, n["reuse_or_missed"], n["total"]),
        }

    def with_children(
        self, unit: str, breakdown: bool, build: Callable[[str], dict[str, Any]]
    ) -> dict[str, Any]:
        """`build(unit)`, with `units`: the same for each direct child when `breakdown`."""
        result = build(unit)
        if breakdown:
            children = natural_sorted(self.tree.children(unit))
            result["units"] = [build(child) for child in children]
        return result


class IndicatorReader:
    """Computes indicator objects from the per-day aggregates the projection maintains."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def tree(self, root: str) -> UnitTree:
        """The unit tree of a root from registrations and the units seen in events."""
        units, pairs, a = t.units, t.unit_procedures, t.assignments
        async with self.engine.connect() as conn:
            regs = await conn.execute(
                select(units.c.code, units.c.parent_code, units.c.certified_copy_service).where(
                    units.c.root == root
                )
            )
            registered = [(c, p, bool(cc)) for c, p, cc in regs]
            seen = await conn.execute(
                select(pairs.c.agency_code)
                .where(pairs.c.root == root)
                .union(select(a.c.agency_code).where(a.c.root == root))
            )
            codes = list(seen.scalars())  # in no particular order: the tree does not need one
        return UnitTree.build(root, registered, codes)

    async def period(self, root: str, start: date, end: date, policy: str) -> PeriodCounts:
        """Read a root's aggregates over [start, end] under a denominator policy."""
        if policy not in POLICIES:
            raise ValueError(f"unknown denominator policy {policy!r}; one of {POLICIES}")
        tree = await self.tree(root)
        day_ranges, months = split_period(start, end)
        day, month = t.daily, t.monthly
        conn_day, pairs, a = t.daily_connected, t.unit_procedures, t.assignments
        columns = [f"{policy}_{name}" for name in t.DAILY_COUNTS]
        parts = [
            select(day.c.agency_code, *(day.c[c] for c in columns)).where(
                day.c.root == root, day.c.day.between(first, last)
            )
            for first, last in day_ranges
        ]
        if months is not None:
            parts.append(
                select(month.c.agency_code, *(month.c[c] for c in columns)).where(
                    month.c.root == root, month.c.month.between(*months)
                )
            )
        rows = union_all(*parts).subquery()
        sums_q = select(rows.c.agency_code, *(func.sum(rows.c[c]) for c in columns)).group_by(
            rows.c.agency_code
        )
        # One index probe per (unit, procedure) pair rather than a scan of a year of rows.
        probe = exists().where(
            conn_day.c.root == pairs.c.root,
            conn_day.c.agency_code == pairs.c.agency_code,
            conn_day.c.procedure_code == pairs.c.procedure_code,
            conn_day.c.day.between(start, end),
            conn_day.c[f"{policy}_connected"] > 0,
        )
        connected_q = select(pairs.c.agency_code, pairs.c.procedure_code).where(
            pairs.c.root == root, probe
        )
        citizen_q = select(a.c.agency_code, a.c.procedure_code).where(
            a.c.root == root, a.c.citizen_facing.is_(True)
        )
        async with self.engine.connect() as conn:
            sums = {
                unit: {
                    name: int(value or 0)
                    for name, value in zip(t.DAILY_COUNTS, values, strict=True)
                }
                for unit, *values in await conn.execute(sums_q)
            }
            connected: dict[str, set[str]] = defaultdict(set)
            for unit, proc in await conn.execute(connected_q):
                connected[unit].add(proc)
            citizen: dict[str, set[str]] = defaultdict(set)
            for unit, proc in await conn.execute(citizen_q):
                citizen[unit].add(proc)
        return PeriodCounts(tree, start, end, sums, connected, citizen)

    async def root_of(self, unit: str) -> str:
        """The root whose tree holds a unit: its registration's, else its code prefix (a unit
        outside the prefix, `X99` under `H44`, is known only by its registration)."""
        u = t.units
        async with self.engine.connect() as conn:
            found = (
                await conn.execute(select(u.c.root).where(u.c.code == unit))
            ).scalar_one_or_none()
        return found if found is not None else unit.split(".", 1)[0]

    async def _period_for(self, unit: str, start: date, end: date, policy: str) -> PeriodCounts:
        period = await self.period(await self.root_of(unit), start, end, policy)
        if not period.tree.contains(unit):
            raise UnknownUnit(unit)
        return period

    async def indicators(
        self,
        unit: str,
        start: date,
        end: date,
        *,
        breakdown: bool = False,
        policy: str = "received",
    ) -> dict[str, Any]:
        """The indicator object of CONTRACT.md for `unit` over received dates [start, end]."""
        period = await self._period_for(unit, start, end, policy)
        return period.with_children(unit, breakdown, period.indicator_object)

    async def missed_summary(
        self,
        unit: str,
        start: date,
        end: date,
        *,
        breakdown: bool = False,
        policy: str = "received",
    ) -> dict[str, Any]:
        """Missed reuse of a unit: counts, and the reuse figure had each been reused."""
        period = await self._period_for(unit, start, end, policy)
        return period.with_children(unit, breakdown, period.reuse_object)

    async def indicators_for_tree(
        self, root: str, start: date, end: date, *, policy: str = "received"
    ) -> dict[str, dict[str, Any]]:
        """The indicator object of every unit of the root's tree (each over its subtree)."""
        period = await self.period(root, start, end, policy)
        codes = natural_sorted(period.tree.parent)
        return {code: period.indicator_object(code) for code in codes}

    async def unit_names(self, root: str) -> dict[str, str]:
        """The registered name of each unit of a root that has one."""
        units = t.units
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(units.c.code, units.c.name).where(
                    units.c.root == root, units.c.name.is_not(None)
                )
            )
            return {code: name for code, name in rows if name}

    async def roots(self) -> list[str]:
        """Every root known from registrations or events, in natural order."""
        units, pairs = t.units, t.unit_procedures
        async with self.engine.connect() as conn:
            found = await conn.execute(select(units.c.root).union(select(pairs.c.root)))
            return natural_sorted(found.scalars())
