"""Two instances of every service in one consumer group each: they share the partitions and
the database, and two simulated provinces still come out exactly as their ground truth.

`tracker.facts` is keyed by root, so each reuse instance applies whole roots: the two roots
are chosen on partitions (H44: 3, H50: 0 of 6) that the consumer group's round-robin
assignment gives to different members."""

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
ROOTS = ("H44", "H50")


@pytest.fixture(scope="module")
def scaled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SystemConfig, LocalStack]]:
    """The system on SQLite with two instances of ingest, digitizer and reuse."""
    cfg = SystemConfig(
        var_dir=tmp_path_factory.mktemp("scale-out"),
        ports=stack_ports("scale-out"),
        roots=ROOTS,
        instances=INSTANCES,
    )
    with started(cfg) as stack:
        yield cfg, stack


@pytest.fixture(scope="module")
def truth(scaled: tuple[SystemConfig, LocalStack]) -> dict[str, dict[str, Any]]:
    """Publish a 200-dossier province per root and wait until every instance has done;
    returns each root's ground truth."""
    cfg, _stack = scaled
    truths: dict[str, dict[str, Any]] = {}
    events = 0
    for seed, root in enumerate(ROOTS, start=23):
        scenario = generate(root, 200, seed, Rates(), PERIOD)
        truths[root] = ground_truth(scenario, cfg.var_dir / f"sim-{root}")
        publish_scenario(cfg.ports, scenario)
        events += len(scenario.events)
    wait_until_processed(cfg.ports, events, timeout=300, instances=INSTANCES)
    return truths


def _indicators(var_dir: Path, root: str) -> dict[str, Any]:
    async def go() -> dict[str, Any]:
        engine = make_engine(f"sqlite+aiosqlite:///{(var_dir / 'reuse.db').resolve()}")
        try:
            return await IndicatorReader(engine).indicators(root, *PERIOD, breakdown=True)
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


@pytest.mark.parametrize("root", ROOTS)
def test_figures_equal_the_ground_truth(
    scaled: tuple[SystemConfig, LocalStack], truth: dict[str, dict[str, Any]], root: str
) -> None:
    cfg, _stack = scaled
    rows = rows_of(_indicators(cfg.var_dir, root))
    assert {r["unit"] for r in rows} == set(truth[root]["units"])
    for row in rows:
        got = {k: v for k, v in row.items() if k != "units"}
        assert got == truth[root]["units"][row["unit"]], row["unit"]


def test_the_work_was_shared(
    scaled: tuple[SystemConfig, LocalStack], truth: dict[str, dict[str, Any]]
) -> None:
    """Each ingest and each reuse instance handled part of the stream (each reuse instance
    a root of its own)."""
    cfg, _stack = scaled
    for name, metric in (
        ("ingest", "tracker_ingest_events_accepted_total"),
        ("reuse", "tracker_reuse_facts_applied_total"),
    ):
        counts = [scrape(p).get(metric, 0.0) for p in instance_ports(cfg.ports, name, INSTANCES)]
        assert all(c > 0 for c in counts), (name, counts)
