"""The unit tree and every tie-break are functions of what arrived, never of its order: units
whose parent is not known yet, prefix-only units, claims verified by files that arrive later,
equal instants, unregistered roots and the calendar's extreme dates (real SQLite)."""

from __future__ import annotations

import asyncio
import itertools
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from schemas.internal import Fact, FileOutcome
from services.common.db import create_tables, make_engine
from services.ingest.normalize import to_fact
from services.ingest.pseudonymize import ApplicantHasher
from services.reuse import evidence, tables
from services.reuse.indicators import IndicatorReader, split_period
from services.reuse.missed import StoredFile, find_missed
from services.reuse.projection import Projection
from services.reuse.units import UnitTree
from tests.support import factories as f

HASHER = ApplicantHasher(b"o" * 32)
PERIOD = (date(2026, 1, 1), date(2026, 12, 31))
SHA = "c" * 64


def fact(event: dict[str, Any], outcome: FileOutcome | None = None, root: str = "H44") -> Fact:
    source = {"topic": f"dossier-events.{root}", "partition": 0, "offset": 0}
    out = to_fact(event, root, source, b"{}", HASHER)  # type: ignore[arg-type]
    if outcome is not None:
        out["file"] = outcome
    return out


def uploaded(unit: str, code: str) -> Fact:
    return fact(
        f.received(unit, code, components=[{"component_code": "TP1", "origin": "uploaded"}])
    )


async def _read(db: Path, batches: list[list[Fact]], unit: str = "H44") -> dict[str, Any]:
    engine = make_engine(f"sqlite+aiosqlite:///{db}")
    try:
        await create_tables(engine, tables.metadata)
        projection = Projection(engine)
        for batch in batches:
            await projection.apply(batch)
        reader = IndicatorReader(engine)
        found = await reader.indicators(unit, *PERIOD, breakdown=True)
        root = await reader.root_of(unit)
        tree = await reader.tree(root)
        reuse = await evidence.reuse_rows(engine, evidence.Scope.of(tree, unit, *PERIOD), 100, 0)
        return {
            "indicators": found,
            "metrics": {m["code"]: (m["numerator"], m["denominator"]) for m in found["metrics"]},
            "parents": dict(tree.parent),
            "reuse": reuse.items,
        }
    finally:
        await engine.dispose()


def read(tmp_path: Path, batches: list[list[Fact]], unit: str = "H44") -> dict[str, Any]:
    db = tmp_path / f"r{len(list(tmp_path.iterdir()))}.db"
    return asyncio.run(_read(db, batches, unit))


# -- 1, 2, 5: the tree ----------------------------------------------------------------------


def test_a_unit_whose_parent_is_unknown_stays_in_its_tree(tmp_path: Path) -> None:
    got = read(
        tmp_path,
        [
            [fact(f.agency("H44", None, "province")), fact(f.agency("H44.07.01", "H44.07"))],
            [uploaded("H44.07.01", "D1")],
        ],
    )
    assert got["metrics"]["SO_HOA_GIAY_TO_GIAI_QUYET"] == (1, 1)
    assert got["metrics"]["ELECTRONIC_CERTIFIED_COPY"] == (2, 2)
    # Until H44.07 registers it is a placeholder under the root, holding its child.
    assert got["parents"]["H44.07"] == "H44"
    assert got["parents"]["H44.07.01"] == "H44.07"


def test_a_parent_that_is_a_typo_leaves_the_unit_under_its_prefix() -> None:
    tree = UnitTree.build("H44", [("H44", None, True), ("H44.07", "H44X", True)], [])
    assert tree.parent["H44.07"] == "H44"
    assert tree.subtree("H44") == {"H44", "H44.07"}


@pytest.mark.parametrize("order", list(itertools.permutations(["H44.07.01", "H44.07", "H44"])))
def test_the_tree_does_not_depend_on_the_order_codes_are_read(order: tuple[str, ...]) -> None:
    tree = UnitTree.build("H44", [], order)
    assert tree.parent == {"H44": None, "H44.07": "H44", "H44.07.01": "H44.07"}
    assert tree.subtree("H44.07") == {"H44.07", "H44.07.01"}


def test_registrations_in_a_loop_hang_under_the_root() -> None:
    tree = UnitTree.build("H44", [("H44.01", "H44.02", True), ("H44.02", "H44.01", True)], [])
    assert tree.subtree("H44") == {"H44", "H44.01", "H44.02"}


def test_a_prefix_only_unit_can_be_queried(tmp_path: Path) -> None:
    got = read(tmp_path, [[uploaded("H44.07.01", "D1")]], unit="H44.07")
    assert got["metrics"]["SO_HOA_GIAY_TO_GIAI_QUYET"] == (1, 1)
    assert [u["unit"] for u in got["indicators"]["units"]] == ["H44.07.01"]


def test_a_registered_unit_outside_the_prefix_is_read_in_its_root(tmp_path: Path) -> None:
    facts = [fact(f.agency("H44", None, "province")), fact(f.agency("X99", "H44"))]
    got = read(tmp_path, [facts, [uploaded("X99", "D1")]], unit="X99")
    assert got["indicators"]["unit"] == "X99"
    assert got["metrics"]["SO_HOA_GIAY_TO_GIAI_QUYET"] == (1, 1)


# -- 9: ELECTRONIC_CERTIFIED_COPY counts the unit itself -------------------------------------


