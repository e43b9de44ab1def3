"""The reuse service: consumes facts and digitizer outcomes into its projection."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from schemas.internal import Fact
from services.common.batches import facts_of_batch
from services.common.broker import batch_subscriber, kafka_security, make_broker
from services.common.db import make_engine, make_read_engine
from services.common.logs import setup_logging
from services.common.migrations import ensure_schema_current
from services.common.retry import retry_with_backoff
from services.common.service import build_http_app

from . import tables, tokens  # noqa: F401 - tokens puts reuse_tokens on tables.metadata
from .api import ApiState
from .api import router as api_router
from .archiver import Hook, attach_archiver
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


class ReuseService:
    """The reuse service's parts, wired: two subscribers write one projection, which the
    auditor API and console read, while gauges and token usage run in the background."""

    def __init__(self, settings: ReuseSettings) -> None:
        self.settings = settings
        self.registry = CollectorRegistry()
        self.metrics = ReuseMetrics(self.registry)
        self.broker = make_broker(
            settings.kafka_bootstrap,
            "tracker-reuse",
            self.registry,
            security=kafka_security(settings),
        )
        url = settings.database_url_for("reuse")
        self.engine = make_engine(url)
        # The auditor API reads through its own read-only engine and pool: a request never
        # takes the write lock, so it neither waits for nor fails behind the projection's batches.
        self.read_engine = make_read_engine(url)
        self.projection = Projection(self.engine, max_distance=settings.missed_reuse_max_distance)
        self.gauges = ReuseGauges(
            self.engine,
            self.registry,
            interval=settings.metrics_interval,
            as_of=settings.gauges_as_of,
        )
        # Both subscribers write one projection; on SQLite one writer at a time avoids lock waits.
        self.write_lock = asyncio.Lock()
        # Tokens' last use: noted by requests, written in the background between batches.
        self.usage_engine = make_engine(
            url, busy_timeout=BUSY_TIMEOUT_S, pool_size=1, max_overflow=0
        )
        self.usage = TokenUsage(
            self.usage_engine,
            interval=settings.token_usage_interval,
            lock=self.write_lock,
            on_error=lambda _e: self.metrics.token_usage_errors.inc(),
        )

    async def apply(self, topic: str, facts: list[Fact]) -> None:
        """Apply one consumed batch to the projection, retrying while the database is away."""

        async def once() -> int:
            async with self.write_lock:
                return await self.projection.apply(facts)

        with self.metrics.batch_seconds.time():
            applied = await retry_with_backoff(
                once,
                what=f"apply {topic}",
                on_error=lambda e: self.metrics.dependency_errors.labels("database").inc(),
            )
        self.metrics.applied.labels(topic).inc(applied)

    def subscribe(self) -> None:
        """Consume the facts and the digitizer's outcomes, each in its own consumer group."""
        settings = self.settings

        @batch_subscriber(
            self.broker,
            settings.facts_topic,
            group_id=f"{settings.reuse_group}-facts",
            max_records=settings.reuse_batch,
            decoder=facts_of_batch,
            title="facts",
            description="Facts from ingest (Fact of schemas/internal.py), read in batches.",
        )
        async def on_facts(facts: list[Any]) -> None:
            await self.apply(settings.facts_topic, facts)

        @batch_subscriber(
            self.broker,
            settings.digitized_topic,
            group_id=f"{settings.reuse_group}-digitized",
            max_records=settings.reuse_batch,
            decoder=facts_of_batch,
            title="digitized",
            description="File facts with the digitizer's outcome, read in batches.",
        )
        async def on_digitized(facts: list[Any]) -> None:
            await self.apply(settings.digitized_topic, facts)

    async def startup(self) -> None:
        """Check the schema, then start the background jobs."""
        await ensure_schema_current(self.engine, "reuse")
        await self.gauges.start()
        await self.usage.start()

    async def shutdown(self) -> None:
        """Stop the background jobs, then close every engine."""
        await self.usage.stop()
        await self.gauges.stop()
        for each in (self.read_engine, self.usage_engine, self.engine):
            await each.dispose()

    def http_app(self, on_startup: list[Hook]) -> FastAPI:
        """The HTTP side: /health, /metrics, the auditor API and the console, one port."""
        settings = self.settings
        app = build_http_app(
            title="reuse-tracker auditor API",
            description=API_DESCRIPTION,
            broker=self.broker,
            registry=self.registry,
            on_startup=on_startup,
            on_shutdown=[self.shutdown],
            openapi=True,
            lag_interval=settings.metrics_interval,
        )
        ApiState(
            self.read_engine,
            default_policy=settings.denominator_policy,
            on_token_use=self.usage.seen,
        ).attach(app)
        app.include_router(api_router)
        # The auditor console: pages on the same app and port, reading through the same reader.
        mount_console(
            app,
            self.read_engine,
            var_dir=settings.var_dir,
            default_policy=settings.denominator_policy,
            as_of=settings.gauges_as_of,
            key_file=settings.console_key_file,
        )
        return app


def main(settings: ReuseSettings | None = None) -> FastAPI:
    """Build the reuse service (HTTP app with /health and /metrics, broker inside)."""
    settings = settings or ReuseSettings()
    setup_logging("reuse", settings.log_level)
    service = ReuseService(settings)
    service.subscribe()
    archive_hooks = attach_archiver(service.broker, settings, service.registry)
    return service.http_app(on_startup=[service.startup, *archive_hooks])
