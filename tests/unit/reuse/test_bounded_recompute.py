"""The recomputations a fact causes are bounded by what it changes, not by history: a
procedure assignment that arrives after hundreds of its dossiers, and a new scan of an
applicant (a company) with hundreds of dossiers, recompute only the dossiers whose figures
move, and the aggregates still equal a full recount."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from schemas.internal import Fact, FileOutcome
from services.common.db import create_tables, make_engine
from services.reuse import aggregates, flags
from services.reuse import tables as t
from services.reuse.projection import Projection
from tests.support import factories as f
from tests.support.province_facts import fact_of

MANY = 300


def assigned(unit: str, required: bool, minute: int) -> Fact:
    """An assignment of procedure 1.9, made at 08:<minute> (a later one supersedes)."""
    event = f.procedure(unit, "1.9")
    event["data"]["result_document_required"] = required
    event["occurred_at"] = f"2026-03-02T08:{minute:02d}:00+07:00"
    return fact_of(event)


def received(unit: str, code: str, applicant: str = "079203004512") -> Fact:
    event = f.received(unit, code, applicant)
    event["data"]["procedure_code"] = "1.9"
    return fact_of(event)


@pytest.fixture
async def engine(tmp_path: Path) -> Any:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'reuse.db'}")
    await create_tables(engine, t.metadata)
    yield engine
    await engine.dispose()


@pytest.fixture
def recomputed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many dossiers each batch recomputed."""
    sizes: list[int] = []
    original = flags.recompute

    async def counting(conn: Any, keys: Any) -> None:
        keys = set(keys)
        sizes.append(len(keys))
        await original(conn, keys)

    monkeypatch.setattr(flags, "recompute", counting)
    return sizes


async def _exact(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        stored = aggregates.as_plain(await aggregates.stored(conn, "H44"))
        fresh = aggregates.as_plain(await aggregates.recount(conn, "H44"))
    assert stored == fresh


@pytest.mark.slow
async def test_a_late_assignment_recomputes_only_the_dossiers_it_changes(
    engine: AsyncEngine, recomputed: list[int]
) -> None:
    projection = Projection(engine)
    await projection.apply([assigned("H44.02", False, 1)])
    await projection.apply(
        [received("H44.01", f"A-{i}") for i in range(MANY)]
        + [received("H44.02", f"B-{i}") for i in range(MANY)]
    )
    recomputed.clear()
    # The same value the dossiers of H44.01 already had (no assignment requires a result).
    await projection.apply([assigned("H44.01", False, 2)])
    assert recomputed == [0]
    # H44.01 now requires one: its own dossiers change, H44.02's keep their own assignment.
    await projection.apply([assigned("H44.01", True, 3)])
    assert recomputed == [0, MANY]
    # A unit without an assignment follows the root-wide value, which flips only once.
    await projection.apply([received("H44.03", f"C-{i}") for i in range(10)])
    await projection.apply([assigned("H44.02", True, 4)])
    assert recomputed[-1] == MANY  # H44.02's own; H44.03's were already "required"
    # An older assignment arriving late changes nothing.
    await projection.apply([assigned("H44.01", False, 0)])
    assert recomputed[-1] == 0
    await _exact(engine)


@pytest.mark.slow
async def test_a_new_scan_of_a_busy_applicant_recomputes_a_bounded_set(
    engine: AsyncEngine, recomputed: list[int]
) -> None:
    projection = Projection(engine)
    company = "0101234567"
    batch = []
    for i in range(MANY):
        batch.append(received("H44.01", f"D-{i}", company))
        o = f.obj(f"H44/d{i}.jpg", f"paper {i}".encode())
        stored: FileOutcome = {"status": "stored", "sha256": o["sha256"], "phash": None}
        batch.append(fact_of(f.scanned("H44.01", f"D-{i}", o), stored))
    await projection.apply(batch)
    recomputed.clear()
    # The same paper as D-0 scanned again in a new dossier: one missed reuse.
    again = f.obj("H44/again.jpg", b"paper 0")
    later = f.scanned("H44.01", "D-new", again)
    later["data"]["scanned_at"] = "2026-03-09T08:00:00+07:00"
    stored_again: FileOutcome = {"status": "stored", "sha256": again["sha256"], "phash": None}
    await projection.apply([received("H44.01", "D-new", company), fact_of(later, stored_again)])
    assert recomputed == [1]
    await _exact(engine)
