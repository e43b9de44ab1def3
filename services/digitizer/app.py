"""The digitizer service: consumes file facts, stores verified files, announces outcomes."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from services.common.batches import facts_of_batch
from services.common.broker import batch_subscriber, kafka_security, make_broker, publish_all
from services.common.db import make_engine
from services.common.errors import dependency_of
from services.common.logs import setup_logging
from services.common.migrations import ensure_schema_current
from services.common.retry import retry_with_backoff
from services.common.s3 import S3_TRANSIENT
from services.common.service import build_http_app

from .archive import ObjectStore
from .handlers import DigitizerProcessor
from .metrics import DigitizerMetrics
from .pipeline import Limits
from .settings import DigitizerSettings
from .workers import make_pool

log = logging.getLogger(__name__)
STOPPED_MESSAGE = "stopped cleanly: the batch in progress was finished or left unacknowledged"


def main(settings: DigitizerSettings | None = None) -> FastAPI:
    """Build the digitizer service (HTTP app with /health and /metrics, broker inside)."""
    settings = settings or DigitizerSettings()
    setup_logging("digitizer", settings.log_level)
    registry = CollectorRegistry()
    metrics = DigitizerMetrics(registry)
    broker = make_broker(
        settings.kafka_bootstrap,
        "tracker-digitizer",
        registry,
        graceful_timeout=settings.digitizer_grace_seconds,
        security=kafka_security(settings),
    )
    engine = make_engine(settings.database_url_for("digitizer"))
    store = ObjectStore.connect(
        settings.s3_endpoint,
        settings.s3_access_key,
        settings.s3_secret_key.get_secret_value(),
        settings.inbox_bucket,
        settings.archive_bucket,
        settings.s3_region,
    )
    processor = DigitizerProcessor(
        engine,
        store,
        lambda msgs: publish_all(broker, msgs),
        metrics,
        pool_factory=lambda: make_pool(settings.digitizer_workers),
        digitized_topic=settings.digitized_topic,
        limits=Limits(max_seconds=settings.max_file_seconds),
        max_seconds=settings.max_file_seconds,
        concurrency=settings.digitizer_workers,
    )

    @batch_subscriber(
        broker,
        settings.files_topic,
        group_id=settings.digitizer_group,
        max_records=settings.digitizer_batch,
        decoder=facts_of_batch,
        title="files",
        description="File facts from ingest (Fact of schemas/internal.py), read in batches.",
    )
    async def on_files(facts: list[Any]) -> None:
        await retry_with_backoff(
            lambda: processor.process(facts),
            what="digitize batch",
            transient=S3_TRANSIENT,
            on_error=lambda e: metrics.dependency_errors.labels(dependency_of(e)).inc(),
        )

    async def startup() -> None:
        await ensure_schema_current(engine, "digitizer")

    async def shutdown() -> None:
        # The broker has stopped already: the batch in progress got `digitizer_grace_seconds`
        # to finish and was otherwise cancelled before its offsets were committed.
        processor.close()
        await engine.dispose()
        log.info(STOPPED_MESSAGE)

    return build_http_app(
        title="reuse-tracker digitizer",
        broker=broker,
        registry=registry,
        on_startup=[startup],
        on_shutdown=[shutdown],
        lag_interval=settings.metrics_interval,
    )
