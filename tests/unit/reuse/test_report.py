"""The terminal report fits a 100-column terminal, lists codes in natural order, and leads
with the units that cost the province most points."""

from __future__ import annotations

import asyncio
import csv
import io
import itertools
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from reuse_tracker.report import (
    WIDTH,
    detail,
    missed,
    pulling_down,
    pulling_table,
    table,
    write_units_csv,
)
from services.common.db import make_engine
from services.reuse.indicators import METRICS
from services.reuse.natural import natural_key, natural_sorted
from services.reuse.projection import Projection
from services.reuse.pull import points_lost
from tests.support import factories as f
from tests.support import small_province as api_data
from tests.unit.reuse.indicators_cli import project_history, run_indicators


def _unit(code: str, dossiers: int, total: float) -> dict[str, Any]:
    metrics = [
        {
            "code": spec.code,
            "numerator": dossiers,
            "denominator": dossiers,
            "ratio": 100.0,
            "score": float(spec.max_score),
            "max_score": spec.max_score,
        }
        for spec in METRICS
    ]
    return {
        "unit": code,
        "from": "2026-01-01",
        "to": "2026-09-30",
        "total_score": total,
        "max_score": 22,
        "ratio": 100.0,
        "metrics": metrics,
    }


def _province() -> dict[str, Any]:
    codes = [f"H44.{i:02d}" for i in range(1, 17)] + [f"H44.{100 + i}" for i in range(100)]
    units = [_unit(c, 100 + i, 22.0 - (i % 7)) for i, c in enumerate(codes)]
    root = _unit("H44", sum(u["metrics"][0]["denominator"] for u in units), 19.5)
    return {**root, "units": list(reversed(units))}


def _summary(code: str) -> dict[str, Any]:
    reuse = _unit(code, 12345, 1.0)["metrics"][2]
    return {
        "unit": code,
        "missed_components": 12345,
        "missed_dossiers": 12345,
        "reuse_components": 123456,
        "verified_components": 123456,
        "reuse": reuse,
        "reuse_without_missed": reuse,
    }


def _lines(renderable: Any) -> list[str]:
    out = Console(width=200, record=True, file=io.StringIO())
    out.print(renderable)
    return out.export_text().splitlines()


def test_natural_order() -> None:
    codes = ["H44.10", "H44.100", "H44.11", "H44.2", "H44", "H44.1.3", "H44.1"]
    assert natural_sorted(codes) == [
        "H44",
        "H44.1",
        "H44.1.3",
        "H44.2",
        "H44.10",
        "H44.11",
        "H44.100",
    ]
    assert natural_key("H44.02") != natural_key("H44.2")


def test_every_table_fits_100_columns() -> None:
    result = _province()
    tables = [
        detail(result, "Digitization indicators · H44 · received 2026-01-01 to 2026-09-30"),
        table(result["units"], "H44's units"),
        pulling_table(result, "the 10 units of H44 that cost it most points"),
        missed([_summary("H44"), _summary("H44.107")], "H44: missed reuse"),
    ]
    for t in tables:
        lines = _lines(t)
        assert max(len(line.rstrip()) for line in lines) <= WIDTH, "\n".join(lines)


def test_table_rows_in_natural_order() -> None:
    lines = _lines(table(_province()["units"], "units"))
    shown = [ln.split()[0] for ln in lines if ln.strip().startswith("H44.")]
    assert shown == natural_sorted(shown)
    assert shown.index("H44.02") < shown.index("H44.10") < shown.index("H44.100")


def test_the_units_that_cost_most_lead() -> None:
    result = _province()
    worst = pulling_down(result, 10)
    assert len(worst) == 10
    dossiers = result["metrics"][0]["denominator"]
    every = sorted(
        ((points_lost(u, dossiers), u["unit"]) for u in result["units"]),
        key=lambda p: (-p[0], natural_key(p[1])),
    )
    assert [u["unit"] for u, _ in worst] == [code for _, code in every[:10]]
    assert all(a[1] >= b[1] for a, b in itertools.pairwise(worst))
    # 6 points missed by a unit with a sixth of the dossiers cost the province 1 point
    assert points_lost(_unit("X", 10, 16.0), 60) == 1.0


def test_the_ten_are_shown_in_natural_code_order() -> None:
    result = _province()
    lines = _lines(pulling_table(result, "the 10 units that cost most"))
    shown = [ln.split()[0] for ln in lines if ln.strip().startswith("H44.")]
    assert sorted(shown) == sorted(u["unit"] for u, _ in pulling_down(result, 10))
    assert shown == natural_sorted(shown)


def test_full_table_csv_in_natural_order(tmp_path: Path) -> None:
    result = _province()
    every = {u["unit"]: u for u in [result, *result["units"]]}
    path = write_units_csv(every, tmp_path / "run" / "indicators.csv")
    rows = list(csv.reader(io.StringIO(path.read_text())))
    assert len(rows) == 1 + 117
    assert [r[0] for r in rows[1:]] == natural_sorted(every)


def test_the_indicators_command_fits_100_columns(tmp_path: Path) -> None:
    project_history(tmp_path)
    out = run_indicators(tmp_path, "--breakdown", "children")
    assert max(len(line.rstrip()) for line in out.splitlines()) <= WIDTH, out


@pytest.mark.slow
def test_many_direct_units_go_to_a_csv(tmp_path: Path) -> None:
    project_history(tmp_path)

    async def register() -> None:
        engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'reuse.db'}")
        codes = [f"H44.{i}" for i in range(2, 14)]
        await Projection(engine).apply([api_data._fact(f.agency(c, "H44")) for c in codes])
        await engine.dispose()

    asyncio.run(register())
    out = run_indicators(tmp_path, "--breakdown", "children")
    assert max(len(line.rstrip()) for line in out.splitlines()) <= WIDTH, out
    assert "that cost it most points" in out
    path = tmp_path / "reports" / "indicators-H44-2026-01-01-2026-03-31.csv"
    assert str(path) in out.replace("\n", "")
    rows = list(csv.reader(io.StringIO(path.read_text())))
    codes = [r[0] for r in rows[1:]]
    assert codes[0] == "H44"
    assert codes[1:] == natural_sorted(codes[1:])
    assert len(codes) > 13
