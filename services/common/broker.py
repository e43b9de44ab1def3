"""The Kafka broker factory every service uses (FastStream over aiokafka)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiokafka import AIOKafkaProducer
from aiokafka.partitioner import DefaultPartitioner
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.prometheus import KafkaPrometheusMiddleware
from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512
from prometheus_client import CollectorRegistry

from .settings import CommonSettings

if TYPE_CHECKING:
    from faststream.kafka.subscriber.usecase import BatchSubscriber

_SASL = {"PLAIN": SASLPlaintext, "SCRAM-SHA-256": SASLScram256, "SCRAM-SHA-512": SASLScram512}


def kafka_security(settings: CommonSettings) -> BaseSecurity | None:
    """The broker's authentication from TRACKER_KAFKA_* settings (None: plaintext, no SASL)."""
    if settings.kafka_security_protocol == "PLAINTEXT":
        return None
    # The settings validator guarantees both when the protocol is not PLAINTEXT.
    username = settings.kafka_username or ""
    password = settings.kafka_password.get_secret_value() if settings.kafka_password else ""
    return _SASL[settings.kafka_sasl_mechanism](
        username,
        password,
        use_ssl=settings.kafka_security_protocol == "SASL_SSL",
    )


def make_broker(
    bootstrap: str,
    client_id: str,
    registry: CollectorRegistry,
    security: BaseSecurity | None = None,
    *,
    graceful_timeout: float | None = 15.0,
) -> KafkaBroker:
    """A KafkaBroker with FastStream's own Prometheus middleware for broker-level metrics.

    On stop, a handler still running gets `graceful_timeout` seconds to finish before it is
    cancelled (and its batch, not acknowledged, is delivered again later).
    """
    return KafkaBroker(
        bootstrap,
        security=security,
        client_id=client_id,
        enable_idempotence=False,  # Tansu does not implement InitProducerId; consumers dedupe
        acks="all",
        linger_ms=5,
        max_request_size=2 * 1024 * 1024,
        # Pattern subscriptions see a new root's topic at the next metadata refresh.
        metadata_max_age_ms=10_000,
        middlewares=[KafkaPrometheusMiddleware(registry=registry, app_name=client_id)],
        logger=None,
        graceful_timeout=graceful_timeout,
    )


def batch_subscriber(
    broker: KafkaBroker,
    *topics: str,
    group_id: str,
    max_records: int,
    title: str,
    description: str,
    pattern: str | None = None,
    parser: Callable[..., Any] | None = None,
    decoder: Callable[..., Any] | None = None,
) -> BatchSubscriber:
    """A batch consumer of `topics` (or of the topics matching `pattern`), as every service
    reads: its own consumer group, up to `max_records` per batch, a new group starting from
    the earliest offset (nothing published before the first start is skipped), and a batch
    that fails left unacknowledged so that it is delivered again.

    `title` and `description` name the channel in the service's AsyncAPI document.
    """
    return broker.subscriber(
        *topics,
        pattern=pattern,
        group_id=group_id,
        batch=True,
        max_records=max_records,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.NACK_ON_ERROR,
        parser=parser,
        decoder=decoder,
        title=title,
        description=description,
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


def kafka_client_auth(settings: CommonSettings | None) -> dict[str, Any]:
    """aiokafka client arguments for the TRACKER_KAFKA_* authentication (none for PLAINTEXT)."""
    if settings is None or settings.kafka_security_protocol == "PLAINTEXT":
        return {}
    auth: dict[str, Any] = {
        "security_protocol": settings.kafka_security_protocol,
        "sasl_mechanism": settings.kafka_sasl_mechanism,
        "sasl_plain_username": settings.kafka_username or "",
        "sasl_plain_password": (
            settings.kafka_password.get_secret_value() if settings.kafka_password else ""
        ),
    }
    if settings.kafka_security_protocol == "SASL_SSL":
        from aiokafka.helpers import create_ssl_context

        auth["ssl_context"] = create_ssl_context()
    return auth


class BatchProducer:
    """A plain aiokafka producer for bulk hand-offs, configured like `make_broker`'s.

    FastStream's `publish` costs a few hundred microseconds per message (middlewares, a
    coroutine and a future each); a service handing on thousands of messages per batch sends
    them through this one instead, one record batch per partition. aiokafka wants a running
    event loop, so the producer is made in `start` (call it from the app's start-up).
    """

    def __init__(
        self, bootstrap: str, client_id: str, settings: CommonSettings | None = None
    ) -> None:
        self.bootstrap = bootstrap
        self.client_id = client_id
        self.auth = kafka_client_auth(settings)
        self._producer: AIOKafkaProducer | None = None

    async def start(self) -> None:
        """Connect."""
        self._producer = AIOKafkaProducer(
            bootstrap_servers=self.bootstrap,
            client_id=self.client_id,
            enable_idempotence=False,  # Tansu does not implement InitProducerId
            acks="all",
            linger_ms=5,
            max_request_size=2 * 1024 * 1024,
            max_batch_size=1024 * 1024,
            metadata_max_age_ms=10_000,
            **self.auth,
        )
        await self._producer.start()

    async def stop(self) -> None:
        """Flush and disconnect."""
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None

    async def topics(self) -> set[str]:
        """Every topic the cluster has now (a fresh metadata request)."""
        if self._producer is None:
            raise RuntimeError("BatchProducer.topics before start")
        metadata = await self._producer.client.fetch_all_metadata()
        return set(metadata.topics())

    async def send(self, messages: Iterable[Outgoing]) -> int:
        """`send_batches` through this producer."""
        if self._producer is None:
            raise RuntimeError("BatchProducer.send before start")
        return await send_batches(self._producer, messages)


async def send_batches(producer: AIOKafkaProducer, messages: Iterable[Outgoing]) -> int:
    """Send `messages` as one record batch per partition, in order within each partition,
    and wait until the broker acknowledged every one (acks=all).

    Partitions are chosen from the key as Kafka's default partitioner does (murmur2, the
    same as `publish` with a key), so a key's messages stay in one partition.
    """
    partitioner = DefaultPartitioner()
    partitions: dict[str, list[int]] = {}
    open_batches: dict[tuple[str, int], Any] = {}
    futures: list[asyncio.Future[Any]] = []
    count = 0
    for m in messages:
        if m.topic not in partitions:
            partitions[m.topic] = sorted(await producer.partitions_for(m.topic))
        known = partitions[m.topic]
        partition = partitioner(m.key, known, known)
        headers = [(k, v.encode("utf-8")) for k, v in (m.headers or {}).items()]
        slot = (m.topic, partition)
        batch = open_batches.get(slot)
        if batch is None:
            batch = open_batches[slot] = producer.create_batch()
        if batch.append(key=m.key, value=m.value, timestamp=None, headers=headers) is None:
            # Full: send it and start the next one (an empty batch takes any message).
            batch.close()
            futures.append(await producer.send_batch(batch, m.topic, partition=partition))
            batch = open_batches[slot] = producer.create_batch()
            batch.append(key=m.key, value=m.value, timestamp=None, headers=headers)
        count += 1
    for (topic, partition), batch in open_batches.items():
        batch.close()
        futures.append(await producer.send_batch(batch, topic, partition=partition))
    if futures:
        await asyncio.gather(*futures)
    return count
