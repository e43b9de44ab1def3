"""The one way the reuse service cuts `IN (…)` lists: in order, and grouped by key."""

from __future__ import annotations

from services.reuse.keys import CHUNK, chunks, grouped


def test_chunks_keep_order_and_bound_each_list() -> None:
    values = [f"v{i:04d}" for i in range(2 * CHUNK + 1)]
    parts = list(chunks(values))
    assert [len(p) for p in parts] == [CHUNK, CHUNK, 1]
    assert [v for p in parts for v in p] == values
    assert list(chunks([])) == []


def test_grouped_sorts_dedupes_and_splits_per_key() -> None:
    pairs = [("H44", "b"), ("G01", "z"), ("H44", "a"), ("H44", "b"), ("H44", "c")]
    assert list(grouped(pairs, size=2)) == [("G01", ["z"]), ("H44", ["a", "b"]), ("H44", ["c"])]
