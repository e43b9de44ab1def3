"""Ingest's Prometheus metrics. Labels are bounded: root, event type, rejection code."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

from services.common.errors import DEPENDENCIES


class IngestMetrics:
    """Counters and histograms of the ingest service, on its own registry."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.accepted = Counter(
            "tracker_ingest_events_accepted_total",
            "Events accepted and handed on, by root and event type.",
            ["root", "event_type"],
            registry=registry,
        )
        self.rejected = Counter(
            "tracker_ingest_events_rejected_total",
            "Events refused into the rejected topic, by root and rejection code.",
            ["root", "code"],
            registry=registry,
        )
        self.duplicates = Counter(
            "tracker_ingest_events_duplicate_total",
            "Events ignored because their event_id was already accepted, by root.",
            ["root"],
            registry=registry,
        )
        self.dependency_errors = Counter(
            "tracker_ingest_dependency_errors_total",
            "Failed attempts to reach the database or the broker (retried with backoff).",
            ["dependency"],
            registry=registry,
        )
        self.batch_seconds = Histogram(
            "tracker_ingest_batch_seconds",
            "Time to make one consumed batch durable and hand it on.",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=registry,
        )
        self.batch_size = Histogram(
            "tracker_ingest_batch_events",
            "Events per consumed batch.",
            buckets=(1, 10, 50, 100, 250, 500, 1000, 2000),
            registry=registry,
        )
        # Zero series from the start, so rate() and alerts see the first error.
        for dependency in DEPENDENCIES:
            self.dependency_errors.labels(dependency)
