"""Half-up rounding of exact fractions (INDICATORS.md, "Arithmetic, exactly")."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from reuse_tracker.simulator.rounding import half_up


def test_949_of_2080_is_exactly_45_625_and_shows_45_63() -> None:
    assert Fraction(949, 2080) * 100 == Fraction(45625, 1000)
    assert half_up(Fraction(949, 2080) * 100) == Decimal("45.63")
    assert round(949 / 2080 * 100, 2) == 45.62  # what binary floats make of it


def test_the_worked_example_of_indicators_md() -> None:
    share = Fraction(581, 1237)
    assert half_up(share * 100) == Decimal("46.97")
    score = 2 * min(Fraction(1), share / Fraction(8, 10))
    assert half_up(score) == Decimal("1.17")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Fraction(5, 8), "0.63"),  # 0.625: a tie goes up
        (Fraction(1, 8), "0.13"),
        (Fraction(-1, 8), "-0.13"),  # ties away from zero
        (Fraction(0), "0.00"),
        (Fraction(100), "100.00"),
        (Fraction(1, 3), "0.33"),
        (Fraction(2, 3), "0.67"),
        (Fraction(12499, 10000), "1.25"),
        (Fraction(12449, 10000), "1.24"),
    ],
)
def test_half_up_cases(value: Fraction, expected: str) -> None:
    assert half_up(value) == Decimal(expected)


def test_places() -> None:
    assert half_up(Fraction(5, 2), 0) == Decimal(3)
    assert half_up(Fraction(1, 16), 3) == Decimal("0.063")
    with pytest.raises(ValueError, match="places"):
        half_up(Fraction(1), -1)


def _score_exact(max_score: int, numerator: int, denominator: int, full: Fraction) -> Decimal:
    return half_up(max_score * min(Fraction(1), Fraction(numerator, denominator) / full))


def _score_from_rounded_ratio(
    max_score: int, numerator: int, denominator: int, full: Fraction
) -> Decimal:
    ratio = half_up(Fraction(numerator, denominator) * 100)
    return half_up(max_score * min(Fraction(1), Fraction(ratio) / 100 / full))


def test_scoring_from_the_rounded_ratio_would_differ() -> None:
    """Search a case where the double rounding is off, and check it really is."""
    found = None
    for denominator in range(1, 400):
        for numerator in range(denominator + 1):
            exact = _score_exact(6, numerator, denominator, Fraction(1))
            rounded = _score_from_rounded_ratio(6, numerator, denominator, Fraction(1))
            if exact != rounded:
                found = (numerator, denominator, exact, rounded)
                break
        if found:
            break
    assert found is not None
    numerator, denominator, exact, rounded = found
    assert exact != rounded
    assert abs(exact - rounded) == Decimal("0.01")
    assert exact == half_up(6 * Fraction(numerator, denominator))
