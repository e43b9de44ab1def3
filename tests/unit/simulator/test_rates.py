"""Rates: defaults, validation and the --rates parser."""

from __future__ import annotations

import pytest

from reuse_tracker.simulator.rates import ORIGINS, Rates, parse_rates, valid_names


def test_defaults_are_valid_and_reflect_low_reuse_and_few_e_results() -> None:
    rates = Rates()
    origins = rates.weights("origin")
    assert set(origins) == set(ORIGINS)
    assert sum(origins.values()) == pytest.approx(1)
    reuse = sum(origins[o] for o in ORIGINS if o.startswith(("reused", "personal", "national")))
    assert reuse < 0.1
    assert rates.e_result < 0.5
    assert set(rates.weights("applicant")) == {"citizen", "business", "agency", "other"}
    assert set(rates.weights("channel")) == {"counter", "online", "postal"}


def test_parse_overrides_over_the_defaults() -> None:
    rates = parse_rates("reused_component=0.1, e_result=0.3,components_max=7")
    assert rates.reused_component == 0.1
    assert rates.e_result == 0.3
    assert rates.components_max == 7
    assert isinstance(rates.components_max, int)
    assert rates.paper == Rates().paper
    assert parse_rates("") == Rates()


def test_parse_over_a_base() -> None:
    base = Rates(duplicate=0.2)
    assert parse_rates("invalid=0.01", base) == Rates(duplicate=0.2, invalid=0.01)


def test_unknown_name_lists_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="unknown rate 'reuse'") as info:
        parse_rates("reuse=0.1")
    for name in ("reused_component", "e_result", "checksum_mismatch", "components_min"):
        assert name in str(info.value)
    assert set(valid_names()) >= {"reused_component", "e_result", "rescan", "correction"}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("e_result", "expected name=value"),
        ("e_result=", "expected name=value"),
        ("e_result=abc", "must be a number"),
        ("components_max=2.5", "must be an integer"),
        ("e_result=1.5", r"within \[0, 1\]"),
        ("duplicate=-0.1", r"within \[0, 1\]"),
        ("e_result=nan", r"within \[0, 1\]"),
        ("components_min=6,components_max=3", "must not exceed"),
        ("counter=0,online=0,postal=0", "channel weights"),
    ],
)
def test_bad_specs(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_rates(spec)


def test_rates_are_frozen() -> None:
    rates = Rates()
    with pytest.raises(AttributeError):
        rates.e_result = 1.0  # type: ignore[misc]
