"""The Kafka broker factory every service uses (FastStream over aiokafka)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass

from faststream.kafka import KafkaBroker
from faststream.kafka.prometheus import KafkaPrometheusMiddleware
from prometheus_client import CollectorRegistry


def make_broker(bootstrap: str, client_id: str, registry: CollectorRegistry) -> KafkaBroker:
    """A KafkaBroker with FastStream's own Prometheus middleware for broker-level metrics."""
    return KafkaBroker(
        bootstrap,
        client_id=client_id,
        enable_idempotence=False,  # Tansu does not implement InitProducerId; consumers dedupe
        acks="all",
        linger_ms=5,
        max_request_size=2 * 1024 * 1024,
        # Pattern subscriptions see a new root's topic at the next metadata refresh.
        metadata_max_age_ms=10_000,
        middlewares=[KafkaPrometheusMiddleware(registry=registry, app_name=client_id)],
        logger=None,
    )


@dataclass(frozen=True)
class Outgoing:
    """One message to publish: topic, key, value and string headers."""

    topic: str
    key: bytes | None
    value: bytes
    headers: dict[str, str] | None = None


async def publish_all(broker: KafkaBroker, messages: Iterable[Outgoing]) -> int:
    """Send every message and wait until the broker acknowledged all of them (acks=all)."""
    futures = [
        await broker.publish(m.value, m.topic, key=m.key, headers=m.headers or {}, no_confirm=True)
        for m in messages
    ]
    if futures:
        await asyncio.gather(*futures)
    return len(futures)
