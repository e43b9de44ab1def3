"""The silent-publisher gauge: set per root on consumption, seeded from ingest's tables."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from prometheus_client import CollectorRegistry
from sqlalchemy.exc import OperationalError
from urllib3.exceptions import ProtocolError

from services.common.db import create_tables, make_engine
from services.common.errors import dependency_of
from services.ingest import tables
from services.ingest.activity import PublisherActivity


def test_seen_sets_each_root_once() -> None:
    registry = CollectorRegistry()
    activity = PublisherActivity(registry)
    activity.seen(["H44", "H44", "H10"], now=1000.0)
    name = "tracker_ingest_last_event_timestamp_seconds"
    assert registry.get_sample_value(name, {"root": "H44"}) == 1000.0
    assert registry.get_sample_value(name, {"root": "H10"}) == 1000.0


def test_seeded_from_the_latest_event_or_rejection(tmp_path: Path) -> None:
    async def go() -> CollectorRegistry:
        engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'i.db'}")
        await create_tables(engine, tables.metadata)
        early = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
        late = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
        async with engine.begin() as conn:
            await conn.execute(
                tables.events.insert(),
                {
                    "event_id": "e1",
                    "root": "H44",
                    "event_type": "dossier.received",
                    "topic": "dossier-events.H44",
                    "partition": 0,
                    "offset": 0,
                    "accepted_at": early,
                },
            )
            await conn.execute(
                tables.rejections.insert(),
                {
                    "topic": "dossier-events.H44",
                    "partition": 0,
                    "offset": 1,
                    "root": "H44",
                    "code": "schema_invalid",
                    "detail": "x",
                    "rejected_at": late,
                },
            )
        registry = CollectorRegistry()
        await PublisherActivity(registry).load(engine)
        await engine.dispose()
        return registry

    registry = asyncio.run(go())
    value = registry.get_sample_value(
        "tracker_ingest_last_event_timestamp_seconds", {"root": "H44"}
    )
    assert value == datetime(2026, 3, 2, 8, 0, tzinfo=UTC).timestamp()


def test_dependency_labels() -> None:
    assert dependency_of(OperationalError("x", {}, Exception())) == "database"
    assert dependency_of(ProtocolError("x")) == "s3"
    assert dependency_of(TimeoutError()) == "broker"
