"""Prometheus rules and configuration, checked by promtool: syntax, and a unit test per alert."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from reuse_tracker.stack import StackPorts
from reuse_tracker.stack.prometheus import COMMITTED_CONFIG, PROMETHEUS_DIR, render_config
from tests.support.promtool import promtool

RULES = sorted((PROMETHEUS_DIR / "rules").glob("*.yml"))
RULE_TESTS = sorted((PROMETHEUS_DIR / "tests").glob("*.yml"))
OPERATIONS = Path(__file__).resolve().parents[3] / "docs" / "operations.md"


def _run(*args: str) -> str:
    done = subprocess.run(
        [promtool(), *args], capture_output=True, text=True, timeout=300, cwd=PROMETHEUS_DIR
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _alerts() -> list[str]:
    doc = yaml.safe_load((PROMETHEUS_DIR / "rules" / "alerts.yml").read_text())
    rules = [r for g in doc["groups"] for r in g["rules"]]
    for rule in rules:
        # The runbook link is the anchor of the alert's heading in docs/operations.md.
        assert rule["annotations"]["runbook"] == f"docs/operations.md#{rule['alert'].lower()}"
    return [r["alert"] for r in rules]


def test_rules_are_valid() -> None:
    assert RULES
    _run("check", "rules", *map(str, RULES))


def test_config_is_valid_and_generated() -> None:
    assert COMMITTED_CONFIG.read_text() == render_config(StackPorts())
    _run("check", "config", str(COMMITTED_CONFIG))


@pytest.mark.slow
def test_rule_unit_tests_pass() -> None:
    assert RULE_TESTS
    _run("test", "rules", *map(str, RULE_TESTS))


def test_every_alert_has_a_unit_test_that_fires_it_and_a_runbook() -> None:
    fired: set[str] = set()
    for path in RULE_TESTS:
        for case in yaml.safe_load(path.read_text())["tests"]:
            for check in case.get("alert_rule_test", []):
                if check.get("exp_alerts"):
                    fired.add(check["alertname"])
    operations = OPERATIONS.read_text()
    for alert in _alerts():
        assert alert in fired, f"no promtool test fires {alert}"
        assert re.search(rf"^#+ `?{alert}`?$", operations, re.M), f"no runbook heading for {alert}"
