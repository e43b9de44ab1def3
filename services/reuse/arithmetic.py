"""The portal's arithmetic, exactly: half-up rounding of exact fractions (INDICATORS.md)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

MAX_TOTAL = 22


def _hundredths(numerator: int, denominator: int) -> Decimal:
    """numerator / denominator (both positive integers) rounded half up, as hundredths."""
    # Half up in integers: floor(x + 1/2) with x = n/d is (2n + d) // 2d. No float, no
    # intermediate rounding, and several times faster than Fraction arithmetic.
    return Decimal((2 * numerator + denominator) // (2 * denominator)).scaleb(-2)


def half_up(value: Fraction) -> Decimal:
    """Round an exact fraction half up to 2 decimals (949/2080 * 100 -> 45.63)."""
    scaled = value * 100
    if scaled < 0:
        raise ValueError("the portal's figures are never negative")
    return _hundredths(scaled.numerator, scaled.denominator)


def ratio(numerator: int, denominator: int) -> Decimal | None:
    """100 x numerator / denominator, rounded half up; None on an empty denominator."""
    if denominator == 0:
        return None
    return _hundredths(10000 * numerator, denominator)


def score(numerator: int, denominator: int, max_score: int, full: Fraction) -> Decimal | None:
    """max x min(1, (n/d)/full), from the exact fraction, never from the rounded ratio."""
    if denominator == 0:
        return None
    # (n/d) / (p/q) = n*q / (d*p)
    top, bottom = numerator * full.denominator, denominator * full.numerator
    if top >= bottom:
        return Decimal(100 * max_score).scaleb(-2)
    return _hundredths(100 * max_score * top, bottom)


def total_ratio(total: Decimal) -> Decimal:
    """The unit's ratio: 100 x total / 22, rounded the same way."""
    return half_up(Fraction(total) * 100 / MAX_TOTAL)
