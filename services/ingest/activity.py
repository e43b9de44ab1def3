"""When each root last published, for the silent-publisher alert.

The gauge is seeded at start-up from what ingest recorded (accepted events and rejections),
so a restart does not make every root look silent or, worse, forget a silent one.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, Gauge
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from . import tables


class PublisherActivity:
    """`tracker_ingest_last_event_timestamp_seconds{root}`."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.last_event = Gauge(
            "tracker_ingest_last_event_timestamp_seconds",
            "Unix time ingest last consumed an event of the root (accepted, duplicate or refused).",
            ["root"],
            registry=registry,
        )

    def seen(self, roots: Iterable[str], now: float | None = None) -> None:
        """Mark the roots of a consumed batch as active now."""
        stamp = time.time() if now is None else now
        for root in set(roots):
            self.last_event.labels(root).set(stamp)

    async def load(self, engine: AsyncEngine) -> None:
        """Seed the gauge from the latest accepted event and rejection of each root."""
        latest: dict[str, float] = {}
        async with engine.connect() as conn:
            for table, column in (
                (tables.events, tables.events.c.accepted_at),
                (tables.rejections, tables.rejections.c.rejected_at),
            ):
                rows = await conn.execute(
                    select(table.c.root, func.max(column)).group_by(table.c.root)
                )
                for root, when in rows:
                    if when is not None:
                        stamp = _unix(when)
                        latest[root] = max(latest.get(root, 0.0), stamp)
        for root, stamp in latest.items():
            self.last_event.labels(root).set(stamp)


def _unix(value: datetime | str) -> float:
    """Unix time of a stored timestamp; SQLite's CURRENT_TIMESTAMP is naive UTC text."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()