def test_a_root_that_never_registered_still_counts_itself(tmp_path: Path) -> None:
    got = read(tmp_path, [[fact(f.agency("H44.01", "H44")), uploaded("H44.01", "D1")]])
    assert got["metrics"]["ELECTRONIC_CERTIFIED_COPY"] == (1, 2)


# -- 6: verified reuse whatever the order ---------------------------------------------------


@pytest.mark.slow
def test_a_claim_is_verified_by_a_result_scan_that_arrives_later(tmp_path: Path) -> None:
    claim = fact(
        f.received(
            "H44.01",
            "D2",
            applicant_id="001099000123",  # not D1's applicant: only the document links them
            components=[
                {
                    "component_code": "TP1",
                    "origin": "reused_component",
                    "source": {"document_code": SHA},
                }
            ],
        )
    )
    scanned = fact(
        f.envelope(
            "result.scanned",
            "H44.01",
            "D1",
            {"result_code": "KQ1", "scanned_at": f.T0, "object": f.obj("H44/k.jpg", b"x")},
        ),
        {"status": "stored", "sha256": SHA, "phash": "0" * 16},
    )
    first = [uploaded("H44.01", "D1")]
    claim_first = read(tmp_path, [first, [claim], [scanned]])["reuse"]
    scan_first = read(tmp_path, [first, [scanned], [claim]])["reuse"]
    assert [r["verified"] for r in claim_first] == [True]
    assert claim_first == scan_first


# -- 8: equal instants are broken by event_id -----------------------------------------------


def test_two_statuses_at_the_same_instant(tmp_path: Path) -> None:
    d1 = uploaded("H44.01", "D1")
    statuses = [
        fact(
            f.envelope("dossier.status_changed", "H44.01", "D1", {"status": s, "changed_at": f.T0})
        )
        for s in (4, 10)
    ]
    winner = max(statuses, key=lambda s: s["event_id"])["data"]["status"]
    for n, (a, b) in enumerate((statuses, statuses[::-1])):
        completed = asyncio.run(_completed(tmp_path / f"c{n}.db", [[d1], [a], [b]]))
        assert completed == (1 if winner == 10 else 0)


async def _completed(db: Path, batches: list[list[Fact]]) -> int:
    engine = make_engine(f"sqlite+aiosqlite:///{db}")
    try:
        await create_tables(engine, tables.metadata)
        for batch in batches:
            await Projection(engine).apply(batch)
        found = await IndicatorReader(engine).indicators("H44", *PERIOD, policy="completed")
        return int(found["metrics"][0]["denominator"])
    finally:
        await engine.dispose()


def test_two_registrations_at_the_same_instant(tmp_path: Path) -> None:
    regs = []
    for certified in (True, False):
        reg = f.agency("H44.01", "H44")
        reg["data"]["certified_copy_service"] = certified
        regs.append(fact(reg))
    root = fact(f.agency("H44", None, "province"))
    answers = [
        read(tmp_path, [[root], [a], [b]])["metrics"]["ELECTRONIC_CERTIFIED_COPY"]
        for a, b in (regs, regs[::-1])
    ]
    assert answers[0] == answers[1]
    winner = max(regs, key=lambda r: r["event_id"])
    assert answers[0] == (2 if winner["data"]["certified_copy_service"] else 1, 2)


def test_two_assignments_at_the_same_instant(tmp_path: Path) -> None:
    assigned = []
    for facing in (True, False):
        a = f.procedure("H44.01", "1.001234")
        a["data"]["citizen_facing"] = facing
        assigned.append(fact(a))
    d1 = uploaded("H44.01", "D1")
    answers = [
        read(tmp_path, [[d1], [a], [b]])["metrics"]["CITIZEN_DATA_CONNECTED_FORMALITY"]
        for a, b in (assigned, assigned[::-1])
    ]
    assert answers[0] == answers[1]


# -- 3: missed reuse stays within a root ----------------------------------------------------


def test_missed_reuse_never_matches_another_roots_file() -> None:
    def stored(root: str, dossier: str, at: str) -> StoredFile:
        return StoredFile(root, dossier, "component", "TP1", dossier, at, SHA, "0" * 16)

    earlier = stored("H45", "H45-SECRET", "2026-03-01T08:00:00+07:00")
    later = stored("H44", "H44-D1", "2026-03-02T08:00:00+07:00")
    assert find_missed([earlier, later], 6) == []
    same_root = stored("H44", "H44-D0", "2026-03-01T08:00:00+07:00")
    assert [m.earlier.dossier_code for m in find_missed([earlier, same_root, later], 6)] == [
        "H44-D0"
    ]


def month_end(first: date) -> date:
    """The last day of a month, given its first day."""
    if first.month == 12:
        return date(first.year, 12, 31)
    return date.fromordinal(date(first.year, first.month + 1, 1).toordinal() - 1)


# -- 7: the calendar's extremes -------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(9999, 12, 5), date(9999, 12, 31)),
        (date(1, 1, 1), date(1, 1, 1)),
        (date(1, 1, 1), date(9999, 12, 31)),
        (date(9999, 12, 31), date(9999, 12, 31)),
        (date(1, 1, 2), date(1, 1, 30)),
    ],
)
def test_split_period_reaches_the_ends_of_the_calendar(start: date, end: date) -> None:
    days, months = split_period(start, end)
    spans = list(days)
    if months is not None:
        spans.append((months[0], month_end(months[1])))
    spans.sort()
    assert spans[0][0] == start
    assert spans[-1][1] == end
    for (_, last), (first, _) in itertools.pairwise(spans):
        assert first.toordinal() == last.toordinal() + 1
