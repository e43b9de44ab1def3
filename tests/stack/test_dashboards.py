"""A real Prometheus scraping the whole system fed by the simulator: every dashboard query
parses and returns data, the rules load, the gauges agree with the ground truth, and every
service's /metrics passes `promtool check metrics`.

This module sorts before the ones using the session-wide `system` fixture, so its stack
starts while those are not running yet: fewer client connections hold ephemeral ports
that its port set (in the ephemeral range) could meet.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from reuse_tracker.dashboards import DASHBOARDS, panel_queries
from reuse_tracker.simulator import Rates, generate, publish, write_outputs
from reuse_tracker.stack import LocalStack, PortTaken, StackPorts
from reuse_tracker.stack.prometheus import start_prometheus
from reuse_tracker.stack.slots import stack_ports
from reuse_tracker.system import SystemConfig, service_ports, start_system, wait_until_processed
from tests.support.promtool import prometheus, promtool

pytestmark = pytest.mark.stack

# One month, reported as of its last day: the month gauges cover exactly the simulated
# period (the ground truth); the year gauges also see the simulator's earlier history.
PERIOD = (date(2026, 9, 1), date(2026, 9, 30))
RANGE = "10m"  # stands for $__rate_interval: covers the whole run


@dataclass
class Observed:
    """The running system, its Prometheus and the simulator's ground truth."""

    stack: LocalStack
    ports: StackPorts
    url: str
    truth: dict[str, Any]


def _query(url: str, expr: str) -> list[dict[str, Any]]:
    with httpx.Client(trust_env=False, timeout=10.0) as http:
        body = http.get(f"{url}/api/v1/query", params={"query": expr}).json()
    assert body["status"] == "success", f"{expr}: {body}"
    result: list[dict[str, Any]] = body["data"]["result"]
    return result


def _wait_for(url: str, expr: str, timeout: float = 120.0, show: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not _query(url, expr):
        if time.monotonic() > deadline:
            seen = _query(url, show) if show else ""
            raise TimeoutError(f"no data for {expr} after {timeout:.0f} s; {show}: {seen}")
        time.sleep(1.0)


def _start(cfg: SystemConfig, attempts: int = 6) -> LocalStack:
    """Start the system; a port briefly held as the local end of some client connection
    is waited for (a few times), a port held by a server still fails."""
    for attempt in range(1, attempts + 1):
        try:
            return start_system(cfg)
        except PortTaken:
            if attempt == attempts:
                raise
            time.sleep(5.0)
    raise AssertionError("unreachable")


@pytest.fixture(scope="module")
def observed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Observed]:
    """Start the system and Prometheus, publish 300 dossiers, wait until all is scraped."""
    prometheus()  # fail loudly before starting anything if it is missing
    var_dir = tmp_path_factory.mktemp("observed")
    ports = stack_ports("dashboards")
    cfg = SystemConfig(
        var_dir=var_dir,
        ports=ports,
        roots=("H44",),
        extra_env={
            "TRACKER_METRICS_INTERVAL": "1",
            "TRACKER_GAUGES_AS_OF": PERIOD[1].isoformat(),
        },
    )
    stack = _start(cfg)
    try:
        url = start_prometheus(stack, var_dir, interval="1s")
        scenario = generate("H44", 300, 5, Rates(), PERIOD)
        write_outputs(scenario, var_dir / "sim")
        # Two halves, a few scrapes apart: a counter that went from absent to its final
        # value between two scrapes would show no rate at all.
        half = len(scenario.events) // 2
        for first, last in ((0, half), (half, len(scenario.events))):
            publish(
                dataclasses.replace(scenario, events=scenario.events[first:last]),
                ports.kafka_bootstrap,
                ports.s3_endpoint,
                "tracker",
                "tracker-secret",
                progress=False,
            )
            wait_until_processed(ports, last, timeout=300)
            time.sleep(3.0)
        truth: dict[str, Any] = json.loads((var_dir / "sim" / "truth.json").read_text())
        expected_score = truth["units"]["H44"]["total_score"]
        # Wait until a refresh after the last fact was scraped.
        _wait_for(
            url,
            f'tracker_reuse_unit_score{{unit="H44",period="month"}} == {expected_score}',
            show='tracker_reuse_unit_score{unit="H44"}',
        )
        _wait_for(url, "root:tracker_ingest_events_accepted:rate5m > 0")
        yield Observed(stack, ports, url, truth)
    finally:
        stack.stop()


