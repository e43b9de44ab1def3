"""Shared scenarios for the simulator tests (pages from the fast stand-in renderer)."""

from __future__ import annotations

from datetime import date

import pytest

from reuse_tracker.simulator.generate import Scenario, generate
from reuse_tracker.simulator.rates import Rates
from tests.unit.simulator.standin import tiny_page

PERIOD = (date(2026, 1, 1), date(2026, 3, 31))

# Every fault often enough to show up in a few hundred dossiers.
STRESS = Rates(
    correction=0.15,
    duplicate=0.05,
    invalid=0.01,
    checksum_mismatch=0.05,
    object_missing=0.05,
    supplement=0.15,
    rescan=0.9,
    returning_applicant=0.6,
    scanned=0.3,
    reused_component=0.05,
    reused_result=0.05,
    personal_warehouse=0.05,
    e_result=0.5,
    result_scanned=0.5,
)


@pytest.fixture(scope="session")
def stress() -> Scenario:
    """400 dossiers of H44 with every kind of fault."""
    return generate("H44", 400, 5, STRESS, PERIOD, renderer=tiny_page, workers=0)


@pytest.fixture(scope="session")
def default_scenario() -> Scenario:
    """300 dossiers of H44 with the default rates."""
    return generate("H44", 300, 8, Rates(), PERIOD, renderer=tiny_page, workers=0)
