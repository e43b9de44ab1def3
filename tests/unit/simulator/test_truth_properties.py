"""Properties of the ground truth over generated provinces (hypothesis)."""

from __future__ import annotations

import random
from datetime import date
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reuse_tracker.simulator.catalogue import build_catalogue
from reuse_tracker.simulator.generate import generate
from reuse_tracker.simulator.rates import Rates
from reuse_tracker.simulator.rounding import half_up
from reuse_tracker.simulator.truth import MAX_SCORE, compute_truth
from tests.unit.simulator.scenarios import STRESS
from tests.unit.simulator.standin import tiny_page

PERIOD = (date(2026, 1, 1), date(2026, 1, 31))
ADDITIVE = (
    "ORIGINAL_RESULT_AVAILABLE",
    "SO_HOA_GIAY_TO_GIAI_QUYET",
    "REUSED_DIGITIZED_DATA",
    "SYNCED_WITH_DVCQG_PERSONAL_STORAGE",
    "CITIZEN_DATA_CONNECTED_DOSSIER",
)


def _metric(entry: dict[str, Any], code: str) -> dict[str, Any]:
    return next(m for m in entry["indicators"]["metrics"] if m["code"] == code)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    dossiers=st.integers(0, 60),
    stressed=st.booleans(),
    shuffle=st.randoms(use_true_random=False),
)
@pytest.mark.slow
def test_truth_does_not_depend_on_the_order_of_dossiers(
    seed: int, dossiers: int, stressed: bool, shuffle: random.Random
) -> None:
    catalogue = build_catalogue("H44", seed, departments=3, communes=4)
    rates = STRESS if stressed else Rates()
    scenario = generate(
        "H44", dossiers, seed, rates, PERIOD, catalogue=catalogue, renderer=tiny_page, workers=0
    )
    facts = list(scenario.dossiers)
    expected = compute_truth(catalogue, facts, PERIOD)
    shuffle.shuffle(facts)
    assert compute_truth(catalogue, facts, PERIOD) == expected

    root = expected["H44"]
    children = [expected[u] for u in root["children"]]
    # Dossier-level figures add up over the children (the root handles no dossier itself)...
    for code in ADDITIVE:
        for part in ("numerator", "denominator"):
            assert _metric(root, code)[part] == sum(_metric(c, code)[part] for c in children)
    assert root["missed_reuse"] == sum(c["missed_reuse"] for c in children)
    assert root["dossiers"] == sum(c["dossiers"] for c in children)
    # ...units too, with the root itself; procedures do not add up.
    copies = _metric(root, "ELECTRONIC_CERTIFIED_COPY")
    assert copies["denominator"] == 1 + len(children)
    formality = _metric(root, "CITIZEN_DATA_CONNECTED_FORMALITY")
    assert formality["denominator"] <= sum(
        _metric(c, "CITIZEN_DATA_CONNECTED_FORMALITY")["denominator"] for c in children
    )
    # Every object is consistent with its own numbers.
    for entry in expected.values():
        indicators = entry["indicators"]
        total = Fraction(0)
        for m in indicators["metrics"]:
            assert 0 <= m["numerator"] <= m["denominator"]
            if m["denominator"] == 0:
                assert m["ratio"] is None
                assert m["score"] is None
                continue
            assert m["ratio"] == float(half_up(Fraction(100 * m["numerator"], m["denominator"])))
            assert 0 <= m["score"] <= m["max_score"]
            total += Fraction(str(m["score"]))
        assert indicators["total_score"] == float(half_up(total))
        assert indicators["ratio"] == float(half_up(total * 100 / MAX_SCORE))
