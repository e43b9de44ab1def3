"""The projection on real SQLite: exact figures for a hand-computed history, whatever the
delivery order, with duplicates and corrections."""

from __future__ import annotations

import asyncio
import random
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from schemas.internal import Fact, FileOutcome
from services.common.db import create_tables, make_engine
from services.ingest.normalize import to_fact
from services.ingest.pseudonymize import ApplicantHasher
from services.reuse import tables
from services.reuse.indicators import IndicatorReader, UnknownUnit
from services.reuse.projection import Projection
from tests import factories as f

HASHER = ApplicantHasher(b"t" * 32)
STORED: FileOutcome = {"status": "stored", "sha256": "a" * 64, "phash": "0" * 16}


def fact(event: dict[str, Any], outcome: FileOutcome | None = None) -> Fact:
    source = {"topic": "dossier-events.H44", "partition": 0, "offset": 0}
    out = to_fact(event, "H44", source, b"{}", HASHER)  # type: ignore[arg-type]
    if outcome is not None:
        out["file"] = outcome
    return out


def history() -> list[Fact]:
    d1, d2, d3 = "H44.01-1", "H44.100-2", "H44.01-3"
    first_d2 = f.received("H44.100", d2, components=[{"component_code": "TP1", "origin": "paper"}])
    first_d2["data"]["procedure_code"] = "1.2"
    first_d2["data"]["applicant"]["vneid_authenticated"] = False
    correction = f.received(
        "H44.100",
        d2,
        components=[
            {"component_code": "TP1", "origin": "uploaded"},
            {"component_code": "TP2", "origin": "personal_warehouse"},
        ],
    )
    correction["data"]["procedure_code"] = "1.2"
    correction["data"]["applicant"]["vneid_authenticated"] = False
    correction["occurred_at"] = "2026-03-03T09:00:00+07:00"
    late = f.received("H44.01", d3)
    late["data"]["received_at"] = "2026-04-01T00:10:00+07:00"  # 31 March 17:10 UTC: April
    certified_off = f.agency("H44.01", "H44")
    certified_off["data"]["certified_copy_service"] = False
    assign_2 = f.procedure("H44.100", "1.2")
    assign_2["data"].update(citizen_facing=False, result_document_required=False)
    issued = f.envelope(
        "result.issued",
        "H44.01",
        d1,
        {
            "result_code": "R1",
            "issued_at": f.T0,
            "electronic": True,
            "object": f.obj("H44/r1.pdf", b"%PDF-1.7", "application/pdf"),
        },
    )
    paper = f.envelope(
        "result.issued",
        "H44.100",
        d2,
        {"result_code": "R2", "issued_at": f.T0, "electronic": False},
    )
    rescan = f.envelope(
        "result.scanned",
        "H44.100",
        d2,
        {"result_code": "R2", "scanned_at": f.T0, "object": f.obj("H44/r2.jpg", b"x")},
    )
    pushed = f.envelope(
        "result.pushed_to_warehouse", "H44.100", d2, {"result_code": "R2", "pushed_at": f.T0}
    )
    first_d1 = f.received(
        "H44.01",
        d1,
        components=[
            {"component_code": "TP1", "origin": "scanned"},
            {
                "component_code": "TP2",
                "origin": "reused_component",
                "source": {"dossier_code": "H44.01-0"},
            },
        ],
    )
    first_d1["data"]["procedure_code"] = "1.1"
    return [
        fact(f.agency("H44", None, "province")),
        fact(certified_off),
        fact(f.procedure("H44.01", "1.1")),
        fact(assign_2),
        fact(first_d1),
        fact(f.scanned("H44.01", d1, f.obj("H44/s.jpg", b"x")), STORED),
        fact(issued, {"status": "stored", "e_result": True}),
        fact(first_d2),
        fact(correction),
        fact(paper, {"status": "none", "e_result": False}),
        fact(rescan, STORED),
        fact(pushed),
        fact(late),
    ]


EXPECTED = {
    "ORIGINAL_RESULT_AVAILABLE": (1, 2, 50.0, 3.0),
    "SO_HOA_GIAY_TO_GIAI_QUYET": (2, 2, 100.0, 4.0),
    "REUSED_DIGITIZED_DATA": (2, 2, 100.0, 2.0),
    "SYNCED_WITH_DVCQG_PERSONAL_STORAGE": (1, 2, 50.0, 2.0),
    "CITIZEN_DATA_CONNECTED_DOSSIER": (2, 2, 100.0, 2.0),
    "CITIZEN_DATA_CONNECTED_FORMALITY": (1, 1, 100.0, 2.0),
    "ELECTRONIC_CERTIFIED_COPY": (1, 2, 50.0, 1.0),
}


async def figures(db: Path, batches: list[list[Fact]]) -> dict[str, Any]:
    engine = make_engine(f"sqlite+aiosqlite:///{db}")
    await create_tables(engine, tables.metadata)
    projection = Projection(engine)
    for batch in batches:
        await projection.apply(batch)
    result = await IndicatorReader(engine).indicators(
        "H44", date(2026, 1, 1), date(2026, 3, 31), breakdown=True
    )
    await engine.dispose()
    return result


def test_hand_computed_history(tmp_path: Path) -> None:
    result = asyncio.run(figures(tmp_path / "a.db", [history()]))
    got = {
        m["code"]: (m["numerator"], m["denominator"], m["ratio"], m["score"])
        for m in result["metrics"]
    }
    assert got == EXPECTED
    assert result["total_score"] == 16.0
    assert result["ratio"] == 72.73
    assert [u["unit"] for u in result["units"]] == ["H44.01", "H44.100"]
    commune = result["units"][1]
    assert commune["metrics"][5]["denominator"] == 0
    assert commune["metrics"][5]["ratio"] is None


@pytest.mark.parametrize("seed", range(5))
def test_order_batching_and_duplicates_do_not_change_figures(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    facts = history()
    shuffled = facts + rng.sample(facts, k=5)  # redelivered copies
    rng.shuffle(shuffled)
    cuts = sorted(rng.sample(range(1, len(shuffled)), k=3))
    batches = [shuffled[i:j] for i, j in zip([0, *cuts], [*cuts, len(shuffled)], strict=True)]
    in_order = asyncio.run(figures(tmp_path / "a.db", [facts]))
    any_order = asyncio.run(figures(tmp_path / "b.db", batches))
    assert any_order == in_order


def test_unknown_unit(tmp_path: Path) -> None:
    async def go() -> None:
        engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'c.db'}")
        await create_tables(engine, tables.metadata)
        with pytest.raises(UnknownUnit):
            await IndicatorReader(engine).indicators("H99", date(2026, 1, 1), date(2026, 1, 2))
        await engine.dispose()

    asyncio.run(go())
