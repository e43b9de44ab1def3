"""The supervised system under load: while the simulator publishes a province, SIGKILL each
kind of process once (each service, Prometheus, the broker, the S3 store), as an
out-of-memory kill would. Nobody restarts anything by hand: the supervisor must, within its
backoff, with one line each; `reuse-tracker status` must show the process down and then up;
and at the end every figure equals the simulator's ground truth."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from reuse_tracker.cli import app
from reuse_tracker.simulator import Rates, Scenario, generate, write_outputs
from reuse_tracker.stack import LocalStack, StackConfig
from reuse_tracker.stack.prometheus import start_prometheus
from reuse_tracker.stack.slots import stack_ports
from reuse_tracker.stack.status import StackStatus, collect
from reuse_tracker.stack.supervisor import RestartPolicy
from reuse_tracker.system import SystemConfig, start_system
from tests.support.reliability.expected import actual_state, expected_of
from tests.support.reliability.harness import Harness
from tests.support.reliability.observed import PERIOD, ROOT, refusals, settle, unit_figures
from tests.support.reliability.publisher import Publisher

pytestmark = pytest.mark.stack

SEED = 20261202
DOSSIERS = 120
PUBLISH_SECONDS = 100.0
# The order of the kills; each comes once its predecessor is back and everything is up. The
# data path's first, so they fall while publishing goes on (Prometheus is not on it).
VICTIMS = ("seaweedfs", "tansu", "ingest", "digitizer", "reuse", "prometheus")
ON_THE_DATA_PATH = VICTIMS[:-1]
POLICY = RestartPolicy()  # what `make up` uses: 1 s, doubling to 30 s
# The first restart waits POLICY.first_delay; then the process must start and answer. A
# service answers /health only once its start-up (database, broker, consumers) is done:
# 15-35 s after a kill, measured here on 2 busy cores.
START_ALLOWANCE = 90.0


class Lines:
    """The supervisor's report, kept for the assertions (and echoed for the log)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, line: str, loud: bool) -> None:
        print(f"[supervisor] {line}", flush=True)
        with self._lock:
            self.lines.append(line)

    def text(self) -> str:
        with self._lock:
            return "\n".join(self.lines)


@pytest.fixture(scope="module")
def supervised(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Harness, Lines]]:
    """The whole system and Prometheus on SQLite, supervised with `make up`'s policy."""
    var_dir = tmp_path_factory.mktemp("supervised")
    lines = Lines()
    cfg = SystemConfig(var_dir=var_dir, ports=stack_ports("supervision"), roots=(ROOT,))
    stack = LocalStack(
        StackConfig(var_dir=var_dir, ports=cfg.ports, roots=cfg.roots, restart=POLICY),
        report=lines,
    )
    start_system(cfg, stack)
    try:
        start_prometheus(stack, var_dir)
        yield Harness(stack, cfg), lines
    finally:
        stack.stop()


def _status(var_dir: Path) -> StackStatus:
    found = collect(var_dir)
    assert found is not None, "the supervised stack keeps no state file"
    return found


def _kill_and_watch(h: Harness, victim: str) -> tuple[float, list[str]]:
    """SIGKILL the victim's pid; return how long until status showed everything up again,
    and the victim's health as status showed it along the way."""
    view = _status(h.config.var_dir)
    assert view.ok, f"not everything is up before killing {victim}: {view.down}"
    (before,) = [p for p in view.processes if p.name == victim]
    assert before.pid is not None
    killed_at = time.monotonic()
    os.kill(before.pid, signal.SIGKILL)
    h.note(f"kill -9 {victim} (pid {before.pid})")
    seen: list[str] = []
    while True:
        view = _status(h.config.var_dir)
        (now,) = [p for p in view.processes if p.name == victim]
        health = "up" if now.up and now.pid != before.pid else "down"
        if not seen or seen[-1] != health:
            seen.append(health)
        if health == "up" and view.ok:
            took = time.monotonic() - killed_at
            h.note(f"{victim} back (pid {now.pid}, restarts {now.restarts}) after {took:.1f} s")
            assert now.restarts == before.restarts + 1
            return took, seen
        assert time.monotonic() - killed_at < POLICY.first_delay + START_ALLOWANCE, (
            f"{victim} not back within the backoff and {START_ALLOWANCE:.0f} s; down: {view.down}"
        )
        time.sleep(0.2)


