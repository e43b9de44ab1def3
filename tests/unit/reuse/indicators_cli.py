"""`reuse-tracker indicators` over the evidence history projected into a SQLite file."""

from __future__ import annotations

import asyncio
from pathlib import Path

from typer.testing import CliRunner

from reuse_tracker.cli import app
from services.common.db import create_tables, make_engine
from services.reuse import tables
from services.reuse.projection import Projection
from tests.unit.reuse.evidence_history import history


def project_history(var_dir: Path) -> None:
    """Project the evidence history into `var_dir`/reuse.db."""

    async def go() -> None:
        engine = make_engine(f"sqlite+aiosqlite:///{var_dir / 'reuse.db'}")
        await create_tables(engine, tables.metadata)
        await Projection(engine).apply(history())
        await engine.dispose()

    var_dir.mkdir(parents=True, exist_ok=True)
    asyncio.run(go())


def run_indicators(var_dir: Path, *args: str) -> str:
    """`reuse-tracker indicators` for H44 in the first quarter of 2026; its output."""
    base = ["indicators", "--unit", "H44", "--from", "2026-01-01", "--to", "2026-03-31"]
    done = CliRunner().invoke(app, [*base, "--var-dir", str(var_dir), *args])
    assert done.exit_code == 0, done.output
    return done.output
