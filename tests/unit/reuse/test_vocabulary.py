"""The reuse vocabulary is the one spelling of origins, policies and indicator codes."""

from __future__ import annotations

from typing import get_args

from services.reuse.api.params import DenominatorParam
from services.reuse.indicators import METRICS
from services.reuse.vocabulary import (
    DOSSIER_INDICATORS,
    INDICATOR_CODES,
    POLICIES,
    PROCEDURE_INDICATOR,
    UNIT_INDICATOR,
)


def test_indicator_codes_are_the_metrics_in_the_portals_order() -> None:
    assert tuple(m.code for m in METRICS) == INDICATOR_CODES
    assert (*DOSSIER_INDICATORS, PROCEDURE_INDICATOR, UNIT_INDICATOR) == INDICATOR_CODES
    assert len(set(INDICATOR_CODES)) == 7


def test_the_api_offers_exactly_the_policies() -> None:
    policy, _none = get_args(get_args(DenominatorParam)[0])
    assert get_args(policy) == POLICIES == ("received", "completed", "result_required")
