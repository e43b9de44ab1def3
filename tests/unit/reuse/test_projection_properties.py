"""Property-based check of the projection on real SQLite: for random event histories, every
unit's figures are the same whatever the delivery order, batching and redelivery."""

from __future__ import annotations

import asyncio
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas.internal import Fact, FileOutcome
from services.common.db import create_tables, make_engine
from services.ingest.normalize import to_fact
from services.ingest.pseudonymize import ApplicantHasher
from services.reuse import tables
from services.reuse.indicators import IndicatorReader
from services.reuse.projection import Projection
from tests.support import factories as f
from tests.unit.reuse.redelivery import redelivered

HASHER = ApplicantHasher(b"h" * 32)
ROOT = "H44"
UNITS = ("H44.01", "H44.02", "H44.100")
PROCEDURES = ("1.1", "1.2", "1.3")
ORIGINS = (
    "paper",
    "scanned",
    "uploaded",
    "reused_component",
    "reused_result",
    "personal_warehouse",
    "national_db",
)
PERIOD = (date(2026, 1, 1), date(2026, 3, 31))
BASE = datetime.fromisoformat("2026-03-01T08:00:00+07:00")


def _at(minutes: int) -> str:
    return (BASE + timedelta(minutes=minutes)).isoformat()


def _fact(event: dict[str, Any], outcome: FileOutcome | None = None) -> Fact:
    source = {"topic": f"dossier-events.{ROOT}", "partition": 0, "offset": 0}
    out = to_fact(event, ROOT, source, b"{}", HASHER)  # type: ignore[arg-type]
    if outcome is not None:
        out["file"] = outcome
    return out


def _stored(n: int) -> FileOutcome:
    return {"status": "stored", "sha256": f"{n:064x}", "phash": f"{n:016x}", "pages": 1}


REFUSED: FileOutcome = {"status": "rejected", "code": "corrupt_file", "detail": "cut"}


