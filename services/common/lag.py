"""Consumer lag per consumer group and topic, measured in the background for /metrics.

Lag is the end offset of each assigned partition minus the group's committed offset (the
position a restart would resume from; the consumer's fetch position where nothing is
committed yet), summed per topic. Tansu's reported end offset can trail the true end of a
partition, so a partition's lag is clamped at 0 rather than trusted to be exact; the gauge
shows the trend, and nothing decides "read to the end" from it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from aiokafka import TopicPartition
from faststream.kafka import KafkaBroker
from prometheus_client import CollectorRegistry, Counter, Gauge
from prometheus_client.core import GaugeMetricFamily

from .periodic import Periodic
from .snapshot import SnapshotCollector

log = logging.getLogger(__name__)

LAG_METRIC = "tracker_consumer_lag_records"
LAG_HELP = (
    "Records not yet committed by the consumer group, by topic (end offset minus committed "
    "offset, each partition clamped at 0)."
)
PARTITIONS_METRIC = "tracker_consumer_assigned_partitions"
PARTITIONS_HELP = "Partitions assigned to this instance, by consumer group and topic."


@dataclass(frozen=True)
class PartitionLag:
    """What one assigned partition looks like at a refresh."""

    group: str
    topic: str
    partition: int
    end: int
    committed: int | None


def lag_by_topic(parts: Iterable[PartitionLag]) -> dict[tuple[str, str], tuple[int, int]]:
    """(group, topic) -> (lag, partitions): per-partition lag clamped at 0, then summed.

    A partition with nothing committed counts from offset 0 (the group starts at the
    earliest record).
    """
    out: dict[tuple[str, str], tuple[int, int]] = {}
    for p in parts:
        lag = max(0, p.end - (p.committed or 0))
        total, count = out.get((p.group, p.topic), (0, 0))
        out[(p.group, p.topic)] = (total + lag, count + 1)
    return out


def lag_families(lags: Mapping[tuple[str, str], tuple[int, int]]) -> list[GaugeMetricFamily]:
    """The gauge families of one refresh."""
    lag = GaugeMetricFamily(LAG_METRIC, LAG_HELP, labels=["group", "topic"])
    parts = GaugeMetricFamily(PARTITIONS_METRIC, PARTITIONS_HELP, labels=["group", "topic"])
    for (group, topic), (records, count) in sorted(lags.items()):
        lag.add_metric([group, topic], records)
        parts.add_metric([group, topic], count)
    return [lag, parts]


class _Consumer(Protocol):
    def assignment(self) -> set[TopicPartition]: ...

    async def end_offsets(self, partitions: list[TopicPartition]) -> dict[TopicPartition, int]: ...

    async def committed(self, partition: TopicPartition) -> int | None: ...


async def read_consumer(group: str, consumer: _Consumer) -> list[PartitionLag]:
    """End and committed offsets of every partition assigned to one consumer."""
    tps = sorted(consumer.assignment(), key=lambda tp: (tp.topic, tp.partition))
    if not tps:
        return []
    ends = await consumer.end_offsets(tps)
    committed = await asyncio.gather(*(consumer.committed(tp) for tp in tps))
    return [
        PartitionLag(group, tp.topic, tp.partition, int(ends.get(tp, 0)), c)
        for tp, c in zip(tps, committed, strict=True)
    ]


class ConsumerLag:
    """Refreshes the lag of every subscriber of a broker every `interval` seconds."""

    def __init__(
        self, broker: KafkaBroker, registry: CollectorRegistry, *, interval: float = 15.0
    ) -> None:
        self.broker = broker
        self.interval = interval
        self.collector = SnapshotCollector(lag_families({}))
        registry.register(self.collector)
        self.errors = Counter(
            "tracker_consumer_lag_refresh_errors_total",
            "Failed lag refreshes (the previous values stay exposed).",
            registry=registry,
        )
        self.refreshed = Gauge(
            "tracker_consumer_lag_refreshed_timestamp_seconds",
            "Unix time of the last successful lag refresh.",
            registry=registry,
        )
        self._loop = Periodic(
            "consumer-lag",
            self.refresh,
            interval=interval,
            on_error=self._failed,
            timeout=max(5.0, interval),
        )

    def _consumers(self) -> list[tuple[str, Any]]:
        out = []
        for sub in self.broker.subscribers:
            consumer = getattr(sub, "consumer", None)
            group = getattr(sub, "group_id", None)
            if consumer is not None and group:
                out.append((str(group), consumer))
        return out

    async def refresh(self) -> None:
        """Read every subscriber's offsets once and publish the new snapshot."""
        parts: list[PartitionLag] = []
        for group, consumer in self._consumers():
            parts.extend(await read_consumer(group, consumer))
        self.collector.replace(lag_families(lag_by_topic(parts)))
        self.refreshed.set(time.time())

    def _failed(self, exc: Exception) -> None:
        self.errors.inc()  # a broker hiccup must not end the loop
        log.warning("consumer lag refresh failed: %s", type(exc).__name__)

    async def start(self) -> None:
        """Start the background refresher (after the broker started its consumers)."""
        await self._loop.start()

    async def stop(self) -> None:
        """Stop the refresher."""
        await self._loop.stop()
