"""IngestProcessor on SQLite: what a batch becomes (accepted, duplicate, rejected) and counts.

The broker is a list that records what would be published; the whole path against the real
stack is in tests/stack/test_ingest.py.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy import select

from schemas.rejection import rejection_headers
from services.common.broker import Outgoing
from services.common.db import make_engine
from services.ingest import tables
from services.ingest.handlers import BatchReport, IngestProcessor, RawRecord
from services.ingest.metrics import IngestMetrics
from services.ingest.pseudonymize import ApplicantHasher

TOPIC = "dossier-events.H44"
FACTS, FILES = "tracker.facts", "tracker.files"
EXAMPLES = Path(__file__).resolve().parents[3] / "schemas" / "v1" / "examples"


def _event(event_type: str, **changes: Any) -> bytes:
    event = json.loads((EXAMPLES / f"{event_type}.valid.json").read_text(encoding="utf-8"))
    event.update(changes)
    return json.dumps(event).encode("utf-8")


REGISTERED = _event("agency.registered")  # H44.07 below H44
STATUS = _event("dossier.status_changed")  # of a dossier of H44.07
FOREIGN = _event(
    "dossier.status_changed",
    event_id="0195a3c2-7b41-7d2e-9a10-3f6c2b8e4d99",
    agency_code="B01.07",
    dossier_code="B01.07-260302-0001",
)
NOT_JSON = b"{not json"


def _record(offset: int, value: bytes) -> RawRecord:
    return RawRecord(TOPIC, 0, offset, b"k", value)


class _Broker:
    """Records each published batch; fails the next publish when told to."""

    def __init__(self) -> None:
        self.batches: list[list[Outgoing]] = []
        self.fail_next = False

    async def publish(self, messages: list[Outgoing]) -> int:
        if self.fail_next:
            self.fail_next = False
            raise ConnectionError("broker down")
        self.batches.append(messages)
        return len(messages)


@pytest.fixture
async def broker() -> _Broker:
    return _Broker()


@pytest.fixture
async def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
async def processor(
    tmp_path: Path, broker: _Broker, registry: CollectorRegistry
) -> AsyncIterator[IngestProcessor]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'ingest.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(tables.metadata.create_all)
    yield IngestProcessor(
        engine,
        ApplicantHasher(b"k" * 32),
        broker.publish,
        IngestMetrics(registry),
        facts_topic=FACTS,
        files_topic=FILES,
    )
    await engine.dispose()


def _count(registry: CollectorRegistry, name: str, **labels: str) -> float:
    return registry.get_sample_value(name, labels) or 0.0


def _counts(registry: CollectorRegistry) -> tuple[float, ...]:
    """Accepted (registration, status), duplicates, rejected (malformed, foreign) of H44."""
    accepted, duplicate, rejected = (
        f"tracker_ingest_events_{kind}_total" for kind in ("accepted", "duplicate", "rejected")
    )
    return (
        _count(registry, accepted, root="H44", event_type="agency.registered"),
        _count(registry, accepted, root="H44", event_type="dossier.status_changed"),
        _count(registry, duplicate, root="H44"),
        _count(registry, rejected, root="H44", code="malformed_json"),
        _count(registry, rejected, root="H44", code="foreign_agency"),
    )


BATCH = [
    _record(0, REGISTERED),
    _record(1, STATUS),
    _record(2, STATUS),  # the same event_id again, at another offset
    _record(3, NOT_JSON),
    _record(4, FOREIGN),
]


async def test_a_batch_is_accepted_deduplicated_rejected_and_counted(
    processor: IngestProcessor, broker: _Broker, registry: CollectorRegistry
) -> None:
    report = await processor.process(BATCH)
    assert report == BatchReport(
        accepted=2, duplicates=1, rejected={"malformed_json": 1, "foreign_agency": 1}
    )
    (sent,) = broker.batches
    facts, rejections = sent[:2], sent[2:]
    # Keyed by root: one reuse instance applies all of a root's facts.
    assert [(m.topic, m.key) for m in facts] == [(FACTS, b"H44"), (FACTS, b"H44")]
    assert [json.loads(m.value)["event_type"] for m in facts] == [
        "agency.registered",
        "dossier.status_changed",
    ]
    assert [(m.topic, m.key, m.value) for m in rejections] == [
        (f"{TOPIC}.rejected", b"k", NOT_JSON),
        (f"{TOPIC}.rejected", b"k", FOREIGN),
    ]
    assert [m.headers and m.headers["error.code"] for m in rejections] == [
        "malformed_json",
        "foreign_agency",
    ]
    assert rejections[1].headers == rejection_headers(
        "foreign_agency", "agency_code is not H44 or a unit registered below it", TOPIC, 0, 4
    )
    assert _counts(registry) == (1, 1, 1, 1, 1)
    async with processor.engine.connect() as conn:
        units = (await conn.execute(select(tables.units.c.code, tables.units.c.root))).all()
        refusals = (await conn.execute(select(tables.rejections.c.offset))).scalars().all()
    assert [tuple(u) for u in units] == [("H44.07", "H44")]
    assert sorted(refusals) == [3, 4]


async def test_a_redelivered_batch_sends_and_counts_nothing_again(
    processor: IngestProcessor, broker: _Broker, registry: CollectorRegistry
) -> None:
    await processor.process(BATCH)
    report = await processor.process(BATCH)
    assert report == BatchReport()
    assert broker.batches[1] == []
    assert _counts(registry) == (1, 1, 1, 1, 1)


async def test_an_event_read_again_at_a_new_offset_is_one_more_duplicate(
    processor: IngestProcessor, broker: _Broker, registry: CollectorRegistry
) -> None:
    await processor.process(BATCH)
    report = await processor.process([_record(9, STATUS)])
    assert report == BatchReport(duplicates=1)
    assert broker.batches[1] == []
    assert _count(registry, "tracker_ingest_events_duplicate_total", root="H44") == 2


async def test_a_failed_publish_claims_and_counts_nothing(
    processor: IngestProcessor, broker: _Broker, registry: CollectorRegistry
) -> None:
    broker.fail_next = True
    with pytest.raises(ConnectionError):
        await processor.process(BATCH)
    assert _counts(registry) == (0, 0, 0, 0, 0)
    # The retry finds nothing claimed: the whole batch is handed on and counted once.
    report = await processor.process(BATCH)
    assert report.accepted == 2
    assert len(broker.batches[0]) == 4
    assert _counts(registry) == (1, 1, 1, 1, 1)


async def test_an_event_with_a_file_goes_to_the_files_topic(
    processor: IngestProcessor, broker: _Broker
) -> None:
    scanned = _event("component.scanned")
    report = await processor.process([_record(0, REGISTERED), _record(1, scanned)])
    assert report.accepted == 2
    assert [m.topic for m in broker.batches[0]] == [FACTS, FILES]
