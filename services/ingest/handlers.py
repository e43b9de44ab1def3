"""The ingest step: validate a consumed batch, claim event IDs, hand facts on, reject the rest.

One database transaction per batch. Facts and rejections are published (and acknowledged by
the broker) *inside* that transaction, before it commits, and the consumer offsets are
committed only after the commit. A crash anywhere therefore leads to a redelivery that either
publishes again (downstream services dedupe by event_id) or finds the IDs already claimed.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from schemas.rejection import MAX_DETAIL_CHARS, rejection_headers
from schemas.topics import is_publisher_topic, rejected_topic, root_of
from services.common.broker import Outgoing
from services.common.db import insert_ignore

from . import tables
from .directory import UnitDirectory, named_root
from .metrics import IngestMetrics
from .normalize import to_fact
from .pseudonymize import ApplicantHasher
from .validation import FILE_EVENT_TYPES, Refused, Valid, check_event

log = logging.getLogger(__name__)
# Compact UTF-8 JSON, as schemas.internal.encode writes it, at a fraction of the cost.
_encode = msgspec.json.Encoder().encode
Publish = Callable[[list[Outgoing]], Awaitable[int]]
ListTopics = Callable[[], Awaitable[set[str]]]


@dataclass(frozen=True)
class RawRecord:
    """One consumed message, independent of the Kafka client library."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes


@dataclass
class BatchReport:
    """What one batch became."""

    accepted: int = 0
    duplicates: int = 0
    rejected: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _Accepted:
    record: RawRecord
    root: str
    event: dict[str, Any]


@dataclass(frozen=True)
class _Refused:
    record: RawRecord
    root: str
    reason: Refused


@dataclass
class _Tally:
    """What a batch will count once committed, and its report."""

    report: BatchReport = field(default_factory=BatchReport)
    counted: Counter[tuple[str, str, str]] = field(default_factory=Counter)


