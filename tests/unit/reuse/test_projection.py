"""The projection on real SQLite: exact figures for a hand-computed history, whatever the
delivery order, with duplicates and corrections."""

from __future__ import annotations

import asyncio
import random
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from schemas.internal import Fact
from services.common.db import create_tables, make_engine
from services.reuse import tables
from services.reuse.indicators import IndicatorReader, UnknownUnit
from services.reuse.projection import Projection
from tests.unit.reuse.projection_history import EXPECTED, history


async def figures(db: Path, batches: list[list[Fact]]) -> dict[str, Any]:
    engine = make_engine(f"sqlite+aiosqlite:///{db}")
    await create_tables(engine, tables.metadata)
    projection = Projection(engine)
    for batch in batches:
        await projection.apply(batch)
    result = await IndicatorReader(engine).indicators(
        "H44", date(2026, 1, 1), date(2026, 3, 31), breakdown=True
    )
    await engine.dispose()
    return result


def test_hand_computed_history(tmp_path: Path) -> None:
    result = asyncio.run(figures(tmp_path / "a.db", [history()]))
    got = {
        m["code"]: (m["numerator"], m["denominator"], m["ratio"], m["score"])
        for m in result["metrics"]
    }
    assert got == EXPECTED
    assert result["total_score"] == 16.0
    assert result["ratio"] == 72.73
    assert [u["unit"] for u in result["units"]] == ["H44.01", "H44.100"]
    commune = result["units"][1]
    assert commune["metrics"][5]["denominator"] == 0
    assert commune["metrics"][5]["ratio"] is None


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.slow
def test_order_batching_and_duplicates_do_not_change_figures(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    facts = history()
    shuffled = facts + rng.sample(facts, k=5)  # redelivered copies
    rng.shuffle(shuffled)
    cuts = sorted(rng.sample(range(1, len(shuffled)), k=3))
    batches = [shuffled[i:j] for i, j in zip([0, *cuts], [*cuts, len(shuffled)], strict=True)]
    in_order = asyncio.run(figures(tmp_path / "a.db", [facts]))
    any_order = asyncio.run(figures(tmp_path / "b.db", batches))
    assert any_order == in_order


def test_unknown_unit(tmp_path: Path) -> None:
    async def go() -> None:
        engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'c.db'}")
        await create_tables(engine, tables.metadata)
        with pytest.raises(UnknownUnit):
            await IndicatorReader(engine).indicators("H99", date(2026, 1, 1), date(2026, 1, 2))
        await engine.dispose()

    asyncio.run(go())
