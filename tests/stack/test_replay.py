"""The event archive and the rebuild, through the real system (on SQLite and on PostgreSQL):
a simulated province goes through the live services; its archive holds every accepted fact and
no raw applicant ID; rebuilding from the archive, into a fresh database or in place, gives
exactly the live indicators of every unit, also when the archive holds facts twice.

It publishes into the shared `system`, so it sorts after the modules that read the services'
counters as totals (test_ingest, test_province); it only ever reads differences itself."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from minio import Minio
from minio.commonconfig import CopySource
from sqlalchemy import select

from reuse_tracker.simulator import Rates, generate, publish
from reuse_tracker.stack.topics import TopicSpec, ensure_topics
from reuse_tracker.system import progress, scrape
from services.common.db import make_engine
from services.ingest import tables as ingest_tables
from services.reuse.archiver import EventArchive, decode_object, root_prefix
from services.reuse.indicators import IndicatorReader
from services.reuse.vocabulary import POLICIES
from tests.support import pg
from tests.support.system import RunningSystem

pytestmark = pytest.mark.stack

ROOT = "H22"  # a root of its own, so other modules' provinces do not mix in
PERIOD = (date(2026, 1, 1), date(2026, 6, 30))
BUCKET = "event-archive"
Figures = dict[str, dict[str, dict[str, Any]]]


def database_url(system: RunningSystem, service: str) -> str:
    """Where a service of the running system keeps its tables."""
    if system.config.database_url:
        return system.config.database_url
    return f"sqlite+aiosqlite:///{(system.var_dir / f'{service}.db').resolve()}"


def s3(system: RunningSystem) -> Minio:
    """A client of the system's S3 store."""
    return Minio(
        system.ports.s3_endpoint.split("://", 1)[1],
        access_key="tracker",
        secret_key="tracker-secret",
        secure=False,
    )


def archive_records(system: RunningSystem) -> list[dict[str, Any]]:
    """Every line of the root's archive, decoded."""
    archive = EventArchive(s3(system), BUCKET)
    return [
        {"topic": r.topic, "partition": r.partition, "offset": r.offset, "fact": r.fact}
        for key in archive.keys(ROOT)
        for r in archive.read(key)
    ]


def accepted_ids(system: RunningSystem) -> set[str]:
    """The event IDs ingest accepted for the root."""

    async def go() -> set[str]:
        engine = make_engine(database_url(system, "ingest"))
        try:
            async with engine.connect() as conn:
                e = ingest_tables.events
                rows = await conn.execute(select(e.c.event_id).where(e.c.root == ROOT))
                return {str(x) for x in rows.scalars()}
        finally:
            await engine.dispose()

    return asyncio.run(go())


def figures(url: str) -> Figures:
    """Every unit's indicator object of the root, under every denominator policy."""

    async def go() -> Figures:
        engine = make_engine(url)
        try:
            reader = IndicatorReader(engine)
            return {
                policy: await reader.indicators_for_tree(ROOT, *PERIOD, policy=policy)
                for policy in POLICIES
            }
        finally:
            await engine.dispose()

    return asyncio.run(go())


@pytest.fixture(scope="module")
def province(system: RunningSystem) -> dict[str, Any]:
    """Publish a 300-dossier province and wait until it is projected and archived."""
    bootstrap = system.ports.kafka_bootstrap
    ensure_topics(
        bootstrap,
        [TopicSpec(f"dossier-events.{ROOT}"), TopicSpec(f"dossier-events.{ROOT}.rejected")],
    )
    scenario = generate(ROOT, 300, 23, Rates(), PERIOD)
    before = progress(system.ports)
    publish(scenario, bootstrap, system.ports.s3_endpoint, "tracker", "tracker-secret", False)
    deadline = time.monotonic() + 300
    while True:
        now = progress(system.ports)
        handled = now.handled - before.handled >= len(scenario.events)
        if handled and now.applied >= now.accepted:
            archived = {r["fact"]["event_id"] for r in archive_records(system)}
            accepted = accepted_ids(system)
            if accepted and archived >= accepted:
                break
        assert time.monotonic() < deadline, f"not processed and archived in time: {now}"
        time.sleep(1.0)
    raw_ids = set()
    for event in scenario.events:
        try:
            body = json.loads(event.value)
        except ValueError:
            continue  # the province's deliberately malformed events
        data = body.get("data") if isinstance(body, dict) else None
        applicant = data.get("applicant") if isinstance(data, dict) else None
        if isinstance(applicant, dict) and isinstance(applicant.get("id"), str):
            raw_ids.add(applicant["id"])
    return {"raw_ids": raw_ids, "live": figures(database_url(system, "reuse"))}


