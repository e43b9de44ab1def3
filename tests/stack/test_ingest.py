"""Ingest against the real broker and S3: accepted, rejected with the exact code, deduplicated,
and no raw applicant ID anywhere the system writes."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from minio import Minio
from sqlalchemy import MetaData, select
from sqlalchemy.ext.asyncio import create_async_engine

from reuse_tracker.simulator import samples
from reuse_tracker.system import scrape
from schemas import EVENT_TYPES, FILE_REJECTION_CODES, REJECTION_CODES
from tests.support import factories as f
from tests.support.kafka_io import producer, read_all, send, wait_for
from tests.support.system import RunningSystem

pytestmark = pytest.mark.stack

ROOT = "H10"
TOPIC = f"dossier-events.{ROOT}"
RAW_ID = "079203004512"


def _inbox(system: RunningSystem) -> Minio:
    return Minio(
        f"127.0.0.1:{system.ports.s3}",
        access_key="tracker",
        secret_key="tracker-secret",
        secure=False,
    )


def _put(client: Minio, key: str, data: bytes) -> None:
    client.put_object("inbox", key, io.BytesIO(data), len(data))


def _valid_of_every_type(client: Minio) -> list[dict[str, Any]]:
    unit, dossier = f"{ROOT}.07", f"{ROOT}.07-260302-0001"
    page = samples.a4_page(1)
    _put(client, f"{ROOT}/2026/03/02/scan-1.jpg", page)
    result_pdf = samples.pdf_doc(1)
    _put(client, f"{ROOT}/2026/03/02/kq-1.pdf", result_pdf)
    events = [
        f.agency(ROOT, None, "province"),
        f.agency(unit, ROOT),
        f.procedure(unit),
        f.received(unit, dossier, RAW_ID),
        f.scanned(unit, dossier, f.obj(f"{ROOT}/2026/03/02/scan-1.jpg", page)),
        *f.others(unit, dossier),
        f.envelope(
            "result.scanned",
            unit,
            dossier,
            {
                "result_code": f"KQ-{dossier}",
                "scanned_at": f.T0,
                "object": f.obj(f"{ROOT}/2026/03/02/kq-1.pdf", result_pdf, "application/pdf"),
            },
        ),
    ]
    assert {e["event_type"] for e in events} == set(EVENT_TYPES)
    return events


def _bad_events(client: Minio) -> dict[str, bytes | dict[str, Any]]:
    """One invalid input per rejection code of CONTRACT.md."""
    unit, dossier = f"{ROOT}.07", f"{ROOT}.07-260302-0002"
    missing_key = f.envelope(
        "dossier.received", unit, dossier, {"procedure_code": "1.001234"}
    )  # no channel, received_at, applicant
    wrong_version = f.received(unit, dossier)
    wrong_version["schema_version"] = 2
    unknown = f.received(unit, dossier)
    unknown["event_type"] = "dossier.archived"
    foreign = f.received("H45.01", "H45.01-260302-0001")
    huge = f.agency(f"{ROOT}.08", ROOT)
    huge["data"]["name"] = "x" * (300 * 1024)
    traversal = f.scanned(unit, dossier, f.obj(f"{ROOT}/../H45/scan.jpg", b"x"))

    def file_case(
        name: str,
        data: bytes,
        declared: str = "image/jpeg",
        upload: bool = True,
        sha: str | None = None,
    ) -> dict[str, Any]:
        key = f"{ROOT}/bad/{name}"
        if upload:
            _put(client, key, data)
        o = f.obj(key, data, declared)
        if sha is not None:
            o["sha256"] = sha
        return f.scanned(unit, dossier, o)

    return {
        "malformed_json": b'{"event_id": "oops", ',
        "invalid_event": missing_key,
        "unknown_event_type": unknown,
        "unsupported_schema_version": wrong_version,
        "foreign_agency": foreign,
        "too_large": huge,
        "invalid_object_key": traversal,
        "object_missing": file_case("missing.jpg", b"never uploaded", upload=False),
        "checksum_mismatch": file_case("page.jpg", samples.a4_page(2), sha="0" * 64),
        "unsupported_file": file_case("text.jpg", b"just some text, not an image at all"),
        "image_too_large": file_case("bomb.png", samples.decompression_bomb_png(), "image/png"),
        "corrupt_file": file_case("cut.jpg", samples.truncated_jpeg()),
    }


@pytest.fixture(scope="module")
def published(system: RunningSystem) -> dict[str, Any]:
    """Publish every valid type, one bad input per code, a duplicate, then a last valid one."""
    client = _inbox(system)
    valid = _valid_of_every_type(client)
    bad = _bad_events(client)
    assert set(bad) == set(REJECTION_CODES)
    p = producer(system.ports.kafka_bootstrap)
    for event in valid:
        send(p, TOPIC, event.get("dossier_code") or event["agency_code"], event)
    send(p, TOPIC, valid[3]["dossier_code"], valid[3])  # the same event_id again
    for code, bad_input in bad.items():
        send(p, TOPIC, code, bad_input)
    last = f.received(f"{ROOT}.07", f"{ROOT}.07-260302-0099", RAW_ID)
    send(p, TOPIC, last["dossier_code"], last)
    p.close()
    return {"valid": valid, "bad": bad, "last": last}


def _ingest_counts(system: RunningSystem) -> dict[str, float]:
    return scrape(system.ports.ingest_http)


def test_every_valid_type_is_accepted_and_the_consumer_keeps_going(
    system: RunningSystem, published: dict[str, Any]
) -> None:
    # Valid events, the one after all the bad ones, and the five whose *file* is bad: those
    # are valid events for ingest and are refused later by the digitizer.
    file_level = [c for c in FILE_REJECTION_CODES if c != "invalid_object_key"]
    expected = len(published["valid"]) + 1 + len(file_level)
    counts = wait_for(
        "ingest to accept every valid event",
        lambda: _ingest_counts(system),
        lambda c: c.get("tracker_ingest_events_accepted_total", 0) >= expected,
    )
    assert counts["tracker_ingest_events_accepted_total"] == expected
    assert counts["tracker_ingest_events_duplicate_total"] == 1


def test_each_rejection_code_lands_in_the_rejected_topic(
    system: RunningSystem, published: dict[str, Any]
) -> None:
    def codes() -> dict[str, dict[str, str]]:
        found: dict[str, dict[str, str]] = {}
        for m in read_all(system.ports.kafka_bootstrap, f"{TOPIC}.rejected"):
            headers = {k: v.decode() for k, v in m.headers}
            found[headers["error.code"]] = headers | {"value": m.value}
        return found

    found = wait_for(
        "one rejection per code", codes, lambda c: set(c) >= set(REJECTION_CODES), timeout=120
    )
    assert set(found) == set(REJECTION_CODES)
    for code, headers in found.items():
        assert headers["source.topic"] == TOPIC
        assert headers["error.detail"], code
        assert int(headers["source.offset"]) >= 0
        original = published["bad"][code]
        raw = original if isinstance(original, bytes) else None
        if raw is not None:
            assert headers["value"] == raw  # unchanged
        else:
            assert json.loads(headers["value"])["event_id"] == original["event_id"]


def test_rejections_are_counted_by_code(system: RunningSystem, published: dict[str, Any]) -> None:
    text_ingest = wait_for(
        "ingest rejection counters",
        lambda: _ingest_counts(system),
        lambda c: c.get("tracker_ingest_events_rejected_total", 0) >= 7,
    )
    assert text_ingest["tracker_ingest_events_rejected_total"] == 7  # the six file codes aside
    digitizer = wait_for(
        "digitizer rejection counters",
        lambda: scrape(system.ports.digitizer_http),
        lambda c: c.get("tracker_digitizer_files_rejected_total", 0) >= 5,
        timeout=120,
    )
    assert digitizer["tracker_digitizer_files_rejected_total"] == 5


async def _database_text(system: RunningSystem) -> str:
    """Every value of every table the services wrote, as text."""
    urls = (
        [system.config.database_url]
        if system.config.database_url
        else [f"sqlite+aiosqlite:///{p}" for p in sorted(system.var_dir.glob("*.db"))]
    )
    chunks: list[str] = []
    for url in urls:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as conn:
                meta = MetaData()
                await conn.run_sync(meta.reflect)
                for table in meta.sorted_tables:
                    rows = (await conn.execute(select(table))).all()
                    chunks.extend(repr(tuple(r)) for r in rows)
        finally:
            await engine.dispose()
    return "\n".join(chunks)


def test_raw_applicant_id_is_nowhere(system: RunningSystem, published: dict[str, Any]) -> None:
    wait_for(
        "reuse to apply the dossiers",
        lambda: scrape(system.ports.api),
        lambda c: c.get("tracker_reuse_facts_applied_total", 0) >= len(published["valid"]),
    )
    text = asyncio.run(_database_text(system))
    assert len(text) > 1000, "the database dump should not be empty"
    assert RAW_ID not in text
    for path in Path(system.var_dir).rglob("*"):
        if path.is_file() and path.suffix in {".db", ".db-wal", ".log", ".key", ".json"}:
            assert RAW_ID.encode() not in path.read_bytes(), path
    for port in (system.ports.ingest_http, system.ports.digitizer_http, system.ports.api):
        metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", trust_env=False).text
        assert RAW_ID not in metrics
