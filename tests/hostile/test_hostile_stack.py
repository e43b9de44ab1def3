"""The hostile corpus through the real system (Tansu, SeaweedFS, the three services on a
PostgreSQL cluster of the test's own): every case lands in the rejected topic once, with its
code and the headers of the contract, every valid event sent between them is processed, and
no service's memory grows past a bound."""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from minio import Minio
from sqlalchemy import select

from reuse_tracker.simulator import samples
from services.digitizer import tables as digitizer_tables
from services.ingest import tables as ingest_tables
from services.reuse import tables as reuse_tables
from tests.hostile.corpus import ROOT, TOPIC, Case, load_corpus
from tests.support import factories as f
from tests.support.kafka_io import producer, read_all
from tests.support.reliability.harness import Harness, own_postgres, running_system
from tests.support.reliability.memory import tree_peaks_kib

pytestmark = pytest.mark.stack

# Peak resident memory allowed to any service process or digitizer worker. A service idles
# near 100-150 MiB; one A4 page decoded is tens of MiB; a bomb fully decoded would be GiBs.
MEMORY_BOUND_MIB = 512


@dataclass
class Sent:
    """What the test published, and where the broker put each hostile case."""

    cases: list[Case]
    where: dict[str, tuple[int, int]] = field(default_factory=dict)  # name -> (partition, offset)
    valid_ids: set[str] = field(default_factory=set)
    valid_dossiers: set[str] = field(default_factory=set)
    valid_scans: set[str] = field(default_factory=set)
    valid_values: set[bytes] = field(default_factory=set)
    peaks_mib: dict[str, float] = field(default_factory=dict)


class PeakSampler(threading.Thread):
    """Samples the peak RSS of each service's process tree until stopped."""

    def __init__(self, harness: Harness) -> None:
        super().__init__(daemon=True)
        self.harness = harness
        self.peaks: dict[str, float] = {}
        self.done = threading.Event()

    def sample(self) -> None:
        for name, pid in self.harness.pids().items():
            for child, kib in tree_peaks_kib(pid).items():
                label = name if child == pid else f"{name} worker"
                self.peaks[label] = max(self.peaks.get(label, 0.0), kib / 1024)

    def run(self) -> None:
        while not self.done.wait(0.5):
            self.sample()


def _edge_events(unit: str) -> list[dict[str, Any]]:
    """Valid events at the contract's limits, which must be accepted and processed."""
    long_name = f.procedure(unit, "1.000042")
    long_name["data"]["name"] = "Thủ tục " + "d" * (1024 - len("Thủ tục "))
    tabbed = f.agency(f"{ROOT}.02", ROOT)
    tabbed["data"]["name"] = "Sở\tThử\nnghiệm " + "x" * (512 - len("Sở\tThử\nnghiệm "))
    code = f"{ROOT}.01-Hồ sơ-😀-" + "9" * 64
    many = f.received(
        unit,
        code[:64],
        applicant_id=" 0792 0300-4599 ",
        components=[{"component_code": f"TP{i}", "origin": "paper"} for i in range(500)],
    )
    many["data"]["received_at"] = "2026-03-02T01:15:00.123456789Z"
    many["data"]["extra"] = {"nested": [[[{"deep": True}]]], "note": "ignored"}
    url = f.envelope(
        "result.issued",
        unit,
        code[:64],
        {
            "result_code": "K" * 128,
            "issued_at": "2026-03-05T10:00:00+07:00",
            "electronic": True,
            "file_url": "https://dichvucong.example/" + "u" * 2000,
        },
    )
    return [long_name, tabbed, many, url]


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    """The system on its own PostgreSQL cluster (stricter about text than SQLite)."""
    with own_postgres() as pg:
        url = pg.create_database("tracker_hostile")
        var_dir = tmp_path_factory.mktemp("hostile")
        with running_system(var_dir, roots=(ROOT, "H45"), database_url=url, pg=pg) as h:
            yield h


