"""`reuse-tracker indicators` on a real SQLite projection: denominators and missed reuse."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reuse_tracker.cli import app
from tests.unit.reuse.indicators_cli import project_history, run_indicators


def test_table_shows_missed_reuse_and_what_it_cost(tmp_path: Path) -> None:
    project_history(tmp_path)
    out = run_indicators(tmp_path, "--breakdown", "children")
    assert "missed reuse" in out
    after = out[out.index("missed reuse") :].splitlines()
    line = next(x for x in after if x.strip("│ ").split(" ")[0] == "H44")
    cells = [c.strip() for c in line.strip().strip("│").split("│")]
    # 3 components scanned again, in 3 dossiers; reuse 1/7 -> 4/7 had they been reused.
    assert cells[:7] == ["H44", "3", "3", "14.29", "0.36", "57.14", "1.43"]
    assert cells[7] == "2/4"


@pytest.mark.slow
def test_denominator_policy_changes_the_population(tmp_path: Path) -> None:
    project_history(tmp_path)
    received = json.loads(run_indicators(tmp_path, "--format", "json"))
    completed = json.loads(
        run_indicators(tmp_path, "--format", "json", "--denominator", "completed")
    )
    assert received["metrics"][0]["denominator"] == 7
    assert completed["metrics"][0]["denominator"] == 1
    done = CliRunner().invoke(app, ["indicators", "--help"])
    assert "--denominator" in done.output
