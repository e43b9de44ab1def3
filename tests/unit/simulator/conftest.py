"""Scenarios for the simulator tests, generated once (pages from the fast stand-in renderer)."""

from __future__ import annotations

import pytest

from reuse_tracker.simulator.generate import Scenario, generate
from reuse_tracker.simulator.rates import Rates
from tests.unit.simulator.scenarios import PERIOD, STRESS
from tests.unit.simulator.standin import tiny_page


@pytest.fixture(scope="session")
def stress() -> Scenario:
    """400 dossiers of H44 with every kind of fault."""
    return generate("H44", 400, 5, STRESS, PERIOD, renderer=tiny_page, workers=0)


@pytest.fixture(scope="session")
def default_scenario() -> Scenario:
    """300 dossiers of H44 with the default rates."""
    return generate("H44", 300, 8, Rates(), PERIOD, renderer=tiny_page, workers=0)
