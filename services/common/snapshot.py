"""A Prometheus collector that serves the last snapshot a background task computed.

Scrapes never compute anything: they read a list of metric families that a refresher
replaces as a whole, so a scrape sees either the old or the new snapshot, never a mix
(and label sets that disappeared, such as a partition moved to another instance, go away).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence

from prometheus_client.core import Metric
from prometheus_client.registry import Collector


class SnapshotCollector(Collector):
    """Holds metric families computed elsewhere; `replace` swaps them atomically."""

    def __init__(self, describe: Sequence[Metric] = ()) -> None:
        self._lock = threading.Lock()
        self._families: list[Metric] = []
        # Empty families of the same names, so registering detects name clashes up front.
        self._described = list(describe)

    def replace(self, families: Iterable[Metric]) -> None:
        """Publish a new snapshot."""
        fresh = list(families)
        with self._lock:
            self._families = fresh

    def collect(self) -> Iterator[Metric]:
        """The current snapshot (called by the registry on each scrape)."""
        with self._lock:
            families = self._families
        yield from families

    def describe(self) -> Iterator[Metric]:
        """The families this collector may expose (without samples)."""
        yield from self._described
