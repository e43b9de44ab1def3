"""Reading a period as whole months plus edge days gives what summing every day gives."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.common.db import create_tables, make_engine
from services.reuse import aggregates, tables
from services.reuse.indicators import IndicatorReader, split_period
from services.reuse.projection import Projection
from tests.unit.reuse.evidence_history import history

DAYS = st.dates(min_value=date(2025, 11, 1), max_value=date(2026, 6, 30))


def covered(start: date, end: date) -> list[date]:
    days, months = split_period(start, end)
    out = [first + timedelta(n) for first, last in days for n in range((last - first).days + 1)]
    if months is not None:
        month = months[0]
        while month <= months[1]:
            following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
            out += [month + timedelta(n) for n in range((following - month).days)]
            month = following
    return sorted(out)


@given(DAYS, DAYS)
def test_split_period_covers_each_day_once(a: date, b: date) -> None:
    start, end = min(a, b), max(a, b)
    assert covered(start, end) == [start + timedelta(n) for n in range((end - start).days + 1)]


def test_split_period_examples() -> None:
    assert split_period(date(2026, 1, 15), date(2026, 12, 31)) == (
        [(date(2026, 1, 15), date(2026, 1, 31))],
        (date(2026, 2, 1), date(2026, 12, 1)),
    )
    assert split_period(date(2026, 2, 3), date(2026, 2, 27)) == (
        [(date(2026, 2, 3), date(2026, 2, 27))],
        None,
    )
    assert split_period(date(2024, 2, 1), date(2024, 2, 29)) == ([], (date(2024, 2, 1),) * 2)


@pytest.mark.slow
def test_any_period_sums_what_its_days_hold(tmp_path: Path) -> None:
    async def go() -> None:
        engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'p.db'}")
        await create_tables(engine, tables.metadata)
        await Projection(engine).apply(history())
        reader = IndicatorReader(engine)
        async with engine.connect() as conn:
            daily = (await aggregates.recount(conn, "H44")).daily

        @settings(max_examples=40, deadline=None)
        @given(DAYS, DAYS)
        def check(a: date, b: date) -> None:
            start, end = min(a, b), max(a, b)
            expected: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
            for (_root, unit, day), values in daily.items():
                if start <= day <= end:
                    for name, value in values.items():
                        if name.startswith("received_"):
                            expected[unit][name.removeprefix("received_")] += value
            period = asyncio.run_coroutine_threadsafe(
                reader.period("H44", start, end, "received"), loop
            ).result()
            got = {u: {k: v for k, v in c.items() if v} for u, c in period.sums.items()}
            want = {u: {k: v for k, v in c.items() if v} for u, c in expected.items()}
            assert {u: c for u, c in got.items() if c} == {u: c for u, c in want.items() if c}

        loop = asyncio.get_running_loop()
        await asyncio.to_thread(check)
        await engine.dispose()

    asyncio.run(go())