class IngestProcessor:
    """Turns consumed batches into durable, deduplicated facts and precise rejections."""

    def __init__(
        self,
        engine: AsyncEngine,
        hasher: ApplicantHasher,
        publish: Publish,
        metrics: IngestMetrics,
        *,
        facts_topic: str,
        files_topic: str,
        list_topics: ListTopics | None = None,
    ) -> None:
        self.engine = engine
        self.hasher = hasher
        self.publish = publish
        self.metrics = metrics
        self.facts_topic = facts_topic
        self.files_topic = files_topic
        self.directory = UnitDirectory()
        # The broker's topics tell which roots exist, so a registration cannot take a code
        # that names another root (see directory.py); read at most once per batch.
        self.list_topics = list_topics
        self._roots_read = False

    async def load_directory(self) -> None:
        """Read the registered units into memory (at start-up, and on an unknown code)."""
        async with self.engine.connect() as conn:
            rows = (await conn.execute(select(tables.units.c.code, tables.units.c.root))).all()
        for code, root in rows:
            self.directory.add(root, code)

    async def _agency_allowed(self, root: str, event: dict[str, Any]) -> bool:
        code = event["agency_code"]
        if event["event_type"] == "agency.registered":
            parent = event["data"].get("parent_code")
            named = named_root(code)
            if named != root and named not in self.directory.known_roots():
                await self._read_roots()
            if self.directory.may_register(root, code, parent):
                return True
            await self.load_directory()  # another instance may have registered the parent
            return self.directory.may_register(root, code, parent)
        if self.directory.belongs(root, code):
            return True
        if self.directory.root_of(code) is None:
            await self.load_directory()
        return self.directory.belongs(root, code)

    async def _read_roots(self) -> None:
        """Learn the roots of the broker's publisher topics (once per batch)."""
        if self.list_topics is None or self._roots_read:
            return
        topics = await self.list_topics()
        self.directory.topic_roots |= {root_of(t) for t in topics if is_publisher_topic(t)}
        self._roots_read = True

    async def classify(self, records: Sequence[RawRecord]) -> list[_Accepted | _Refused]:
        """Check every record in order; registrations take effect for later records."""
        out: list[_Accepted | _Refused] = []
        self._roots_read = False
        for rec in records:
            if not is_publisher_topic(rec.topic):
                # Never reject into `<topic>.rejected` from a topic that is not a publisher's:
                # that would feed on itself. A subscription this wide is a configuration error.
                log.error("ignoring a record of topic %r, not a publisher topic", rec.topic)
                continue
            root = root_of(rec.topic)
            self.directory.topic_roots.add(root)
            verdict = check_event(rec.value, root)
            if isinstance(verdict, Refused):
                out.append(_Refused(rec, root, verdict))
                continue
            assert isinstance(verdict, Valid)
            event = verdict.event
            if not await self._agency_allowed(root, event):
                detail = f"agency_code is not {root} or a unit registered below it"
                out.append(_Refused(rec, root, Refused("foreign_agency", detail)))
                continue
            if event["event_type"] == "agency.registered":
                self.directory.add(root, event["agency_code"])
            out.append(_Accepted(rec, root, event))
        return out

    def _fact_message(self, item: _Accepted) -> Outgoing:
        rec = item.record
        source = {"topic": rec.topic, "partition": rec.partition, "offset": rec.offset}
        fact = to_fact(item.event, item.root, source, rec.value, self.hasher)  # type: ignore[arg-type]
        if fact["event_type"] in FILE_EVENT_TYPES:
            # Files spread over the partitions by dossier: the digitizer's work is per file.
            topic, key = self.files_topic, fact["dossier_code"] or fact["agency_code"]
        else:
            # Facts are keyed by root: a root's facts share one partition, so reuse instances
            # each own whole roots and never wait on one another's per-root write lock, and a
            # batch of one root goes to the broker as one record batch.
            topic, key = self.facts_topic, fact["root"]
        return Outgoing(topic, key.encode("utf-8"), _encode(fact))

    @staticmethod
    def _rejection_message(item: _Refused) -> Outgoing:
        rec, reason = item.record, item.reason
        headers = rejection_headers(
            reason.code, reason.detail, rec.topic, rec.partition, rec.offset
        )
        return Outgoing(rejected_topic(rec.topic), rec.key, rec.value, headers)

    async def _new_repeats(
        self, conn: AsyncConnection, repeats: Sequence[_Accepted]
    ) -> list[_Accepted]:
        """The repeated event IDs read at an offset never seen before.

        A record whose event_id was claimed at its own offset is a redelivery of the claiming
        record (already counted); any other repeat is recorded by its offset, once.
        """
        if not repeats:
            return []
        ids = sorted({r.event["event_id"].lower() for r in repeats})
        e = tables.events
        claims = {
            row[0]: (row[1], row[2], row[3])
            for row in await conn.execute(
                select(e.c.event_id, e.c.topic, e.c.partition, e.c.offset).where(
                    e.c.event_id.in_(ids)
                )
            )
        }
        rows = [
            {
                "topic": r.record.topic,
                "partition": r.record.partition,
                "offset": r.record.offset,
                "root": r.root,
                "event_id": r.event["event_id"].lower(),
            }
            for r in repeats
            if claims.get(r.event["event_id"].lower())
            != (r.record.topic, r.record.partition, r.record.offset)
        ]
        if not rows:
            return []
        d = tables.duplicates
        stmt = insert_ignore(self.engine, d).returning(d.c.topic, d.c.partition, d.c.offset)
        fresh = {tuple(row) for row in (await conn.execute(stmt, rows)).all()}
        return [
            r for r in repeats if (r.record.topic, r.record.partition, r.record.offset) in fresh
        ]

    async def process(self, records: Sequence[RawRecord]) -> BatchReport:
        """Make one batch durable; raises on database or broker failure (caller retries).

        Steps, in one transaction: claim the accepted events' IDs; record the refusals;
        register the units whose registration claimed its ID; hand on each event claimed now;
        record the repeats read at a new offset; send back the refusals recorded now; publish.
        Metrics are counted once the transaction has committed.
        """
        verdicts = await self.classify(records)
        accepted = [v for v in verdicts if isinstance(v, _Accepted)]
        refused = [v for v in verdicts if isinstance(v, _Refused)]
        tally = _Tally()
        async with self.engine.begin() as conn:
            new_ids = await self._claim_events(conn, accepted)
            new_refusals = await self._record_refusals(conn, refused)
            await self._register_units(conn, accepted, new_ids)
            outgoing, repeats = self._hand_on(accepted, new_ids, tally)
            await self._count_duplicates(conn, repeats, tally)
            outgoing += self._send_back(refused, new_refusals, tally)
            await self.publish(outgoing)
        # Counted only once the batch is committed, so a retried batch is not counted twice.
        self._count(tally.counted)
        return tally.report

    async def _claim_events(self, conn: AsyncConnection, accepted: Sequence[_Accepted]) -> set[str]:
        """Claim the accepted events' IDs; returns those this batch claimed first."""
        if not accepted:
            return set()
        rows = [
            {
                "event_id": a.event["event_id"].lower(),
                "root": a.root,
                "event_type": a.event["event_type"],
                "topic": a.record.topic,
                "partition": a.record.partition,
                "offset": a.record.offset,
            }
            for a in accepted
        ]
        stmt = insert_ignore(self.engine, tables.events).returning(tables.events.c.event_id)
        return set((await conn.execute(stmt, rows)).scalars().all())

    async def _record_refusals(
        self, conn: AsyncConnection, refused: Sequence[_Refused]
    ) -> set[tuple[str, int, int]]:
        """Record each refusal by its offset; returns the offsets recorded for the first time."""
        if not refused:
            return set()
        rows = [
            {
                "topic": r.record.topic,
                "partition": r.record.partition,
                "offset": r.record.offset,
                "root": r.root,
                "code": r.reason.code,
                "detail": r.reason.detail[:MAX_DETAIL_CHARS],
            }
            for r in refused
        ]
        stmt = insert_ignore(self.engine, tables.rejections).returning(
            tables.rejections.c.topic,
            tables.rejections.c.partition,
            tables.rejections.c.offset,
        )
        return {tuple(r) for r in (await conn.execute(stmt, rows)).all()}

    async def _register_units(
        self, conn: AsyncConnection, accepted: Sequence[_Accepted], new_ids: set[str]
    ) -> None:
        """Record the units registered by events this batch claimed first."""
        registrations = [
            {
                "code": a.event["agency_code"],
                "root": a.root,
                "parent_code": a.event["data"].get("parent_code"),
            }
            for a in accepted
            if a.event["event_type"] == "agency.registered"
            and a.event["event_id"].lower() in new_ids
        ]
        if registrations:
            await conn.execute(insert_ignore(self.engine, tables.units), registrations)

    def _hand_on(
        self, accepted: Sequence[_Accepted], new_ids: set[str], tally: _Tally
    ) -> tuple[list[Outgoing], list[_Accepted]]:
        """The facts of the events claimed now (once per ID), and the rest: the repeats."""
        outgoing: list[Outgoing] = []
        repeats: list[_Accepted] = []
        handed_on: set[str] = set()
        counted, report = tally.counted, tally.report
        for item in accepted:
            event_id = item.event["event_id"].lower()
            if event_id in new_ids and event_id not in handed_on:
                handed_on.add(event_id)
                outgoing.append(self._fact_message(item))
                counted[("accepted", item.root, item.event["event_type"])] += 1
                report.accepted += 1
            else:
                repeats.append(item)
        return outgoing, repeats

    async def _count_duplicates(
        self, conn: AsyncConnection, repeats: Sequence[_Accepted], tally: _Tally
    ) -> None:
        """Count each repeat read at an offset never seen before as a duplicate."""
        for item in await self._new_repeats(conn, repeats):
            tally.counted[("duplicate", item.root, "")] += 1
            tally.report.duplicates += 1

    def _send_back(
        self, refused: Sequence[_Refused], new_refusals: set[tuple[str, int, int]], tally: _Tally
    ) -> list[Outgoing]:
        """The rejection messages of the refusals recorded now (a redelivery sends none)."""
        outgoing: list[Outgoing] = []
        counted, rejected = tally.counted, tally.report.rejected
        for item in refused:
            rec, code = item.record, item.reason.code
            if (rec.topic, rec.partition, rec.offset) in new_refusals:
                outgoing.append(self._rejection_message(item))
                counted[("rejected", item.root, code)] += 1
                rejected[code] = rejected.get(code, 0) + 1
        return outgoing

    def _count(self, counted: Counter[tuple[str, str, str]]) -> None:
        """Add a committed batch to the metrics."""
        # One increment per label set: prometheus' labels() is slow enough to matter per event.
        for (kind, root, label), n in counted.items():
            if kind == "accepted":
                self.metrics.accepted.labels(root, label).inc(n)
            elif kind == "rejected":
                self.metrics.rejected.labels(root, label).inc(n)
            else:
                self.metrics.duplicates.labels(root).inc(n)
