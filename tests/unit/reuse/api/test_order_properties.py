"""Order independence as a property of the whole system: for random small provinces (children
registered before parents, a parent never registered, a unit outside the prefix, units moved
by re-registration, ties at one instant, corrections, scans, results, statuses and reuse
claims), every endpoint answers the same whatever the delivery order, batching and
redelivery, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from schemas.internal import Fact, FileOutcome
from services.common.db import create_tables, make_engine
from services.ingest.normalize import to_fact
from services.ingest.pseudonymize import ApplicantHasher
from services.reuse import tables
from services.reuse.indicators import METRICS
from tests.support import factories as f
from tests.support.pg import fresh_database
from tests.unit.reuse.redelivery import redelivered

from .served import served

HASHER = ApplicantHasher(b"p" * 32)
ROOT = "H44"
# (code, parent): H44.01.02 may arrive before H44.01; H44.05 never registers; X99 lies
# outside the prefix; H44.03 is only seen in dossiers.
CATALOGUE = (
    ("H44", None),
    ("H44.01", "H44"),
    ("H44.01.02", "H44.01"),
    ("H44.05.01", "H44.05"),
    ("X99", "H44"),
)
DOSSIER_UNITS = ("H44", "H44.01", "H44.01.02", "H44.05.01", "X99", "H44.03", "H44.07.01")
QUERIED = ("H44", "H44.01", "H44.05", "X99", "H44.07")
ORIGINS = ("paper", "scanned", "uploaded", "reused_component", "reused_result", "national_db")
SHAS = tuple(c * 64 for c in "abc")
PHASHES = ("f0f0f0f0f0f0f0f0", "f0f0f0f0f0f0f0f1", "0f0f0f0f0f0f0f0f")
INSTANTS = tuple(f"2026-03-0{d}T08:00:00+07:00" for d in (2, 3))
PERIOD = {"from": "2026-01-01", "to": "2026-12-31"}
EXAMPLES = 6


def fact(event: dict[str, Any], outcome: FileOutcome | None = None) -> Fact:
    source = {"topic": f"dossier-events.{ROOT}", "partition": 0, "offset": 0}
    out = to_fact(event, ROOT, source, b"{}", HASHER)  # type: ignore[arg-type]
    if outcome is not None:
        out["file"] = outcome
    return out


@st.composite
def provinces(draw: st.DrawFn) -> list[Fact]:
    """A catalogue and a few dossiers of one root, in a natural (sorted) order."""
    facts: list[Fact] = []
    for code, parent in CATALOGUE:
        if code == ROOT and not draw(st.booleans()):
            continue  # a root that never registers itself
        reg = f.agency(code, parent, "province" if parent is None else "department")
        reg["occurred_at"] = draw(st.sampled_from(INSTANTS))
        reg["data"]["certified_copy_service"] = draw(st.booleans())
        facts.append(fact(reg))
    if draw(st.booleans()):  # H44.01.02 moves under H44.05.01, perhaps at the same instant
        moved = f.agency("H44.01.02", "H44.05.01")
        moved["occurred_at"] = draw(st.sampled_from(INSTANTS))
        facts.append(fact(moved))
    for unit in draw(st.sets(st.sampled_from(DOSSIER_UNITS), max_size=3)):
        assign = f.procedure(unit, "1.1")
        assign["data"]["citizen_facing"] = draw(st.booleans())
        facts.append(fact(assign))
    for n in range(draw(st.integers(1, 4))):
        facts += draw(dossier(n))
    return facts


@st.composite
def dossier(draw: st.DrawFn, n: int) -> list[Fact]:
    """A dossier with its corrections, scans, results and statuses."""
    unit = draw(st.sampled_from(DOSSIER_UNITS))
    code = f"D{n}"
    out: list[Fact] = []
    components: list[str] = []
    for _ in range(draw(st.integers(1, 2))):
        origins = draw(st.lists(st.sampled_from(ORIGINS), max_size=2))
        comps = []
        for j, origin in enumerate(origins):
            comp: dict[str, Any] = {"component_code": f"TP{j}", "origin": origin}
            if origin == "reused_component":
                comp["source"] = {"document_code": draw(st.sampled_from(SHAS))}
            elif origin == "reused_result":
                comp["source"] = {"result_code": f"KQ{draw(st.integers(0, 3))}"}
            comps.append(comp)
        components = [c["component_code"] for c in comps]
        event = f.received(unit, code, f"07920300000{draw(st.integers(0, 1))}", comps)
        event["data"]["received_at"] = f"2026-03-0{draw(st.integers(1, 9))}T10:00:00+07:00"
        event["occurred_at"] = draw(st.sampled_from(INSTANTS))
        out.append(fact(event))
    for k, component in enumerate(
        draw(st.lists(st.sampled_from([*components, "TPZ"]), max_size=2))
    ):
        scan = f.scanned(unit, code, f.obj(f"{ROOT}/{code}-{k}.jpg", b"x"), component)
        scan["data"]["scanned_at"] = f"2026-03-0{draw(st.integers(1, 9))}T11:00:00+07:00"
        outcome: FileOutcome = {
            "status": "stored",
            "sha256": draw(st.sampled_from(SHAS)),
            "phash": draw(st.sampled_from(PHASHES)),
            "pages": 1,
        }
        out.append(fact(scan, outcome))
    if draw(st.booleans()):
        result = f"KQ{n}"
        issued = {"result_code": result, "issued_at": INSTANTS[0], "electronic": False}
        out.append(fact(f.envelope("result.issued", unit, code, issued), {"status": "none"}))
        if draw(st.booleans()):
            rescan = {
                "result_code": result,
                "scanned_at": INSTANTS[1],
                "object": f.obj(f"{ROOT}/{result}.jpg", b"r"),
            }
            stored: FileOutcome = {
                "status": "stored",
                "sha256": draw(st.sampled_from(SHAS)),
                "phash": PHASHES[2],
                "pages": 1,
            }
            out.append(fact(f.envelope("result.scanned", unit, code, rescan), stored))
        if draw(st.booleans()):
            pushed = {"result_code": result, "pushed_at": INSTANTS[1]}
            out.append(fact(f.envelope("result.pushed_to_warehouse", unit, code, pushed)))
    for status in draw(st.lists(st.integers(1, 10), max_size=2)):
        changed = {"status": status, "changed_at": draw(st.sampled_from(INSTANTS))}
        out.append(fact(f.envelope("dossier.status_changed", unit, code, changed)))
    return out


def requests() -> Iterator[tuple[str, dict[str, str]]]:
    """Every endpoint for every queried unit."""
    for unit in QUERIED:
        base = {"unit": unit, **PERIOD}
        yield "/v1/indicators", base
        yield "/v1/indicators", {**base, "breakdown": "children"}
        yield "/v1/indicators", {**base, "breakdown": "children", "denominator": "completed"}
        yield "/v1/reuse", {**base, "limit": "1000"}
        yield "/v1/missed-reuse", {**base, "breakdown": "children", "limit": "1000"}
        for spec in METRICS:
            yield "/v1/explain", {**base, "indicator": spec.code, "limit": "1000"}


async def answers(url: str, batches: list[list[Fact]]) -> list[tuple[int, Any]]:
    """Every endpoint's answer after projecting the batches into an emptied database."""
    engine = make_engine(url)
    try:
        await create_tables(engine, tables.metadata)
        async with engine.begin() as conn:
            for table in reversed(tables.metadata.sorted_tables):
                await conn.execute(delete(table))
    finally:
        await engine.dispose()
    async with served(url, batches, ["auditor"]) as api:
        return [
            (got.status_code, got.json())
            for path, params in requests()
            for got in [await api.get(path, "auditor", **params)]
        ]


