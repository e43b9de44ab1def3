"""End-to-end latency from publish to the indicator, p50 and p99, at a steady 1,000 events/s
(see bench/steady.py for how it is measured)."""

from __future__ import annotations

from typing import Any

from .harness import bench_stack
from .steady import percentile, steady_load

SECONDS = {False: 60.0, True: 15.0}
TARGETS = {"p99_s": "< 2"}
UNITS = {"p50_s": "s", "p99_s": "s", "max_s": "s", "events": "events"}


def run(*, quick: bool = False) -> dict[str, Any]:
    """One steady run."""
    with bench_stack() as bench:
        result = steady_load(bench, SECONDS[quick])
    return {
        "rate_per_s": 1000,
        "events": result.sent,
        "p50_s": round(percentile(result.latencies, 0.50), 3),
        "p99_s": round(percentile(result.latencies, 0.99), 3),
        "max_s": round(max(result.latencies), 3),
    }
