"""The crash suite: while the simulator publishes a province, kill -9 each service several
times and restart it, restart the broker, stop the S3 store and the database for a while;
at the end every unit's indicators, the stored documents and the reuse edges equal the
simulator's ground truth exactly, and each refused event was refused with its code.

`make test` runs the CI size on PostgreSQL (a cluster of the test's own, stopped on
purpose); `make soak` (TRACKER_SOAK=1) runs more than 20,000 events with scans on PostgreSQL
and on SQLite (where a killed writer is the database outage). The seed and the fault
schedule are printed; TRACKER_CRASH_SEED=<seed> replays a run.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from reuse_tracker.simulator import Rates, generate, write_outputs
from tests.support.reliability.expected import actual_state, expected_of
from tests.support.reliability.harness import Harness, own_postgres, running_system
from tests.support.reliability.observed import PERIOD, ROOT, refusals, settle, unit_figures
from tests.support.reliability.publisher import Publisher

from .schedule import Fault, Plan, make_schedule

pytestmark = pytest.mark.stack

SOAK = os.environ.get("TRACKER_SOAK") == "1"
SEED = int(os.environ.get("TRACKER_CRASH_SEED", "20260302"))


@dataclass(frozen=True)
class Size:
    """How big a run is and how many faults it makes."""

    dossiers: int
    plan: Plan
    publish_seconds: float  # publishing is spread over at least this long
    settle_timeout: float  # how long processing may take after publishing


CI = Size(
    dossiers=220,
    plan=Plan(
        kills_per_service=2,
        broker_restarts=1,
        s3_outages=1,
        database_outages=1,
        outage_seconds=(3.0, 6.0),
    ),
    publish_seconds=60,
    settle_timeout=300,
)
SOAK_SIZE = Size(
    dossiers=2800,
    plan=Plan(
        kills_per_service=4,
        broker_restarts=2,
        s3_outages=2,
        database_outages=2,
        outage_seconds=(5.0, 15.0),
    ),
    publish_seconds=420,
    settle_timeout=1800,
)
BACKENDS = ["postgres", "sqlite"] if SOAK else ["postgres"]


def _apply(h: Harness, fault: Fault) -> None:
    if fault.kind == "kill":
        h.kill(fault.target)
        time.sleep(fault.down_seconds)
        h.restart(fault.target)
    elif fault.kind == "broker":
        h.restart_broker()
    elif fault.kind == "s3":
        h.stop_s3()
        time.sleep(fault.down_seconds)
        h.start_s3()
    elif fault.kind == "database":
        h.stop_database()
        time.sleep(fault.down_seconds)
        h.start_database()
    else:
        raise ValueError(fault.kind)


@pytest.mark.parametrize("backend", BACKENDS)
def test_crashes_and_outages_lose_nothing_and_count_nothing_twice(
    backend: str, tmp_path: Path
) -> None:
    size = SOAK_SIZE if SOAK else CI
    plan = size.plan
    if backend == "sqlite":
        # No database server to stop: a killed writer is SQLite's outage.
        plan = dataclasses.replace(
            plan, database_outages=0, kills_per_service=plan.kills_per_service + 1
        )
    scenario = generate(ROOT, size.dossiers, SEED, Rates(), PERIOD)
    if SOAK:
        assert len(scenario.events) >= 20_000
    write_outputs(scenario, tmp_path / "sim")
    truth = json.loads((tmp_path / "sim" / "truth.json").read_text())
    expected = expected_of(scenario)
    schedule = make_schedule(SEED, len(scenario.events), plan)
    files = sum(len(e.files) for e in scenario.events)
    print(
        f"\ncrash run: backend {backend}, seed {SEED} (replay: TRACKER_CRASH_SEED={SEED}), "
        f"{len(scenario.events)} events, {files} files, {len(scenario.dossiers)} dossiers"
    )
    for fault in schedule:
        print("  " + fault.describe())

    with contextlib.ExitStack() as stack:
        pg = None
        url = None
        if backend == "postgres":
            pg = stack.enter_context(own_postgres())
            url = pg.create_database("tracker_crash")
        h = stack.enter_context(
            running_system(tmp_path / "var", roots=(ROOT,), database_url=url, pg=pg)
        )
        publisher = Publisher(
            scenario,
            h.ports.kafka_bootstrap,
            h.ports.s3_endpoint,
            pace=len(scenario.events) / size.publish_seconds,
        )
        publisher.start()
        survived: Counter[str] = Counter()
        for fault in schedule:
            while publisher.sent < fault.at_event and not publisher.finished.is_set():
                time.sleep(0.05)
            _apply(h, fault)
            survived[fault.kind if fault.kind != "kill" else f"kill {fault.target}"] += 1
        publisher.join(timeout=600)
        assert publisher.finished.is_set(), "the publisher did not finish"
        assert not publisher.failures, f"publishing failed: {publisher.failures[0]!r}"
        h.note(
            f"published {publisher.sent} events ({publisher.put_retries} file puts retried, "
            f"{publisher.resent} events sent again)"
        )
        settle(h, expected, size.settle_timeout)
        h.note("settled")

        figures = unit_figures(h)
        state = actual_state(h, ROOT)
        rejections = refusals(h)
        assert set(h.pids()) == {"ingest", "digitizer", "reuse"}, "a service is down at the end"

    assert set(figures) == set(truth["units"])
    wrong = [u for u, expected_figures in truth["units"].items() if figures[u] != expected_figures]
    assert not wrong, f"{len(wrong)} units differ from the truth, e.g. {wrong[:3]}"
    assert state["accepted_ids"] == expected.accepted_ids
    assert state["applied_ids"] == expected.accepted_ids
    assert state["stored_ids"] == expected.stored_ids
    assert state["reuse_stored_scans"] == expected.stored_component_scans
    assert state["documents"] == expected.documents
    assert state["edges"] == expected.edges
    assert set(rejections) == set(expected.refused), "refused events differ"
    wrong_codes = {
        v[:60]: (codes, expected.refused[v])
        for v, codes in rejections.items()
        if codes != {expected.refused[v]}
    }
    assert not wrong_codes
    print(
        f"survived: {dict(sorted(survived.items()))}; {len(truth['units'])} units exact, "
        f"{len(expected.documents)} documents, {len(expected.edges)} reuse edges, "
        f"{len(expected.refused)} refusals with their codes"
    )