def explained_as_computed(found: list[tuple[int, Any]]) -> None:
    """Every explain answer has the numerator and denominator of the indicator it explains."""
    figures: dict[str, dict[str, tuple[int, int]]] = {}
    for (path, params), (status, body) in zip(requests(), found, strict=True):
        if status != 200:
            continue
        if path == "/v1/indicators" and "denominator" not in params:
            figures[params["unit"]] = {
                m["code"]: (m["numerator"], m["denominator"]) for m in body["metrics"]
            }
        elif path == "/v1/explain":
            pair = (body["numerator"], body["denominator"])
            assert figures[params["unit"]][params["indicator"]] == pair, params


def check(url: str, facts: list[Fact], seed: int) -> None:
    in_order = asyncio.run(answers(url, [facts]))
    assert any(status == 200 for status, _ in in_order)
    explained_as_computed(in_order)
    any_order = asyncio.run(answers(url, redelivered(facts, seed)))
    assert any_order == in_order
    one_by_one = asyncio.run(answers(url, [[x] for x in reversed(facts)]))
    assert one_by_one == in_order


PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@PROPERTY
@given(provinces(), st.integers(0, 2**32))
@pytest.mark.slow
def test_every_endpoint_ignores_order_on_sqlite(facts: list[Fact], seed: int) -> None:
    shm = "/dev/shm" if Path("/dev/shm").is_dir() else None
    with tempfile.TemporaryDirectory(dir=shm) as tmp:
        check(f"sqlite+aiosqlite:///{Path(tmp) / 'p.db'}", facts, seed)


@pytest.fixture(scope="module")
async def pg_url() -> Any:
    async with fresh_database("tracker_order") as url:
        yield url


@pytest.mark.postgres
@PROPERTY
@given(facts=provinces(), seed=st.integers(0, 2**32))
def test_every_endpoint_ignores_order_on_postgres(
    pg_url: str, facts: list[Fact], seed: int
) -> None:
    check(pg_url, facts, seed)
