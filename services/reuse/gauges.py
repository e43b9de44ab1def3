"""Business gauges: every unit's indicators, missed reuse and verified reuse, for Prometheus.

A background task recomputes them every `interval` seconds for the current month and the
current year (local dates in Vietnam) and swaps the snapshot a collector serves; a scrape
never touches the database. Labels are bounded: root, unit, indicator code and period
(`month` or `year`), never a procedure, dossier, applicant or free text.

Everything comes from one read of the per-day and per-month aggregates per root and period
(`IndicatorReader.period`), so a refresh costs a few small queries whatever the number of
dossiers.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import select, union
from sqlalchemy.ext.asyncio import AsyncEngine

from services.common.periodic import Periodic
from services.common.snapshot import SnapshotCollector
from services.common.timeutil import LOCAL_TZ

from . import tables as t
from .indicators import METRICS, IndicatorReader

log = logging.getLogger(__name__)

PERIODS = ("month", "year")
INDICATOR_LABELS = ["root", "unit", "indicator", "period"]
UNIT_LABELS = ["root", "unit", "period"]


@dataclass(frozen=True)
class ReportingPeriod:
    """A named reporting period over received dates [start, end]."""

    name: str
    start: date
    end: date


def current_periods(today: date) -> list[ReportingPeriod]:
    """The month and the year to date that contain `today`."""
    return [
        ReportingPeriod("month", today.replace(day=1), today),
        ReportingPeriod("year", date(today.year, 1, 1), today),
    ]


def local_today() -> date:
    """Today's date in Vietnam (the contract's calendar)."""
    return datetime.now(LOCAL_TZ).date()


@dataclass
class UnitCounts:
    """Counts read beside the indicators, over the unit's subtree."""

    missed_components: int = 0
    missed_dossiers: int = 0
    claimed: int = 0
    verified: int = 0


@dataclass
class RootSnapshot:
    """What one refresh read for one root and period."""

    root: str
    period: str
    indicators: Mapping[str, dict[str, Any]]
    counts: Mapping[str, UnitCounts] = field(default_factory=dict)


class Families:
    """The gauge families one refresh fills."""

    def __init__(self) -> None:
        g = GaugeMetricFamily
        self.numerator = g(
            "tracker_reuse_indicator_numerator",
            "Numerator of a portal indicator for the unit's subtree over the period.",
            labels=INDICATOR_LABELS,
        )
        self.denominator = g(
            "tracker_reuse_indicator_denominator",
            "Denominator of a portal indicator for the unit's subtree over the period.",
            labels=INDICATOR_LABELS,
        )
        self.score = g(
            "tracker_reuse_indicator_score",
            "Score of a portal indicator (absent while its denominator is 0).",
            labels=INDICATOR_LABELS,
        )
        self.total = g(
            "tracker_reuse_unit_score",
            "The unit's total score out of 22 over the period.",
            labels=UNIT_LABELS,
        )
        self.missed_components = g(
            "tracker_reuse_missed_components",
            "Components scanned again although the same paper was already digitized.",
            labels=UNIT_LABELS,
        )
        self.missed_dossiers = g(
            "tracker_reuse_missed_dossiers",
            "Dossiers with at least one missed reuse.",
            labels=UNIT_LABELS,
        )
        self.claimed = g(
            "tracker_reuse_components_claimed",
            "Components declared as reused (any reuse origin) in dossiers of the period.",
            labels=UNIT_LABELS,
        )
        self.verified = g(
            "tracker_reuse_components_verified",
            "Claimed reused components whose source the tracker holds.",
            labels=UNIT_LABELS,
        )
        self.units = g(
            "tracker_reuse_units",
            "Units of the root with business gauges (bounds their series count).",
            labels=["root"],
        )

    def all(self) -> list[GaugeMetricFamily]:
        """Every family, in exposition order."""
        return [
            self.numerator,
            self.denominator,
            self.score,
            self.total,
            self.missed_components,
            self.missed_dossiers,
            self.claimed,
            self.verified,
            self.units,
        ]


