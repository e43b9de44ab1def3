"""Half-up rounding of exact fractions, as the portal publishes ratios and scores."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

__all__ = ["half_up"]


def half_up(value: Fraction | int, places: int = 2) -> Decimal:
    """Round an exact value half up (ties away from zero) to ``places`` decimals, exactly."""
    if places < 0:
        raise ValueError("places must be >= 0")
    exact = Fraction(value)
    scaled = abs(exact) * 10**places
    units = int(scaled + Fraction(1, 2))  # floor, as scaled + 1/2 >= 0
    sign = -1 if exact < 0 else 1
    return Decimal(sign * units).scaleb(-places)
