"""The reuse service: consumes facts and digitizer outcomes into its projection."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import FastAPI
from faststream import AckPolicy
from faststream.kafka import KafkaMessage
from prometheus_client import CollectorRegistry

from schemas.internal import decode
from services.common.broker import make_broker
from services.common.db import create_tables, make_engine
from services.common.logs import setup_logging
from services.common.retry import retry_with_backoff
from services.common.service import build_http_app

from . import tables
from .metrics import ReuseMetrics
from .projection import Projection
from .settings import ReuseSettings


def main(settings: ReuseSettings | None = None) -> FastAPI:
    """Build the reuse service (HTTP app with /health and /metrics, broker inside)."""
    settings = settings or ReuseSettings()
    setup_logging("reuse", settings.log_level)
    registry = CollectorRegistry()
    metrics = ReuseMetrics(registry)
    broker = make_broker(settings.kafka_bootstrap, "tracker-reuse", registry)
    engine = make_engine(settings.database_url_for("reuse"))
    projection = Projection(engine)
    # Both subscribers write one projection; on SQLite one writer at a time avoids lock waits.
    write_lock = asyncio.Lock()

    async def apply(topic: str, msg: KafkaMessage) -> None:
        facts = [decode(r.value) for r in msg.raw_message]

        async def once() -> int:
            async with write_lock:
                return await projection.apply(facts)

        with metrics.batch_seconds.time():
            applied = await retry_with_backoff(
                once,
                what=f"apply {topic}",
                on_error=lambda e: metrics.dependency_errors.labels("database").inc(),
            )
        metrics.applied.labels(topic).inc(applied)

    @broker.subscriber(
        settings.facts_topic,
        group_id=f"{settings.reuse_group}-facts",
        batch=True,
        max_records=settings.reuse_batch,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.NACK_ON_ERROR,
    )
    async def on_facts(_body: list[Any], msg: KafkaMessage) -> None:
        await apply(settings.facts_topic, msg)

    @broker.subscriber(
        settings.digitized_topic,
        group_id=f"{settings.reuse_group}-digitized",
        batch=True,
        max_records=settings.reuse_batch,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.NACK_ON_ERROR,
    )
    async def on_digitized(_body: list[Any], msg: KafkaMessage) -> None:
        await apply(settings.digitized_topic, msg)

    async def startup() -> None:
        await create_tables(engine, tables.metadata)

    async def shutdown() -> None:
        await engine.dispose()

    return build_http_app(
        title="reuse-tracker reuse",
        broker=broker,
        registry=registry,
        on_startup=[startup],
        on_shutdown=[shutdown],
    )
