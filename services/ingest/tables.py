"""The tables ingest owns: claimed event IDs, registered units, recorded rejections."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, func

metadata = MetaData()

events = Table(
    "ingest_events",
    metadata,
    Column("event_id", String(36), primary_key=True),
    Column("root", String(32), nullable=False),
    Column("event_type", String(40), nullable=False),
    Column("topic", String(255), nullable=False),
    Column("partition", Integer, nullable=False),
    Column("offset", Integer, nullable=False),
    Column("accepted_at", DateTime(timezone=True), server_default=func.now()),
)

units = Table(
    "ingest_units",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("root", String(32), nullable=False),
    Column("parent_code", String(32)),
)

rejections = Table(
    "ingest_rejections",
    metadata,
    Column("topic", String(255), primary_key=True),
    Column("partition", Integer, primary_key=True),
    Column("offset", Integer, primary_key=True),
    Column("root", String(32), nullable=False),
    Column("code", String(40), nullable=False),
    Column("detail", String(500), nullable=False),
    Column("rejected_at", DateTime(timezone=True), server_default=func.now()),
)

# Where a repeated event_id was read: so a repeat is counted once however often its batch is
# redelivered (rebalances, retries), and the counters of all instances add up exactly.
duplicates = Table(
    "ingest_duplicates",
    metadata,
    Column("topic", String(255), primary_key=True),
    Column("partition", Integer, primary_key=True),
    Column("offset", Integer, primary_key=True),
    Column("root", String(32), nullable=False),
    Column("event_id", String(36), nullable=False),
)