@st.composite
def histories(draw: st.DrawFn) -> list[Fact]:
    """A catalogue and a few dossiers with corrections, supplements, scans and results."""
    facts: list[Fact] = [_fact(f.agency(ROOT, None, "province"))]
    for unit in UNITS:
        reg = f.agency(unit, ROOT)
        reg["data"]["certified_copy_service"] = draw(st.booleans())
        facts.append(_fact(reg))
        if draw(st.booleans()):  # a later re-registration that changes the flag
            again = f.agency(unit, ROOT)
            again["occurred_at"] = _at(draw(st.integers(1, 500)))
            again["data"]["certified_copy_service"] = draw(st.booleans())
            facts.append(_fact(again))
    for unit in UNITS:
        for proc in draw(st.sets(st.sampled_from(PROCEDURES), min_size=1)):
            assign = f.procedure(unit, proc)
            assign["data"]["citizen_facing"] = draw(st.booleans())
            assign["data"]["result_document_required"] = draw(st.booleans())
            facts.append(_fact(assign))
    files = 0
    for n in range(draw(st.integers(1, 6))):
        unit = draw(st.sampled_from(UNITS))
        code = f"{unit}-2603{n:02d}"
        intakes = draw(st.integers(1, 2))  # a second one is a correction
        components: list[str] = []
        for i in range(intakes):
            origins = draw(st.lists(st.sampled_from(ORIGINS), min_size=0, max_size=3))
            components = [f"TP{j}" for j in range(len(origins))]
            event = f.received(
                unit,
                code,
                applicant_id=f"0792030{n:05d}",
                components=[
                    {"component_code": c, "origin": o}
                    for c, o in zip(components, origins, strict=True)
                ],
            )
            data = event["data"]
            data["procedure_code"] = draw(st.sampled_from(PROCEDURES))
            data["channel"] = draw(st.sampled_from(("counter", "online", "postal")))
            data["applicant"]["vneid_authenticated"] = draw(st.booleans())
            data["population_data_used"] = draw(st.booleans())
            # Days around the period's end, so some dossiers fall outside it.
            data["received_at"] = _at(draw(st.integers(0, 60 * 24 * 45)))
            event["occurred_at"] = _at(draw(st.integers(0, 1000)) + i)
            facts.append(_fact(event))
        if draw(st.booleans()):
            extra = draw(st.sampled_from(ORIGINS))
            added = f.envelope(
                "dossier.components_added",
                unit,
                code,
                {"components": [{"component_code": "TPX", "origin": extra}]},
            )
            facts.append(_fact(added))
            components.append("TPX")
        for component in draw(st.lists(st.sampled_from([*components, "TPZ"]), max_size=3)):
            files += 1
            scan = f.scanned(unit, code, f.obj(f"{ROOT}/s{files}.jpg", b"x"), component)
            scan["data"]["scanned_at"] = _at(draw(st.integers(0, 2000)))
            facts.append(_fact(scan, _stored(files) if draw(st.booleans()) else REFUSED))
        for r in range(draw(st.integers(0, 2))):
            result = f"KQ-{code}-{r}"
            electronic = draw(st.booleans())
            with_file = draw(st.booleans())
            data = {"result_code": result, "issued_at": _at(3000), "electronic": electronic}
            if electronic and not with_file:
                data["file_url"] = "https://dichvucong.example/kq"
            outcome: FileOutcome = {"status": "none", "e_result": electronic}
            if with_file:
                files += 1
                data["object"] = f.obj(f"{ROOT}/k{files}.pdf", b"%PDF", "application/pdf")
                good = draw(st.booleans())
                outcome = {**_stored(files), "e_result": electronic} if good else {**REFUSED}
            facts.append(_fact(f.envelope("result.issued", unit, code, data), outcome))
            if draw(st.booleans()):
                files += 1
                rescan = f.envelope(
                    "result.scanned",
                    unit,
                    code,
                    {
                        "result_code": result,
                        "scanned_at": _at(3100),
                        "object": f.obj(f"{ROOT}/r{files}.jpg", b"x"),
                    },
                )
                facts.append(_fact(rescan, _stored(files) if draw(st.booleans()) else REFUSED))
            if draw(st.booleans()):
                pushed = f.envelope(
                    "result.pushed_to_warehouse",
                    unit,
                    code,
                    {"result_code": result, "pushed_at": _at(3200)},
                )
                facts.append(_fact(pushed))
        for k in range(draw(st.integers(0, 2))):
            status = f.envelope(
                "dossier.status_changed",
                unit,
                code,
                {"status": draw(st.integers(1, 10)), "changed_at": _at(4000 + k)},
            )
            facts.append(_fact(status))
    return facts


async def _figures(db: Path, batches: list[list[Fact]]) -> dict[str, Any]:
    engine = make_engine(f"sqlite+aiosqlite:///{db}")
    try:
        await create_tables(engine, tables.metadata)
        projection = Projection(engine)
        for batch in batches:
            await projection.apply(batch)
        reader = IndicatorReader(engine)
        return {
            policy: await reader.indicators_for_tree(ROOT, *PERIOD, policy=policy)
            for policy in ("received", "completed", "result_required")
        }
    finally:
        await engine.dispose()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories(), st.integers(0, 2**32))
@pytest.mark.slow
def test_figures_do_not_depend_on_order_batching_or_redelivery(
    facts: list[Fact], seed: int
) -> None:
    # Real SQLite files, in memory-backed /dev/shm where there is one (commits are cheap).
    shm = "/dev/shm" if Path("/dev/shm").is_dir() else None
    with tempfile.TemporaryDirectory(dir=shm) as tmp:
        in_order = asyncio.run(_figures(Path(tmp) / "a.db", [facts]))
        any_order = asyncio.run(_figures(Path(tmp) / "b.db", redelivered(facts, seed)))
        one_by_one = asyncio.run(_figures(Path(tmp) / "c.db", [[x] for x in reversed(facts)]))
    assert any_order == in_order
    assert one_by_one == in_order
