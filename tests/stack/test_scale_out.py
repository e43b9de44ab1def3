"""Two instances of every service in one consumer group each: they share the partitions and
the database, and a simulated province still comes out exactly as its ground truth."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from reuse_tracker.report import rows_of
from reuse_tracker.simulator import Rates, generate
from reuse_tracker.stack import LocalStack
from reuse_tracker.stack.slots import stack_ports
from reuse_tracker.system import (
    SystemConfig,
    instance_ports,
    scrape,
    wait_until_processed,
)
from services.common.db import make_engine
from services.reuse.indicators import IndicatorReader
from tests.support.system import ground_truth, publish_scenario, started

pytestmark = pytest.mark.stack

PERIOD = (date(2026, 1, 1), date(2026, 6, 30))
INSTANCES = 2


@pytest.fixture(scope="module")
def scaled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SystemConfig, LocalStack]]:
    """The system on SQLite with two instances of ingest, digitizer and reuse."""
    cfg = SystemConfig(
        var_dir=tmp_path_factory.mktemp("scale-out"),
        ports=stack_ports("scale-out"),
        roots=("H44",),
        instances=INSTANCES,
    )
    with started(cfg) as stack:
        yield cfg, stack


@pytest.fixture(scope="module")
def truth(scaled: tuple[SystemConfig, LocalStack]) -> dict[str, Any]:
    """Publish a 400-dossier province and wait until both instances of each have done."""
    cfg, _stack = scaled
    scenario = generate("H44", 400, 23, Rates(), PERIOD)
    expected = ground_truth(scenario, cfg.var_dir / "sim")
    publish_scenario(cfg.ports, scenario)
    wait_until_processed(cfg.ports, len(scenario.events), timeout=300, instances=INSTANCES)
    return expected


def _indicators(var_dir: Path) -> dict[str, Any]:
    async def go() -> dict[str, Any]:
        engine = make_engine(f"sqlite+aiosqlite:///{(var_dir / 'reuse.db').resolve()}")
        try:
            return await IndicatorReader(engine).indicators("H44", *PERIOD, breakdown=True)
        finally:
            await engine.dispose()

    return asyncio.run(go())


def test_every_instance_is_up_on_its_own_port(scaled: tuple[SystemConfig, LocalStack]) -> None:
    cfg, stack = scaled
    names = {s.name for s in stack.services}
    assert names == {
        "ingest",
        "ingest-2",
        "digitizer",
        "digitizer-2",
        "reuse",
        "reuse-2",
    }
    for name in ("ingest", "digitizer", "reuse"):
        ports = instance_ports(cfg.ports, name, INSTANCES)
        assert len(set(ports)) == INSTANCES


def test_figures_equal_the_ground_truth(
    scaled: tuple[SystemConfig, LocalStack], truth: dict[str, Any]
) -> None:
    cfg, _stack = scaled
    result = _indicators(cfg.var_dir)
    rows = rows_of(result)
    assert {r["unit"] for r in rows} == set(truth["units"])
    for row in rows:
        got = {k: v for k, v in row.items() if k != "units"}
        assert got == truth["units"][row["unit"]], row["unit"]


def test_the_work_was_shared(
    scaled: tuple[SystemConfig, LocalStack], truth: dict[str, Any]
) -> None:
    """Each ingest and each reuse instance handled part of the stream."""
    cfg, _stack = scaled
    for name, metric in (
        ("ingest", "tracker_ingest_events_accepted_total"),
        ("reuse", "tracker_reuse_facts_applied_total"),
    ):
        counts = [scrape(p).get(metric, 0.0) for p in instance_ports(cfg.ports, name, INSTANCES)]
        assert all(c > 0 for c in counts), (name, counts)
