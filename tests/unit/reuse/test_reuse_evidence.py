"""Missed reuse, verified reuse, denominator policies and the per-day aggregates, on real
SQLite: the same answers whatever the delivery order, and aggregates equal to a recount."""

from __future__ import annotations

import asyncio
import random
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from schemas.internal import Fact
from services.common.db import create_tables, make_engine
from services.reuse import aggregates, tables
from services.reuse.indicators import IndicatorReader
from services.reuse.missed import StoredFile, find_missed, hamming
from services.reuse.projection import Projection
from tests.support import factories as f
from tests.unit.reuse.evidence_history import PAPER, A, at, fact, flip, history


async def run(db: Path, batches: list[list[Fact]], *, restart: bool = False) -> dict[str, Any]:
    engine = make_engine(f"sqlite+aiosqlite:///{db}")
    await create_tables(engine, tables.metadata)
    projection = Projection(engine)
    for batch in batches:
        await projection.apply(batch)
        if restart:  # a service restart between batches: nothing is kept in memory
            await engine.dispose()
            engine = make_engine(f"sqlite+aiosqlite:///{db}")
            projection = Projection(engine)
    reader = IndicatorReader(engine)
    jan_to_mar = (date(2026, 1, 1), date(2026, 3, 31))
    out: dict[str, Any] = {
        "received": await reader.indicators("H44", *jan_to_mar),
        "completed": await reader.indicators("H44", *jan_to_mar, policy="completed"),
        "missed": await reader.missed_summary("H44", *jan_to_mar, breakdown=True),
    }
    async with engine.connect() as conn:
        m, c = tables.missed, tables.components
        rows = await conn.execute(
            select(m.c.dossier_code, m.c.earlier_dossier_code, m.c.match, m.c.distance)
        )
        out["missed_rows"] = sorted(tuple(r) for r in rows)
        claims = await conn.execute(
            select(c.c.component_code, c.c.verified, c.c.source_unit).where(
                c.c.dossier_code == "D6"
            )
        )
        out["claims"] = sorted(tuple(r) for r in claims)
        recount = await aggregates.recount(conn, "H44")
        out["recount"] = aggregates.as_plain(recount)
        out["stored"] = aggregates.as_plain(await aggregates.stored(conn, "H44"))
        out["months"] = await aggregates.stored_monthly(conn, "H44")
        out["months_recount"] = aggregates.nonzero(recount.monthly())
    await engine.dispose()
    return out


def metric(obj: dict[str, Any], code: str) -> tuple[int, int]:
    found = next(m for m in obj["metrics"] if m["code"] == code)
    return (found["numerator"], found["denominator"])


def test_missed_and_verified_reuse(tmp_path: Path) -> None:
    out = asyncio.run(run(tmp_path / "a.db", [history()]))
    assert out["missed_rows"] == [
        ("D2", "D1", "phash", 3),
        ("D3", "D1", "sha256", 0),
        ("D7", "D1", "phash", 0),
    ]
    assert out["claims"] == [
        ("TP1", True, "H44.01"),  # D1 has a stored scan
        ("TP2", True, "H44.01"),  # KQ1 is an electronic result
        ("TP3", False, None),  # names a dossier never seen
        ("TP4", False, None),  # a national database: nothing the tracker stores
    ]
    summary = out["missed"]
    assert (summary["missed_components"], summary["missed_dossiers"]) == (3, 3)
    assert (summary["reuse_components"], summary["verified_components"]) == (4, 2)
    assert (summary["reuse"]["numerator"], summary["reuse"]["denominator"]) == (1, 7)
    assert summary["reuse_without_missed"]["numerator"] == 4
    assert summary["reuse_without_missed"]["score"] == 1.43  # 2 x (4/7)/0.8 = 1.428...
    assert [u["unit"] for u in summary["units"]] == ["H44.01"]
    assert out["stored"] == out["recount"]
    assert out["months"] == out["months_recount"]
    assert set(out["months"]) == {("H44", "H44.01", date(2026, m, 1)) for m in (2, 3)}


def test_denominator_policy_counts_a_status_that_came_first(tmp_path: Path) -> None:
    facts = history()
    status = next(x for x in facts if x["event_type"] == "dossier.status_changed")
    facts.remove(status)
    out = asyncio.run(run(tmp_path / "a.db", [[status], facts]))
    assert metric(out["received"], "ORIGINAL_RESULT_AVAILABLE") == (1, 7)
    assert metric(out["completed"], "ORIGINAL_RESULT_AVAILABLE") == (1, 1)
    assert metric(out["completed"], "REUSED_DIGITIZED_DATA") == (0, 1)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.slow
def test_any_order_batching_and_duplicates_give_the_same_evidence(
    tmp_path: Path, seed: int
) -> None:
    rng = random.Random(seed)
    facts = history()
    shuffled = facts + rng.sample(facts, k=6)
    rng.shuffle(shuffled)
    cuts = sorted(rng.sample(range(1, len(shuffled)), k=4))
    batches = [shuffled[i:j] for i, j in zip([0, *cuts], [*cuts, len(shuffled)], strict=True)]
    in_order = asyncio.run(run(tmp_path / "a.db", [facts]))
    any_order = asyncio.run(run(tmp_path / "b.db", batches, restart=seed % 2 == 1))
    assert any_order == in_order
    assert any_order["stored"] == any_order["recount"]
    assert any_order["months"] == any_order["months_recount"]


def test_a_correction_moving_a_dossier_moves_its_contribution(tmp_path: Path) -> None:
    facts = history()
    moved = f.received("H44.02", "D2", A, [{"component_code": "TP9", "origin": "uploaded"}])
    moved["data"]["received_at"] = at("01-15")
    moved["occurred_at"] = at("03-10")
    out = asyncio.run(run(tmp_path / "a.db", [facts, [fact(moved)]]))
    assert out["stored"] == out["recount"]
    # D2 no longer declares the component it scanned: nothing of it is missed reuse.
    assert [r[0] for r in out["missed_rows"]] == ["D3", "D7"]


def file(target: str, day: int, sha: str, phash: str | None, kind: str = "component") -> StoredFile:
    return StoredFile(
        "H44", target, kind, "TP1", f"e-{target}", f"2026-03-{day:02d}T09:00:00+07:00", sha, phash
    )


def test_find_missed_takes_the_closest_then_earliest_match() -> None:
    files = [
        file("D1", 1, "a", PAPER),
        file("D2", 2, "b", flip(PAPER, 1)),
        file("D3", 3, "c", flip(PAPER, 2)),
    ]
    found = {
        m.scan.dossier_code: (m.earlier.dossier_code, m.distance) for m in find_missed(files, 6)
    }
    assert found == {"D2": ("D1", 1), "D3": ("D2", 1)}
    assert find_missed(files, 0) == []
    assert hamming(PAPER, flip(PAPER, 7)) == 7


def test_result_files_are_earlier_documents_but_never_missed() -> None:
    files = [file("D1", 1, "a", PAPER, kind="result"), file("D2", 2, "b", PAPER)]
    found = find_missed(files, 6)
    assert [(m.scan.dossier_code, m.earlier.target_kind) for m in found] == [("D2", "result")]
    assert (
        find_missed([file("D1", 2, "a", PAPER, kind="result"), file("D2", 1, "a", PAPER)], 6) == []
    )
