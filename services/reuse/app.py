"""The reuse service: consumes facts and digitizer outcomes into its projection."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import FastAPI
from faststream import AckPolicy
from prometheus_client import CollectorRegistry

from schemas.internal import Fact
from services.common.batches import facts_of_batch
from services.common.broker import kafka_security, make_broker
from services.common.db import make_engine, make_read_engine
from services.common.logs import setup_logging
from services.common.migrations import ensure_schema_current
from services.common.retry import retry_with_backoff
from services.common.service import build_http_app

from . import tables, tokens  # noqa: F401 - tokens puts reuse_tokens on tables.metadata
from .api import ApiState
from .api import router as api_router
from .archiver import attach_archiver
from .console import mount_console
from .gauges import ReuseGauges
from .metrics import ReuseMetrics
from .projection import Projection
from .settings import ReuseSettings
from .token_usage import BUSY_TIMEOUT_S, TokenUsage

API_DESCRIPTION = (
    "The national portal's digitization indicators (22 points) computed from the events, "
    "with their evidence: reuse edges, missed reuse, and the dossiers behind every figure. "
    "Every /v1 endpoint needs `Authorization: Bearer <token>` (`reuse-tracker token create`); "
    "a `province:<ROOT>` token reads only its own tree. Periods are inclusive local dates "
    "(Asia/Ho_Chi_Minh) of receipt. /health is open; /metrics too unless "
    "`TRACKER_METRICS_TOKEN` is set (then it asks for that bearer token)."
)


def main(settings: ReuseSettings | None = None) -> FastAPI:
    """Build the reuse service (HTTP app with /health and /metrics, broker inside)."""
    settings = settings or ReuseSettings()
    setup_logging("reuse", settings.log_level)
    registry = CollectorRegistry()
    metrics = ReuseMetrics(registry)
    broker = make_broker(
        settings.kafka_bootstrap, "tracker-reuse", registry, security=kafka_security(settings)
    )
    url = settings.database_url_for("reuse")
    engine = make_engine(url)
    # The auditor API reads through its own read-only engine and pool: a request never takes
    # the write lock, so it neither waits for nor fails behind the projection's batches.
    read_engine = make_read_engine(url)
    projection = Projection(engine, max_distance=settings.missed_reuse_max_distance)
    gauges = ReuseGauges(
        engine, registry, interval=settings.metrics_interval, as_of=settings.gauges_as_of
    )
    # Both subscribers write one projection; on SQLite one writer at a time avoids lock waits.
    write_lock = asyncio.Lock()
    # Tokens' last use: noted by requests, written in the background between batches.
    usage_engine = make_engine(url, busy_timeout=BUSY_TIMEOUT_S, pool_size=1, max_overflow=0)
    usage = TokenUsage(
        usage_engine,
        interval=settings.token_usage_interval,
        lock=write_lock,
        on_error=lambda _e: metrics.token_usage_errors.inc(),
    )

    async def apply(topic: str, facts: list[Fact]) -> None:
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
        decoder=facts_of_batch,
        title="facts",
        description="Facts from ingest (Fact of schemas/internal.py), read in batches.",
    )
    async def on_facts(facts: list[Any]) -> None:
        await apply(settings.facts_topic, facts)

    @broker.subscriber(
        settings.digitized_topic,
        group_id=f"{settings.reuse_group}-digitized",
        batch=True,
        max_records=settings.reuse_batch,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.NACK_ON_ERROR,
        decoder=facts_of_batch,
        title="digitized",
        description="File facts with the digitizer's outcome, read in batches.",
    )
    async def on_digitized(facts: list[Any]) -> None:
        await apply(settings.digitized_topic, facts)

    archive_hooks = attach_archiver(broker, settings, registry)

    async def startup() -> None:
        await ensure_schema_current(engine, "reuse")
        await gauges.start()
        await usage.start()

    async def shutdown() -> None:
        await usage.stop()
        await gauges.stop()
        for each in (read_engine, usage_engine, engine):
            await each.dispose()

    app = build_http_app(
        title="reuse-tracker auditor API",
        description=API_DESCRIPTION,
        broker=broker,
        registry=registry,
        on_startup=[startup, *archive_hooks],
        on_shutdown=[shutdown],
        openapi=True,
        lag_interval=settings.metrics_interval,
    )
    ApiState(
        read_engine, default_policy=settings.denominator_policy, on_token_use=usage.seen
    ).attach(app)
    app.include_router(api_router)
    # The auditor console: pages on the same app and port, reading through the same reader.
    mount_console(
        app,
        read_engine,
        var_dir=settings.var_dir,
        default_policy=settings.denominator_policy,
        as_of=settings.gauges_as_of,
        key_file=settings.console_key_file,
    )
    return app