@pytest.fixture(scope="module")
def sent(harness: Harness) -> Sent:
    """Publish the catalogue, then each hostile case followed by a valid dossier with a scan."""
    cases = load_corpus()
    out = Sent(cases)
    inbox = Minio(
        f"127.0.0.1:{harness.ports.s3}",
        access_key="tracker",
        secret_key="tracker-secret",
        secure=False,
    )
    page = samples.a4_page(11, dpi=100)
    unit = f"{ROOT}.01"
    sampler = PeakSampler(harness)
    sampler.sample()
    sampler.start()
    p = producer(harness.ports.kafka_bootstrap)

    def send_valid(event: dict[str, Any]) -> None:
        value = json.dumps(event, ensure_ascii=False).encode()
        key = (event.get("dossier_code") or event["agency_code"]).encode()
        p.send(TOPIC, key=key, value=value).get(timeout=60)
        out.valid_ids.add(event["event_id"])
        out.valid_values.add(value)

    try:
        for event in [f.agency(ROOT, None, "province"), f.agency(unit, ROOT), f.procedure(unit)]:
            send_valid(event)
        edges = _edge_events(unit)
        for i, case in enumerate(cases):
            if case.file is not None and case.file.upload:
                data = case.file.data
                inbox.put_object("inbox", case.file.key, io.BytesIO(data), len(data))
            meta = p.send(
                TOPIC, key=case.name.encode(), value=case.value, headers=case.headers
            ).get(timeout=60)
            out.where[case.name] = (meta.partition, meta.offset)
            dossier = f"{unit}-260302-{i:04d}"
            key = f"{ROOT}/valid/{i:04d}.jpg"
            inbox.put_object("inbox", key, io.BytesIO(page), len(page))
            scan = f.scanned(unit, dossier, f.obj(key, page))
            for event in (f.received(unit, dossier, applicant_id=f"0792{i:08d}"), scan):
                send_valid(event)
            out.valid_dossiers.add(dossier)
            out.valid_scans.add(scan["event_id"])
            if i < len(edges):
                send_valid(edges[i])
    finally:
        p.close()
    out.valid_dossiers.add(str(edges[2]["dossier_code"]))

    def rejected_count() -> int:
        return len(read_all(harness.ports.kafka_bootstrap, f"{TOPIC}.rejected"))

    deadline = time.monotonic() + 240
    while True:
        applied = {r[0] for r in harness.query("reuse", select(reuse_tables.events.c.event_id))}
        if out.valid_ids <= applied and rejected_count() >= len(cases):
            break
        if time.monotonic() > deadline:
            missing = len(out.valid_ids - applied)
            raise AssertionError(
                f"not processed in time: {missing} valid events not applied, "
                f"{rejected_count()} of {len(cases)} rejections"
            )
        time.sleep(2)
    time.sleep(3)  # anything published twice would show up by now
    sampler.done.set()
    sampler.join()
    sampler.sample()
    out.peaks_mib = sampler.peaks
    print("peak RSS (MiB):", {k: round(v) for k, v in sorted(sampler.peaks.items())})
    return out


def test_each_case_lands_once_in_the_rejected_topic_with_its_code(
    harness: Harness, sent: Sent
) -> None:
    messages = read_all(harness.ports.kafka_bootstrap, f"{TOPIC}.rejected")
    by_value: dict[bytes, list[Any]] = {}
    for m in messages:
        by_value.setdefault(m.value or b"", []).append(m)
    wrong: list[str] = []
    for case in sent.cases:
        found = by_value.get(case.value, [])
        if len(found) != 1:
            wrong.append(f"{case.name}: {len(found)} rejections")
            continue
        headers = {k: v.decode() for k, v in found[0].headers}
        partition, offset = sent.where[case.name]
        expected = {
            "error.code": case.code,
            "source.topic": TOPIC,
            "source.partition": str(partition),
            "source.offset": str(offset),
        }
        got = {k: headers.get(k) for k in expected}
        if got != expected:
            wrong.append(f"{case.name}: {got} != {expected}")
        detail = headers.get("error.detail", "")
        if not 0 < len(detail) <= 600:
            wrong.append(f"{case.name}: error.detail of {len(detail)} characters")
    assert not wrong, "\n".join(wrong)
    assert len(messages) == len(sent.cases), "nothing else may be rejected"
    print(f"{len(sent.cases)} hostile cases refused with their codes")


def test_every_valid_event_in_between_is_processed(harness: Harness, sent: Sent) -> None:
    messages = read_all(harness.ports.kafka_bootstrap, f"{TOPIC}.rejected")
    assert not sent.valid_values & {m.value for m in messages}
    ingested = {r[0] for r in harness.query("ingest", select(ingest_tables.events.c.event_id))}
    assert sent.valid_ids <= ingested
    dossiers = {
        r[0]
        for r in harness.query(
            "reuse",
            select(reuse_tables.dossiers.c.dossier_code).where(
                reuse_tables.dossiers.c.root == ROOT
            ),
        )
    }
    assert dossiers == sent.valid_dossiers
    subs = harness.query(
        "digitizer",
        select(digitizer_tables.submissions.c.event_id, digitizer_tables.submissions.c.status),
    )
    stored = {event_id for event_id, status in subs if status == "stored"}
    assert stored == sent.valid_scans
    scans = harness.query(
        "reuse",
        select(reuse_tables.scans.c.event_id).where(reuse_tables.scans.c.stored.is_(True)),
    )
    assert {r[0] for r in scans} == sent.valid_scans


def test_memory_stays_bounded(harness: Harness, sent: Sent) -> None:
    assert set(harness.pids()) == {"ingest", "digitizer", "reuse"}, "a service died"
    assert sent.peaks_mib, "no memory sample was taken"
    over = {k: v for k, v in sent.peaks_mib.items() if v > MEMORY_BOUND_MIB}
    assert not over, f"peak RSS over {MEMORY_BOUND_MIB} MiB: {over}"
