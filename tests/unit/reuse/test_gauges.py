"""Business gauges on real SQLite: the projected history of the projection test, read into
gauges per unit and period, and served from a snapshot without touching the database."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from schemas.internal import Fact
from services.common.db import create_tables, make_engine
from services.reuse import tables
from services.reuse.gauges import (
    PERIODS,
    ReportingPeriod,
    ReuseGauges,
    RootSnapshot,
    build_families,
    current_periods,
    series_per_unit,
)
from services.reuse.indicators import METRICS, metric_object
from services.reuse.projection import Projection
from tests.unit.reuse.evidence_history import history as evidence_history
from tests.unit.reuse.projection_history import EXPECTED, history

AS_OF = date(2026, 3, 31)
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def samples(registry: CollectorRegistry) -> Samples:
    out: Samples = {}
    for family in text_string_to_metric_families(generate_latest(registry).decode()):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def key(name: str, **labels: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    return (name, tuple(sorted(labels.items())))


async def _refreshed(db: Path, facts: list[Fact] | None = None) -> Samples:
    engine = make_engine(f"sqlite+aiosqlite:///{db}")
    await create_tables(engine, tables.metadata)
    await Projection(engine).apply(history() if facts is None else facts)
    registry = CollectorRegistry()
    gauges = ReuseGauges(engine, registry, interval=3600, as_of=AS_OF)
    before = samples(registry)
    assert not any(name.startswith("tracker_reuse_indicator") for name, _ in before)
    await gauges.refresh()
    await engine.dispose()
    return samples(registry)


def test_gauges_equal_the_indicators_and_counts(tmp_path: Path) -> None:
    got = asyncio.run(_refreshed(tmp_path / "g.db"))
    for code, (num, den, _ratio, score) in EXPECTED.items():
        for period in ("month", "year"):
            labels = {"root": "H44", "unit": "H44", "indicator": code, "period": period}
            assert got[key("tracker_reuse_indicator_numerator", **labels)] == num
            assert got[key("tracker_reuse_indicator_denominator", **labels)] == den
            assert got[key("tracker_reuse_indicator_score", **labels)] == score
    unit = {"root": "H44", "unit": "H44", "period": "month"}
    assert got[key("tracker_reuse_unit_score", **unit)] == 16.0
    # Two reuse claims, neither names a source the tracker holds; nothing scanned twice.
    assert got[key("tracker_reuse_components_claimed", **unit)] == 2
    assert got[key("tracker_reuse_components_verified", **unit)] == 0
    assert got[key("tracker_reuse_missed_components", **unit)] == 0
    commune = {"root": "H44", "unit": "H44.100", "period": "month"}
    assert got[key("tracker_reuse_components_claimed", **commune)] == 1
    assert got[key("tracker_reuse_units", root="H44")] == 3
    # A score with an empty denominator is absent, its numerator and denominator are not.
    empty = {
        "root": "H44",
        "unit": "H44.100",
        "indicator": "CITIZEN_DATA_CONNECTED_FORMALITY",
        "period": "month",
    }
    assert got[key("tracker_reuse_indicator_denominator", **empty)] == 0
    assert key("tracker_reuse_indicator_score", **empty) not in got
    assert got[key("tracker_reuse_gauges_refresh_seconds_count")] == 1


def test_labels_are_bounded(tmp_path: Path) -> None:
    got = asyncio.run(_refreshed(tmp_path / "g.db"))
    allowed = {"root", "unit", "indicator", "period", "le"}
    for name, labels in got:
        if name.startswith("tracker_reuse_"):
            assert {k for k, _ in labels} <= allowed, name
    per_unit = [
        labels
        for name, labels in got
        if dict(labels).get("unit") == "H44" and name.startswith("tracker_reuse_")
    ]
    assert len(per_unit) <= series_per_unit()


def test_missed_and_verified_reuse_gauges(tmp_path: Path) -> None:
    got = asyncio.run(_refreshed(tmp_path / "m.db", evidence_history()))
    for unit in ("H44", "H44.01"):
        labels = {"root": "H44", "unit": unit, "period": "month"}
        assert got[key("tracker_reuse_missed_components", **labels)] == 3
        assert got[key("tracker_reuse_missed_dossiers", **labels)] == 3
        assert got[key("tracker_reuse_components_claimed", **labels)] == 4
        assert got[key("tracker_reuse_components_verified", **labels)] == 2


def test_periods() -> None:
    assert current_periods(date(2026, 5, 17)) == [
        ReportingPeriod("month", date(2026, 5, 1), date(2026, 5, 17)),
        ReportingPeriod("year", date(2026, 1, 1), date(2026, 5, 17)),
    ]


def _synthetic(root: str, units: int, period: str) -> RootSnapshot:
    result = {
        "total_score": 10.0,
        "metrics": [metric_object(spec, 1, 2) for spec in METRICS],
    }
    codes = [root, *(f"{root}.{i:03d}" for i in range(1, units))]
    return RootSnapshot(root, period, {code: result for code in codes})


@pytest.mark.parametrize(("provinces", "series"), [(1, 7_801), (34, 265_234)])
@pytest.mark.slow
def test_series_count_grows_linearly_with_units(provinces: int, series: int) -> None:
    """150 units per province: 52 series per unit plus one unit count per root."""
    snapshots = [
        _synthetic(f"H{p:02d}", 150, period) for p in range(provinces) for period in PERIODS
    ]
    assert sum(len(f.samples) for f in build_families(snapshots)) == series
    assert series == provinces * (150 * series_per_unit() + 1)