def build_families(snapshots: Iterable[RootSnapshot]) -> list[GaugeMetricFamily]:
    """Turn the read snapshots into gauge families (pure: tested without a database)."""
    fam = Families()
    units_per_root: dict[str, set[str]] = defaultdict(set)
    for snap in snapshots:
        for unit, result in sorted(snap.indicators.items()):
            units_per_root[snap.root].add(unit)
            for metric in result["metrics"]:
                labels = [snap.root, unit, metric["code"], snap.period]
                fam.numerator.add_metric(labels, metric["numerator"])
                fam.denominator.add_metric(labels, metric["denominator"])
                if metric["score"] is not None:
                    fam.score.add_metric(labels, metric["score"])
            unit_labels = [snap.root, unit, snap.period]
            fam.total.add_metric(unit_labels, result["total_score"])
            counts = snap.counts.get(unit, UnitCounts())
            fam.missed_components.add_metric(unit_labels, counts.missed_components)
            fam.missed_dossiers.add_metric(unit_labels, counts.missed_dossiers)
            fam.claimed.add_metric(unit_labels, counts.claimed)
            fam.verified.add_metric(unit_labels, counts.verified)
    for root, units in sorted(units_per_root.items()):
        fam.units.add_metric([root], len(units))
    return fam.all()


def series_per_unit() -> int:
    """Series one unit contributes at most (every score present), over both periods."""
    per_period = 3 * len(METRICS) + 5  # num/den/score per indicator; total, 2 missed, 2 reuse
    return per_period * len(PERIODS)


class GaugeReader:
    """The database reads behind the gauges."""

    def __init__(self, engine: AsyncEngine, policy: str = "received") -> None:
        self.engine = engine
        self.reader = IndicatorReader(engine)
        self.policy = policy

    async def roots(self) -> list[str]:
        """Every root with a registered unit or a dossier."""
        stmt = union(select(t.units.c.root).distinct(), select(t.unit_procedures.c.root).distinct())
        async with self.engine.connect() as conn:
            return sorted(str(r) for r in (await conn.execute(stmt)).scalars().all())

    async def read(self, root: str, period: ReportingPeriod) -> RootSnapshot:
        """Indicators and counts of every unit of the root over the period."""
        found = await self.reader.period(root, period.start, period.end, self.policy)
        indicators: dict[str, dict[str, Any]] = {}
        counts: dict[str, UnitCounts] = {}
        for unit in sorted(found.tree.parent):
            indicators[unit] = found.indicator_object(unit)
            reuse = found.reuse_object(unit)
            counts[unit] = UnitCounts(
                missed_components=reuse["missed_components"],
                missed_dossiers=reuse["missed_dossiers"],
                claimed=reuse["reuse_components"],
                verified=reuse["verified_components"],
            )
        return RootSnapshot(root, period.name, indicators, counts)


class ReuseGauges:
    """Keeps the business gauges fresh in the background."""

    def __init__(
        self,
        engine: AsyncEngine,
        registry: CollectorRegistry,
        *,
        interval: float = 15.0,
        as_of: date | None = None,
    ) -> None:
        self.reader = GaugeReader(engine)
        self.interval = interval
        self.as_of = as_of
        self.collector = SnapshotCollector(build_families(()))
        registry.register(self.collector)
        self.seconds = Histogram(
            "tracker_reuse_gauges_refresh_seconds",
            "Time to recompute every business gauge.",
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
            registry=registry,
        )
        self.errors = Counter(
            "tracker_reuse_gauges_refresh_errors_total",
            "Failed refreshes of the business gauges (the previous values stay exposed).",
            registry=registry,
        )
        self.refreshed = Gauge(
            "tracker_reuse_gauges_refreshed_timestamp_seconds",
            "Unix time of the last successful refresh of the business gauges.",
            registry=registry,
        )
        self._loop = Periodic(
            "business-gauges", self.refresh, interval=interval, on_error=self._failed
        )

    async def refresh(self) -> None:
        """Recompute every gauge once and publish the new snapshot."""
        started = time.monotonic()
        periods = current_periods(self.as_of or local_today())
        snapshots = [
            await self.reader.read(root, period)
            for root in await self.reader.roots()
            for period in periods
        ]
        self.collector.replace(build_families(snapshots))
        self.seconds.observe(time.monotonic() - started)
        self.refreshed.set(time.time())

    def _failed(self, exc: Exception) -> None:
        self.errors.inc()  # a failing database must not end the loop
        log.warning("business gauge refresh failed", exc_info=exc)

    async def start(self) -> None:
        """Start the background refresher."""
        await self._loop.start()

    async def stop(self) -> None:
        """Stop the refresher."""
        await self._loop.stop()