def _label_values(url: str, query: str) -> list[str]:
    """Grafana's `label_values(selector, label)` against Prometheus's series API."""
    match = re.fullmatch(r"label_values\((.+),\s*(\w+)\)", query)
    assert match, query
    selector, label = match.groups()
    with httpx.Client(trust_env=False, timeout=10.0) as http:
        body = http.get(f"{url}/api/v1/series", params={"match[]": selector}).json()
    assert body["status"] == "success", body
    return sorted({s[label] for s in body["data"] if label in s})


def _substitute(text: str, values: dict[str, str]) -> str:
    text = text.replace("$__rate_interval", RANGE)
    for name, value in values.items():
        text = text.replace(f"${name}", value)
    assert "$" not in text, f"unresolved variable in {text}"
    return text


def _variables(url: str, model: dict[str, Any]) -> dict[str, str]:
    """Each variable's first value, resolved in order as Grafana does."""
    values: dict[str, str] = {}
    for var in model["templating"]["list"]:
        if var["type"] == "custom":
            values[var["name"]] = var["current"]["value"]
        else:
            options = _label_values(url, _substitute(var["definition"], values))
            assert options, f"variable {var['name']} has no values"
            values[var["name"]] = options[0]
    return values


@pytest.mark.parametrize("name", sorted(DASHBOARDS))
def test_every_panel_query_returns_data(observed: Observed, name: str) -> None:
    model = DASHBOARDS[name]()
    values = _variables(observed.url, model)
    empty = []
    for title, expr in panel_queries(model):
        result = _query(observed.url, _substitute(expr, values))
        finite = [float(r["value"][1]) for r in result if not math.isnan(float(r["value"][1]))]
        if not finite:
            empty.append(f"{title}: {expr}")
    assert not empty, "panels without data:\n" + "\n".join(empty)


def test_targets_up_and_rules_loaded(observed: Observed) -> None:
    with httpx.Client(trust_env=False, timeout=10.0) as http:
        targets = http.get(f"{observed.url}/api/v1/targets").json()["data"]["activeTargets"]
        groups = http.get(f"{observed.url}/api/v1/rules").json()["data"]["groups"]
    assert {t["labels"]["job"]: t["health"] for t in targets} == {
        "ingest": "up",
        "digitizer": "up",
        "reuse": "up",
    }
    assert all(t["scrapeUrl"].startswith("http://127.0.0.1:") for t in targets)
    rules = [r for g in groups for r in g["rules"]]
    assert len(rules) >= 20
    assert all(r["health"] == "ok" for r in rules), [r for r in rules if r["health"] != "ok"]
    firing = [r["name"] for r in rules if r["type"] == "alerting" and r["state"] == "firing"]
    assert firing == []


def test_business_gauges_equal_the_ground_truth(observed: Observed) -> None:
    units = observed.truth["units"]
    for unit in ("H44", *sorted(u for u in units if u.count(".") == 1)[:3]):
        result = _query(
            observed.url, f'tracker_reuse_indicator_numerator{{unit="{unit}",period="month"}}'
        )
        got = {r["metric"]["indicator"]: float(r["value"][1]) for r in result}
        expected = {m["code"]: float(m["numerator"]) for m in units[unit]["metrics"]}
        assert got == expected, unit
    count = _query(observed.url, 'count(tracker_reuse_unit_score{period="month"})')
    assert float(count[0]["value"][1]) == len(units)


def test_consumer_lag_is_measured(observed: Observed) -> None:
    result = _query(observed.url, "tracker_consumer_lag_records")
    groups = {r["metric"]["group"] for r in result}
    assert {"tracker-ingest", "tracker-digitizer", "tracker-reuse-facts"} <= groups
    assert all(float(r["value"][1]) >= 0 for r in result)


@pytest.mark.parametrize("service", ["ingest", "digitizer", "reuse"])
def test_promtool_check_metrics(observed: Observed, service: str, tmp_path: Path) -> None:
    port = service_ports(observed.ports)[service]
    with httpx.Client(trust_env=False, timeout=10.0) as http:
        text = http.get(f"http://127.0.0.1:{port}/metrics").text
    done = subprocess.run(
        [promtool(), "check", "metrics"], input=text, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr
