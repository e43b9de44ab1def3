"""Small synchronous Kafka helpers for tests (kafka-python, partitions assigned directly)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition


def producer(bootstrap: str) -> KafkaProducer:
    """A producer that waits for every acknowledgement."""
    # Tansu has no InitProducerId: kafka-python 3's default idempotent producer cannot work.
    return KafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        max_request_size=2 << 20,
        enable_idempotence=False,
    )


def send(p: KafkaProducer, topic: str, key: str, value: bytes | dict[str, Any]) -> None:
    """Publish one message and wait for the broker."""
    raw = value if isinstance(value, bytes) else json.dumps(value, ensure_ascii=False).encode()
    p.send(topic, key=key.encode(), value=raw).get(timeout=30)


def read_all(bootstrap: str, topic: str, partitions: int = 6) -> list[Any]:
    """Every message currently readable in a topic (no consumer group)."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        consumer_timeout_ms=1500,
        auto_offset_reset="earliest",
    )
    try:
        consumer.assign([TopicPartition(topic, p) for p in range(partitions)])
        consumer.seek_to_beginning()
        return list(consumer)
    finally:
        consumer.close()


def wait_for(
    what: str, probe: Callable[[], Any], done: Callable[[Any], bool], timeout: float = 90
) -> Any:
    """Poll `probe` until `done(value)`; fail with the last value seen."""
    deadline = time.monotonic() + timeout
    value = probe()
    while not done(value):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}; last value: {value!r}")
        time.sleep(0.5)
        value = probe()
    return value
