"""The simulated province's catalogue."""

from __future__ import annotations

import re
from collections import Counter

from reuse_tracker.simulator.catalogue import DOCUMENT_TYPES, build_catalogue


def test_h44_is_phu_tho_with_departments_and_communes() -> None:
    cat = build_catalogue("H44", 1)
    root = cat.by_code["H44"]
    assert (root.name, root.level, root.parent) == ("UBND tỉnh Phú Thọ", "province", None)
    departments = [u for u in cat.units if u.level == "department"]
    communes = [u for u in cat.units if u.level == "commune"]
    assert [u.code for u in departments] == [f"H44.{i:02d}" for i in range(1, 16)]
    assert [u.code for u in communes] == [f"H44.{i}" for i in range(100, 200)]
    assert departments[0].name == "Sở Tư pháp"
    assert any(u.name == "Sở Y tế" for u in departments)
    assert all(u.name.startswith("UBND xã ") for u in communes)
    assert len({u.name for u in communes}) == 100
    assert all(u.parent == "H44" for u in (*departments, *communes))
    certified = Counter(u.certified_copy_service for u in cat.units)
    assert certified[True] > 90
    assert 1 <= certified[False] <= 20
    assert set(cat.children["H44"]) == {u.code for u in (*departments, *communes)}
    assert cat.subtree("H44") == frozenset(cat.by_code)
    assert cat.subtree("H44.07") == frozenset({"H44.07"})


def test_procedures_are_realistic_and_assigned() -> None:
    cat = build_catalogue("H44", 1)
    assert 55 <= len(cat.procedures) <= 70
    codes = [p.code for p in cat.procedures]
    assert len(set(codes)) == len(codes)
    assert all(re.fullmatch(r"[12]\.\d{6}", c) for c in codes)
    assert any(p.name == "Đăng ký khai sinh" for p in cat.procedures)
    assert {p.citizen_facing for p in cat.procedures} == {True, False}
    assert {p.result_document_required for p in cat.procedures} == {True, False}
    assert all(d in DOCUMENT_TYPES for p in cat.procedures for d in p.documents)
    handlers = Counter(proc for _, proc in cat.assignments)
    assert set(handlers) == set(codes)  # every procedure is handled somewhere
    assert any(n > 1 for n in handlers.values())  # some by several units
    assert all(unit in cat.by_code for unit, _ in cat.assignments)
    assert not cat.procedures_of["H44"]
    assert all(cat.procedures_of[u.code] for u in cat.units if u.level == "commune")


def test_deterministic_and_parametrized_by_root() -> None:
    assert build_catalogue("H44", 3) == build_catalogue("H44", 3)
    assert build_catalogue("H44", 3) != build_catalogue("H44", 4)
    other = build_catalogue("H45", 3, departments=4, communes=10)
    assert all(u.code == "H45" or u.code.startswith("H45.") for u in other.units)
    assert other.by_code["H45"].name.startswith("UBND tỉnh ")
    assert len(other.units) == 1 + 4 + 10
    assert all(unit.startswith("H45.") for unit, _ in other.assignments)
    assert len(other.reregistered) == 2
