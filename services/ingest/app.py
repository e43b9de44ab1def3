"""The ingest service: a FastStream consumer of every `dossier-events.<ROOT>` topic."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI
from faststream import AckPolicy
from faststream.kafka import KafkaMessage
from prometheus_client import CollectorRegistry

from services.common.broker import make_broker, publish_all
from services.common.db import create_tables, make_engine
from services.common.logs import setup_logging
from services.common.retry import retry_with_backoff
from services.common.service import build_http_app

from . import tables
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


def main(settings: IngestSettings | None = None) -> FastAPI:
    """Build the ingest service (HTTP app with /health and /metrics, broker inside)."""
    settings = settings or IngestSettings()
    setup_logging("ingest", settings.log_level)
    registry = CollectorRegistry()
    metrics = IngestMetrics(registry)
    broker = make_broker(settings.kafka_bootstrap, "tracker-ingest", registry)
    engine = make_engine(settings.database_url_for("ingest"))
    processor = IngestProcessor(
        engine,
        ApplicantHasher(settings.applicant_key()),
        lambda msgs: publish_all(broker, msgs),
        metrics,
        facts_topic=settings.facts_topic,
        files_topic=settings.files_topic,
    )

    @broker.subscriber(
        pattern=settings.topic_pattern,
        group_id=settings.ingest_group,
        batch=True,
        max_records=settings.ingest_batch,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.NACK_ON_ERROR,
        title="ingest",
        description="Every publisher topic dossier-events.<ROOT>; new roots join without restart.",
    )
    async def ingest_batch(_body: list[Any], msg: KafkaMessage) -> None:
        records = [to_raw(r) for r in msg.raw_message]
        with metrics.batch_seconds.time():
            await retry_with_backoff(
                lambda: processor.process(records),
                what="ingest batch",
                on_error=lambda e: metrics.dependency_errors.labels(type(e).__name__).inc(),
            )
        metrics.batch_size.observe(len(records))

    async def startup() -> None:
        await create_tables(engine, tables.metadata)
        await processor.load_directory()

    async def shutdown() -> None:
        await engine.dispose()

    return build_http_app(
        title="reuse-tracker ingest",
        broker=broker,
        registry=registry,
        on_startup=[startup],
        on_shutdown=[shutdown],
    )
