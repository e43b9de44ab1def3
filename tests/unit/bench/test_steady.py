"""The benchmark's latency percentile: nearest rank, never banker's rounding."""

from __future__ import annotations

import pytest

from bench.steady import percentile


def test_the_median_of_five_values_is_the_third() -> None:
    # round(2.5) is 2 in Python; nearest rank is ceil(2.5) = 3.
    assert percentile([5.0, 1.0, 4.0, 2.0, 3.0], 0.5) == 3.0


@pytest.mark.parametrize(
    ("q", "expected"),
    [(0.0, 1.0), (0.01, 1.0), (0.1, 1.0), (0.11, 2.0), (0.5, 5.0), (0.9, 9.0), (0.99, 10.0)],
)
def test_nearest_rank_of_ten_values(q: float, expected: float) -> None:
    assert percentile([float(v) for v in range(10, 0, -1)], q) == expected


def test_the_top_percentile_is_the_largest_value_and_one_value_is_every_percentile() -> None:
    values = [float(v) for v in range(1, 201)]
    assert percentile(values, 0.99) == 198.0
    assert percentile(values, 1.0) == 200.0
    assert all(percentile([7.0], q) == 7.0 for q in (0.0, 0.5, 0.99, 1.0))
