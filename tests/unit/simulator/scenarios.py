"""The period and fault rates the simulator tests generate their scenarios with."""

from __future__ import annotations

from datetime import date

from reuse_tracker.simulator.rates import Rates

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
