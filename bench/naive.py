"""The naive baseline: a FastStream handler that validates and writes one event per
transaction, the way most tutorials do it (`python -m bench.naive`).

Per message: `json.loads`, the JSON Schema of its type (the `jsonschema` library, as the
contract's reference), one INSERT of its event_id with ON CONFLICT DO NOTHING in its own
transaction, then the offset commit. It does not hand facts on, which only flatters it.
It reads the ingest service's settings (broker, database, topic pattern, group, HTTP port).
"""

from __future__ import annotations

import json
from typing import Any

import uvicorn
from fastapi import FastAPI
from faststream import AckPolicy
from prometheus_client import CollectorRegistry, Counter
from sqlalchemy import Column, MetaData, String, Table

from schemas import EVENT_TYPES, validator_for
from services.common.broker import make_broker
from services.common.db import create_tables, insert_ignore, make_engine
from services.common.service import build_http_app
from services.ingest.settings import IngestSettings

metadata = MetaData()
events = Table("naive_events", metadata, Column("event_id", String(36), primary_key=True))


def main(settings: IngestSettings) -> FastAPI:
    """The baseline app: /health, /metrics (`bench_naive_events_total`) and the consumer."""
    registry = CollectorRegistry()
    handled = Counter("bench_naive_events", "Events handled.", registry=registry)
    broker = make_broker(settings.kafka_bootstrap, "bench-naive", registry)
    engine = make_engine(settings.database_url_for("naive"))

    @broker.subscriber(
        pattern=settings.topic_pattern,
        group_id=settings.ingest_group,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.ACK,
    )
    async def on_event(body: Any) -> None:
        # FastStream has already parsed the JSON body (its default decoder), as tutorials rely on.
        event: Any = json.loads(body) if isinstance(body, bytes | str) else body
        event_type = event.get("event_type") if isinstance(event, dict) else None
        if event_type in EVENT_TYPES and validator_for(event_type).is_valid(event):
            async with engine.begin() as conn:
                await conn.execute(insert_ignore(engine, events), {"event_id": event["event_id"]})
        handled.inc()

    async def startup() -> None:
        await create_tables(engine, metadata)

    async def shutdown() -> None:
        await engine.dispose()

    return build_http_app(
        title="naive baseline",
        broker=broker,
        registry=registry,
        on_startup=[startup],
        on_shutdown=[shutdown],
    )


if __name__ == "__main__":
    settings = IngestSettings()
    uvicorn.run(main(settings), host="127.0.0.1", port=settings.ingest_port, log_level="warning")
