"""Consumer lag arithmetic: clamped per partition, summed per group and topic, served from a
snapshot that replaces label sets as a whole."""

from __future__ import annotations

import asyncio

from aiokafka import TopicPartition
from prometheus_client import CollectorRegistry, generate_latest

from services.common.lag import PartitionLag, lag_by_topic, lag_families, read_consumer
from services.common.snapshot import SnapshotCollector


def test_lag_is_clamped_per_partition_and_summed() -> None:
    parts = [
        PartitionLag("g", "t", 0, end=100, committed=40),
        # Tansu's end offset can trail the true end: never a negative contribution.
        PartitionLag("g", "t", 1, end=10, committed=25),
        PartitionLag("g", "t", 2, end=7, committed=None),
        PartitionLag("g", "u", 0, end=5, committed=5),
    ]
    assert lag_by_topic(parts) == {("g", "t"): (67, 3), ("g", "u"): (0, 1)}


class FakeConsumer:
    def __init__(self) -> None:
        self.tps = {TopicPartition("t", 1), TopicPartition("t", 0)}

    def assignment(self) -> set[TopicPartition]:
        return self.tps

    async def end_offsets(self, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
        return {tp: 10 * (tp.partition + 1) for tp in partitions}

    async def committed(self, partition: TopicPartition) -> int | None:
        return None if partition.partition == 0 else 5


def test_read_consumer() -> None:
    got = asyncio.run(read_consumer("g", FakeConsumer()))
    assert got == [
        PartitionLag("g", "t", 0, 10, None),
        PartitionLag("g", "t", 1, 20, 5),
    ]


def test_snapshot_replaces_label_sets() -> None:
    registry = CollectorRegistry()
    collector = SnapshotCollector(lag_families({}))
    registry.register(collector)
    collector.replace(lag_families({("g", "a"): (3, 1), ("g", "b"): (4, 2)}))
    text = generate_latest(registry).decode()
    assert 'tracker_consumer_lag_records{group="g",topic="a"} 3.0' in text
    collector.replace(lag_families({("g", "b"): (0, 2)}))
    text = generate_latest(registry).decode()
    assert 'topic="a"' not in text
    assert 'tracker_consumer_assigned_partitions{group="g",topic="b"} 2.0' in text
