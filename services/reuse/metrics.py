"""Reuse service metrics. Labels are bounded: root and event type."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

from services.common.errors import DEPENDENCIES


class ReuseMetrics:
    """Counters of facts applied to the projection."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.applied = Counter(
            "tracker_reuse_facts_applied_total",
            "Facts applied to the reuse projection (duplicates excluded), by topic.",
            ["topic"],
            registry=registry,
        )
        self.dependency_errors = Counter(
            "tracker_reuse_dependency_errors_total",
            "Failed attempts to write the projection (retried with backoff).",
            ["dependency"],
            registry=registry,
        )
        self.batch_seconds = Histogram(
            "tracker_reuse_batch_seconds",
            "Time to apply one consumed batch.",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=registry,
        )
        self.token_usage_errors = Counter(
            "tracker_reuse_token_usage_errors_total",
            "Failed background writes of API tokens' last use (kept and retried; never a "
            "request's error).",
            registry=registry,
        )
        # Zero series from the start, so rate() and alerts see the first error.
        for dependency in DEPENDENCIES:
            self.dependency_errors.labels(dependency)
