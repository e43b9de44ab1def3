"""`reuse-tracker indicators` on a real SQLite projection: denominators and missed reuse."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from typer.testing import CliRunner

from reuse_tracker.cli import app
from services.common.db import create_tables, make_engine
from services.reuse import tables
from services.reuse.projection import Projection
from tests.unit.reuse.test_reuse_evidence import history


def _project(var_dir: Path) -> None:
    async def go() -> None:
        engine = make_engine(f"sqlite+aiosqlite:///{var_dir / 'reuse.db'}")
        await create_tables(engine, tables.metadata)
        await Projection(engine).apply(history())
        await engine.dispose()

    var_dir.mkdir(parents=True, exist_ok=True)
    asyncio.run(go())


def _run(var_dir: Path, *args: str) -> str:
    base = ["indicators", "--unit", "H44", "--from", "2026-01-01", "--to", "2026-03-31"]
    done = CliRunner().invoke(app, [*base, "--var-dir", str(var_dir), *args])
    assert done.exit_code == 0, done.output
    return done.output


def test_table_shows_missed_reuse_and_what_it_cost(tmp_path: Path) -> None:
    _project(tmp_path)
    out = _run(tmp_path, "--breakdown", "children")
    assert "missed reuse" in out
    after = out[out.index("missed reuse") :].splitlines()
    line = next(x for x in after if x.strip("│ ").split(" ")[0] == "H44")
    cells = [c.strip() for c in line.strip().strip("│").split("│")]
    # 3 components scanned again, in 3 dossiers; reuse 1/7 -> 4/7 had they been reused.
    assert cells[:7] == ["H44", "3", "3", "14.29", "0.36", "57.14", "1.43"]
    assert cells[7] == "2/4"


def test_denominator_policy_changes_the_population(tmp_path: Path) -> None:
    _project(tmp_path)
    received = json.loads(_run(tmp_path, "--format", "json"))
    completed = json.loads(_run(tmp_path, "--format", "json", "--denominator", "completed"))
    assert received["metrics"][0]["denominator"] == 7
    assert completed["metrics"][0]["denominator"] == 1
    done = CliRunner().invoke(app, ["indicators", "--help"])
    assert "--denominator" in done.output
