"""The ingest service: a FastStream consumer of every `dossier-events.<ROOT>` topic."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI
from faststream.kafka import KafkaMessage
from faststream.message import StreamMessage
from prometheus_client import CollectorRegistry

from schemas.topics import root_of
from services.common.broker import BatchProducer, batch_subscriber, kafka_security, make_broker
from services.common.db import make_engine
from services.common.errors import dependency_of
from services.common.logs import setup_logging
from services.common.migrations import ensure_schema_current
from services.common.retry import retry_with_backoff
from services.common.service import build_http_app

from .activity import PublisherActivity
from .handlers import IngestProcessor, RawRecord
from .metrics import IngestMetrics
from .pseudonymize import ApplicantHasher
from .settings import IngestSettings

log = logging.getLogger(__name__)


def to_raw(record: Any) -> RawRecord:
    """Adapt an aiokafka ConsumerRecord."""
    return RawRecord(
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        key=record.key,
        value=record.value or b"",
    )


def _printable_headers(record: Any) -> Any:
    """The record with header values that are not UTF-8 emptied (ingest reads no header)."""
    headers = tuple(record.headers or ())
    safe = []
    for key, value in headers:
        try:
            (value or b"").decode("utf-8")
        except UnicodeDecodeError:
            value = b""
        safe.append((key, value))
    return dataclasses.replace(record, headers=tuple(safe)) if tuple(safe) != headers else record


async def raw_batch_parser(
    records: tuple[Any, ...],
    original: Callable[[tuple[Any, ...]], Awaitable[StreamMessage[Any]]],
) -> StreamMessage[Any]:
    """FastStream's batch parser, after emptying header values that are not UTF-8.

    FastStream decodes every header value as UTF-8 before the handler runs; a publisher's
    invalid bytes there would fail the batch, and the rewind would bring it back forever.
    """
    return await original(tuple(_printable_headers(r) for r in records))


def raw_bodies(msg: StreamMessage[Any]) -> Any:
    """The message bodies as bytes, undecoded: ingest parses publisher input itself.

    FastStream's own decoding would run json.loads on them first, and a RecursionError
    (deep nesting), or a JSONDecodeError under a JSON content-type header, would fail the
    batch before the handler could refuse the event.
    """
    return msg.body


def main(settings: IngestSettings | None = None) -> FastAPI:
    """Build the ingest service (HTTP app with /health and /metrics, broker inside)."""
    settings = settings or IngestSettings()
    setup_logging("ingest", settings.log_level)
    registry = CollectorRegistry()
    metrics = IngestMetrics(registry)
    activity = PublisherActivity(registry)
    broker = make_broker(
        settings.kafka_bootstrap, "tracker-ingest", registry, security=kafka_security(settings)
    )
    engine = make_engine(settings.database_url_for("ingest"))
    # Facts and rejections go out through a plain producer, one record batch per partition.
    producer = BatchProducer(settings.kafka_bootstrap, "tracker-ingest-out", settings)
    processor = IngestProcessor(
        engine,
        ApplicantHasher(settings.applicant_key()),
        producer.send,
        metrics,
        facts_topic=settings.facts_topic,
        files_topic=settings.files_topic,
        list_topics=producer.topics,
    )

    @batch_subscriber(
        broker,
        pattern=settings.topic_pattern,
        group_id=settings.ingest_group,
        max_records=settings.ingest_batch,
        parser=raw_batch_parser,
        decoder=raw_bodies,
        title="ingest",
        description="Every publisher topic dossier-events.<ROOT>; new roots join without restart. "
        "Payload: a contract-v1 event (schemas/v1/), read as raw bytes in batches.",
    )
    async def ingest_batch(_body: list[Any], msg: KafkaMessage) -> None:
        records = [to_raw(r) for r in msg.raw_message]
        with metrics.batch_seconds.time():
            await retry_with_backoff(
                lambda: processor.process(records),
                what="ingest batch",
                on_error=lambda e: metrics.dependency_errors.labels(dependency_of(e)).inc(),
            )
        metrics.batch_size.observe(len(records))
        activity.seen(root_of(r.topic) for r in records)

    async def startup() -> None:
        await ensure_schema_current(engine, "ingest")
        await processor.load_directory()
        await activity.load(engine)
        await producer.start()

    async def shutdown() -> None:
        await producer.stop()
        await engine.dispose()

    return build_http_app(
        title="reuse-tracker ingest",
        broker=broker,
        registry=registry,
        on_startup=[startup],
        on_shutdown=[shutdown],
        lag_interval=settings.metrics_interval,
    )