@pytest.fixture
def fresh_database(system: RunningSystem, tmp_path: Path) -> Iterator[str]:
    """An empty database of the same kind as the system's."""
    if system.config.database_url is None:
        yield f"sqlite+aiosqlite:///{tmp_path / 'rebuilt.db'}"
        return
    name, url = pg.new_database()
    try:
        yield url
    finally:
        pg.drop(name)


def rebuild(system: RunningSystem, *args: str) -> str:
    """Run `reuse-tracker rebuild --root ROOT ...` as an operator would, against the system."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "TRACKER_VAR_DIR": str(system.var_dir.resolve()),
        "TRACKER_S3_ENDPOINT": system.ports.s3_endpoint,
        "TRACKER_S3_ACCESS_KEY": "tracker",
        "TRACKER_S3_SECRET_KEY": "tracker-secret",
    }
    if system.config.database_url:
        env["TRACKER_DATABASE_URL"] = system.config.database_url
    done = subprocess.run(
        [sys.executable, "-m", "reuse_tracker", "rebuild", "--root", ROOT, "--batch", "400", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_archive_holds_every_accepted_fact_and_no_raw_applicant_id(
    system: RunningSystem, province: dict[str, Any]
) -> None:
    records = archive_records(system)
    assert {r["fact"]["event_id"] for r in records} == accepted_ids(system)
    assert {r["topic"] for r in records} == {"tracker.facts", "tracker.digitized"}
    assert all("raw" not in r["fact"] and r["fact"]["root"] == ROOT for r in records)
    keys = EventArchive(s3(system), BUCKET).keys(ROOT)
    assert all(k.startswith(root_prefix(ROOT)) and k.endswith(".jsonl.gz") for k in keys)
    assert len(keys) < len(records), "written in batches, not one object per fact"
    raw_ids = province["raw_ids"]
    assert raw_ids, "the simulated province has applicants with IDs"
    client = s3(system)
    for key in keys:
        response = client.get_object(BUCKET, key)
        try:
            text = b"".join(
                json.dumps(r.fact).encode() for r in decode_object(response.read())
            ).decode()
        finally:
            response.close()
            response.release_conn()
        assert not any(raw in text for raw in raw_ids), key
    archived = scrape(system.ports.api).get("tracker_reuse_archived_facts_total", 0)
    assert archived >= len(records)


def test_rebuild_into_a_fresh_database_equals_live(
    system: RunningSystem, province: dict[str, Any], fresh_database: str
) -> None:
    out = rebuild(system, "--database-url", fresh_database)
    assert "facts read" in out
    live = province["live"]
    assert len(live["received"]) > 20
    root_metrics = live["received"][ROOT]["metrics"]
    assert all(m["denominator"] > 0 for m in root_metrics)
    assert sum(m["numerator"] > 0 for m in root_metrics) >= 5
    assert figures(fresh_database) == live


def test_rebuild_in_place_equals_live(system: RunningSystem, province: dict[str, Any]) -> None:
    rebuild(system, "--yes")
    assert figures(database_url(system, "reuse")) == province["live"]


def test_facts_archived_twice_count_once(
    system: RunningSystem, province: dict[str, Any], fresh_database: str
) -> None:
    """A redelivered batch is archived again under another key; the rebuild still counts
    each fact once, because the projection claims every event_id."""
    client = s3(system)
    keys = EventArchive(client, BUCKET).keys(ROOT)
    for key in keys[: max(1, len(keys) // 2)]:
        copy = key.replace(".jsonl.gz", "-redelivered.jsonl.gz")
        client.copy_object(BUCKET, copy, CopySource(BUCKET, key))
    out = rebuild(system, "--database-url", fresh_database)
    found = re.search(r"applied,\s+([\d,]+)\s+archived more than once", out)
    assert found, out
    duplicates = int(found.group(1).replace(",", ""))
    assert duplicates > 0
    assert figures(fresh_database) == province["live"]
