"""The province benchmark's parts that need no stack: the events file its publisher reads,
the projection rate by tenth, and the catalogue spread through the stream."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from bench.province import Sampler
from bench.publisher import read_events, write_events
from reuse_tracker.simulator import Rates, generate
from reuse_tracker.simulator.spread import CATALOGUE_KINDS, spread_catalogue


def test_events_file_round_trip(tmp_path: Path) -> None:
    events = [(b"H44.01", b'{"a":1}'), (b"", b""), (b"k" * 300, "ư".encode() * 1000)]
    path = tmp_path / "events.bin"
    assert write_events(path, events) == 3
    assert list(read_events(path)) == events


def test_rates_by_tenth_follow_the_counter() -> None:
    sampler = Sampler()
    # 100 facts a second for 10 s, then 50 a second for 20 s: 2,000 facts.
    for second in range(31):
        count = 100 * second if second <= 10 else 1000 + 50 * (second - 10)
        sampler.samples.append((float(second), count))
    tenths = sampler.rates_by_tenth()
    assert len(tenths) == 10
    assert tenths[:5] == [100.0] * 5
    assert tenths[5:] == [50.0] * 5


def test_mean_rate_runs_from_the_first_fact_to_the_last() -> None:
    sampler = Sampler()
    # Idle for 5 s, then 200 facts a second for 10 s, then idle again.
    for second in range(25):
        sampler.samples.append((float(second), 200 * min(max(second - 5, 0), 10)))
    # From the moment the counter reached 1 (5.005 s) to the moment it reached 2,000 (15 s).
    assert sampler.mean_rate() == round(2000 / (15 - 5.005), 1)
    assert Sampler().mean_rate() == 0.0


@pytest.mark.slow
def test_spreading_the_catalogue_keeps_every_event_and_moves_the_catalogue() -> None:
    scenario = generate("H44", 300, 3, Rates(), (date(2026, 1, 1), date(2026, 3, 31)))
    spread = spread_catalogue(scenario, seed=3)
    assert Counter(e.value for e in spread) == Counter(e.value for e in scenario.events)
    kind_of = {e.value: k for e, k in zip(scenario.events, scenario.kinds, strict=True)}
    positions = [i for i, e in enumerate(spread) if kind_of[e.value] in CATALOGUE_KINDS]
    assert positions[-1] > len(spread) // 2  # not all first any more
    others = [e.value for e in spread if kind_of[e.value] not in CATALOGUE_KINDS]
    assert others == [e.value for e in scenario.events if kind_of[e.value] not in CATALOGUE_KINDS]
    assert spread_catalogue(scenario, seed=3) == spread
