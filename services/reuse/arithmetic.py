"""The portal's arithmetic, exactly: half-up rounding of exact fractions (INDICATORS.md)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

MAX_TOTAL = 22
TWO_PLACES = Decimal("0.01")


def half_up(value: Fraction) -> Decimal:
    """Round an exact fraction half up to 2 decimals (949/2080 * 100 -> 45.63)."""
    # Decimal division of two exact integers at high precision, then one rounding: the
    # quotient's 28 significant digits are far beyond what could move the 2nd decimal.
    scaled = value * 100
    whole, rest = divmod(scaled.numerator, scaled.denominator)
    # Half up on the 3rd decimal: compare twice the remainder to the denominator.
    hundredths = whole + (1 if 2 * rest >= scaled.denominator else 0)
    return (Decimal(hundredths) / 100).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def ratio(numerator: int, denominator: int) -> Decimal | None:
    """100 x numerator / denominator, rounded half up; None on an empty denominator."""
    if denominator == 0:
        return None
    return half_up(Fraction(100 * numerator, denominator))


def score(numerator: int, denominator: int, max_score: int, full: Fraction) -> Decimal | None:
    """max x min(1, (n/d)/full), from the exact fraction, never from the rounded ratio."""
    if denominator == 0:
        return None
    achieved = Fraction(numerator, denominator) / full
    return half_up(max_score * min(Fraction(1), achieved))


def total_ratio(total: Decimal) -> Decimal:
    """The unit's ratio: 100 x total / 22, rounded the same way."""
    return half_up(Fraction(total) * 100 / MAX_TOTAL)