@pytest.fixture(scope="module")
def expected_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Scenario, dict[str, Any]]:
    out = tmp_path_factory.mktemp("supervised-sim")
    scenario = generate(ROOT, DOSSIERS, SEED, Rates(), PERIOD)
    write_outputs(scenario, out)
    truth = json.loads((out / "truth.json").read_text())
    return scenario, truth


def test_every_kind_of_process_killed_once_comes_back_and_figures_stay_exact(
    supervised: tuple[Harness, Lines], expected_run: tuple[Scenario, dict[str, Any]]
) -> None:
    h, lines = supervised
    scenario, truth = expected_run
    expected = expected_of(scenario)
    print(f"\nsupervision run: seed {SEED}, {len(scenario.events)} events")
    publisher = Publisher(
        scenario,
        h.ports.kafka_bootstrap,
        h.ports.s3_endpoint,
        pace=len(scenario.events) / PUBLISH_SECONDS,
    )
    publisher.start()
    recovered: dict[str, float] = {}
    views: dict[str, list[str]] = {}
    during_load: list[str] = []
    try:
        for victim in VICTIMS:
            while publisher.sent < len(scenario.events) // 20 and not publisher.finished.is_set():
                time.sleep(0.1)
            if not publisher.finished.is_set():
                during_load.append(victim)
            recovered[victim], views[victim] = _kill_and_watch(h, victim)
    finally:
        publisher.join(timeout=600)
    assert publisher.finished.is_set(), "the publisher did not finish"
    assert not publisher.failures, f"publishing failed: {publisher.failures[0]!r}"
    h.note(
        f"published {publisher.sent} events ({publisher.put_retries} file puts retried, "
        f"{publisher.resent} sent again); killed while publishing: {', '.join(during_load)}"
    )
    assert set(ON_THE_DATA_PATH) <= set(during_load)
    settle(h, expected, 300)
    h.note("settled")

    # Each came back by itself, status showed it down and then up, one line said so.
    assert views == {v: ["down", "up"] for v in VICTIMS}
    for victim in VICTIMS:
        said = [line for line in lines.lines if line.startswith(f"{victim} ")]
        assert len(said) == 2, said
        assert "killed by SIGKILL after" in said[0]
        assert said[0].endswith("; restart 1 in 1 s")
        assert said[1].startswith(f"{victim} restarted (pid ")
    assert h.stack.supervisor is not None
    assert h.stack.supervisor.failed == []
    final = _status(h.config.var_dir)
    assert final.ok
    assert {p.name: p.restarts for p in final.processes} == dict.fromkeys(VICTIMS, 1)
    assert {g.group for g in final.groups} >= {"tracker-ingest", "tracker-digitizer"}
    result = CliRunner().invoke(app, ["status", "--var-dir", str(h.config.var_dir)])
    assert result.exit_code == 0, result.output
    print(f"recovered after: {', '.join(f'{v} {s:.1f} s' for v, s in recovered.items())}")

    # Every figure is exact.
    figures = unit_figures(h)
    state = actual_state(h, ROOT)
    rejections = refusals(h)
    units = truth["units"]
    assert set(figures) == set(units)
    wrong = [u for u, want in units.items() if figures[u] != want]
    assert not wrong, f"{len(wrong)} units differ from the truth, e.g. {wrong[:3]}"
    assert state["accepted_ids"] == expected.accepted_ids
    assert state["applied_ids"] == expected.accepted_ids
    assert state["stored_ids"] == expected.stored_ids
    assert state["documents"] == expected.documents
    assert state["edges"] == expected.edges
    assert set(rejections) == set(expected.refused)
    assert all(codes == {expected.refused[v]} for v, codes in rejections.items())
