"""A simulated province through the real system: every unit's indicators equal the
simulator's independent ground truth, through the reader and through the CLI."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from datetime import date
from typing import Any

import pytest

from reuse_tracker.simulator import Rates, generate, publish, write_outputs
from reuse_tracker.system import wait_until_processed
from tests.support.system import RunningSystem

pytestmark = pytest.mark.stack

PERIOD = (date(2026, 1, 1), date(2026, 6, 30))


@pytest.fixture(scope="module")
def province(system: RunningSystem) -> dict[str, Any]:
    """Publish a 600-dossier province H44 and wait until everything is processed."""
    scenario = generate("H44", 600, 11, Rates(), PERIOD)
    out = system.var_dir / "sim"
    write_outputs(scenario, out)
    publish(
        scenario,
        system.ports.kafka_bootstrap,
        system.ports.s3_endpoint,
        "tracker",
        "tracker-secret",
        progress=False,
    )
    wait_until_processed(system.ports, len(scenario.events), timeout=300)
    truth: dict[str, Any] = json.loads((out / "truth.json").read_text())
    return truth


def _cli(system: RunningSystem, *args: str) -> str:
    env_db = (
        {"TRACKER_DATABASE_URL": system.config.database_url} if system.config.database_url else {}
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "reuse_tracker",
            "indicators",
            *args,
            "--var-dir",
            str(system.var_dir),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", **env_db},
    )
    return done.stdout


def test_every_unit_equals_the_ground_truth(
    system: RunningSystem, province: dict[str, Any]
) -> None:
    units = province["units"]
    assert len(units) > 100
    out = _cli(
        system,
        "--unit",
        "H44",
        "--from",
        PERIOD[0].isoformat(),
        "--to",
        PERIOD[1].isoformat(),
        "--breakdown",
        "children",
        "--format",
        "json",
    )
    result = json.loads(out)
    rows = [result, *result["units"]]
    assert {r["unit"] for r in rows} == set(units)
    for row in rows:
        expected = units[row["unit"]]
        got = {k: v for k, v in row.items() if k != "units"}
        assert got == expected, row["unit"]


def test_csv_has_a_line_per_unit(system: RunningSystem, province: dict[str, Any]) -> None:
    out = _cli(
        system,
        "--unit",
        "H44.01",
        "--from",
        PERIOD[0].isoformat(),
        "--to",
        PERIOD[1].isoformat(),
        "--format",
        "csv",
    )
    lines = out.strip().splitlines()
    assert lines[0].startswith("unit,from,to,ORIGINAL_RESULT_AVAILABLE_numerator,")
    assert lines[0].endswith(",total_score,max_score,ratio")
    assert len(lines) == 1 + 1  # header, the unit (no breakdown asked)
    assert lines[1].startswith("H44.01,")


async def _tree_and_missed(system: RunningSystem) -> tuple[dict[str, Any], dict[str, int]]:
    from services.common.db import make_engine
    from services.reuse.indicators import IndicatorReader
    from services.reuse.settings import ReuseSettings

    settings = ReuseSettings(var_dir=system.var_dir, database_url=system.config.database_url)
    engine = make_engine(settings.database_url_for("reuse"))
    try:
        reader = IndicatorReader(engine)
        tree = await reader.indicators_for_tree("H44", *PERIOD)
        missed = {
            unit: (await reader.missed_summary(unit, *PERIOD))["missed_components"] for unit in tree
        }
    finally:
        await engine.dispose()
    return tree, missed


def test_every_unit_of_the_tree_and_its_missed_reuse_equal_the_ground_truth(
    system: RunningSystem, province: dict[str, Any]
) -> None:
    tree, missed = asyncio.run(_tree_and_missed(system))
    assert set(tree) == set(province["units"])
    for unit, expected in province["units"].items():
        assert tree[unit] == expected, unit
    assert missed == province["missed_reuse"]
    assert province["missed_reuse"]["H44"] > 0  # the scenario does rescan papers
