"""Isolation between roots as a tested rule: two provinces share an applicant and a scanned
paper, and nothing any /v1 endpoint answers, to any role, about one root names a dossier,
unit, applicant or file of the other (docs/api.md, "Isolation between roots"). Also: a registered
unit outside its root's prefix is read with that root's token, and the calendar's extreme
dates answer 200. On SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from typing import Any

import pytest
from fastapi import FastAPI

from schemas.internal import Fact, FileOutcome
from services.ingest.normalize import to_fact
from services.ingest.pseudonymize import ApplicantHasher
from services.reuse.api import router
from services.reuse.indicators import METRICS
from tests.support import factories as f

from .served import Served, database, served

HASHER = ApplicantHasher(b"i" * 32)
SHARED_APPLICANT = "079203009999"
SHA_SHARED = "d" * 64  # the same paper, scanned in H45 first and in H44 later
SHA_H45 = "e" * 64  # a file only H45 stored; an H44 claim names it
ROLES = ("auditor", "province:H44", "province:H45")
UNITS = {"H44": ("H44", "H44.01", "X99"), "H45": ("H45", "H45.02")}
PERIOD = {"from": "2026-01-01", "to": "2026-12-31"}
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def fact(root: str, event: dict[str, Any], outcome: FileOutcome | None = None) -> Fact:
    source = {"topic": f"dossier-events.{root}", "partition": 0, "offset": 0}
    out = to_fact(event, root, source, b"{}", HASHER)  # type: ignore[arg-type]
    if outcome is not None:
        out["file"] = outcome
    return out


def stored(sha: str) -> FileOutcome:
    return {"status": "stored", "sha256": sha, "phash": "0f" * 8, "pages": 1}


def scan(root: str, unit: str, dossier: str, sha: str, at: str) -> Fact:
    event = f.scanned(unit, dossier, f.obj(f"{root}/{dossier}.jpg", b"x"))
    event["data"]["scanned_at"] = at
    return fact(root, event, stored(sha))


def two_roots() -> list[Fact]:
    """H45 scans the applicant's paper first; H44 scans it again and claims an H45 file."""
    secret = f.received("H45.02", "H45-SECRET-DOSSIER", SHARED_APPLICANT)
    h44 = f.received("H44.01", "H44-D1", SHARED_APPLICANT)
    claim = f.received(
        "H44.01",
        "H44-D2",
        SHARED_APPLICANT,
        [
            {
                "component_code": "TP1",
                "origin": "reused_component",
                "source": {"document_code": SHA_H45},
            }
        ],
    )
    outside = f.received("X99", "H44-D3", "001099000123")
    return [
        fact("H44", f.agency("H44", None, "province")),
        fact("H44", f.agency("H44.01", "H44")),
        fact("H44", f.agency("X99", "H44")),
        fact("H44", f.procedure("H44.01")),
        fact("H45", f.agency("H45", None, "province")),
        fact("H45", f.agency("H45.02", "H45")),
        fact("H45", f.procedure("H45.02")),
        fact("H45", secret),
        scan("H45", "H45.02", "H45-SECRET-DOSSIER", SHA_SHARED, "2026-03-01T08:00:00+07:00"),
        fact(
            "H45",
            f.scanned("H45.02", "H45-SECRET-DOSSIER", f.obj("H45/x.jpg", b"y"), "TP9"),
            stored(SHA_H45),
        ),
        fact("H44", h44),
        scan("H44", "H44.01", "H44-D1", SHA_SHARED, "2026-03-05T08:00:00+07:00"),
        fact("H44", claim),
        fact("H44", outside),
    ]


@pytest.fixture(scope="module", params=BACKENDS)
async def api(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Served]:
    tmp = tmp_path_factory.mktemp(f"isolation-{request.param}")
    async with database(request.param, tmp) as url, served(url, [two_roots()], ROLES) as s:
        yield s


def requests(unit: str, period: dict[str, str] = PERIOD) -> list[tuple[str, dict[str, str]]]:
    """Every endpoint, with and without breakdown, and explain for every indicator."""
    base = {"unit": unit, **period}
    out = [
        ("/v1/indicators", base),
        ("/v1/indicators", {**base, "breakdown": "children"}),
        ("/v1/indicators", {**base, "breakdown": "children", "format": "csv"}),
        ("/v1/reuse", base),
        ("/v1/missed-reuse", base),
        ("/v1/missed-reuse", {**base, "breakdown": "children"}),
    ]
    out += [("/v1/explain", {**base, "indicator": spec.code}) for spec in METRICS]
    return out


def foreign_marks(root: str) -> list[str]:
    """Strings an answer about `root` must never contain: the other root's codes (its
    dossiers' codes start with it) and the applicant's hash."""
    other = "H45" if root == "H44" else "H44"
    return [other, HASHER.hash(SHARED_APPLICANT)]


@pytest.mark.slow
async def test_no_answer_names_another_root(api: Served) -> None:
    for root, units in UNITS.items():
        for unit in units:
            for path, params in requests(unit):
                for role in ROLES:
                    got = await api.get(path, role, **params)
                    allowed = role in ("auditor", f"province:{root}")
                    assert got.status_code == (200 if allowed else 403), (path, params, role)
                    if not allowed:
                        assert "H45-SECRET" not in got.text
                        continue
                    for mark in foreign_marks(root):
                        assert mark not in got.text, (path, params, role, mark)


async def test_missed_and_verified_reuse_are_matched_within_a_root(api: Served) -> None:
    missed = (await api.get("/v1/missed-reuse", "auditor", unit="H44", **PERIOD)).json()
    assert missed["missed_components"] == 0
    assert missed["items"] == []
    reuse = (await api.get("/v1/reuse", "auditor", unit="H44", **PERIOD)).json()
    assert [(r["verified"], r["source_unit"]) for r in reuse["items"]] == [(False, None)]


async def test_a_unit_outside_the_prefix_is_read_with_its_roots_token(api: Served) -> None:
    for role, status in (("auditor", 200), ("province:H44", 200), ("province:H45", 403)):
        got = await api.get("/v1/indicators", role, unit="X99", **PERIOD)
        assert got.status_code == status, role
    got = await api.get("/v1/indicators", "province:H44", unit="X99", **PERIOD)
    assert got.json()["metrics"][0]["denominator"] == 1


@pytest.mark.parametrize(
    "period",
    [
        {"from": "9999-12-05", "to": "9999-12-31"},
        {"from": "0001-01-01", "to": "0001-01-01"},
        {"from": "0001-01-01", "to": "9999-12-31"},
    ],
)
@pytest.mark.slow
async def test_the_calendars_extremes_answer(api: Served, period: dict[str, str]) -> None:
    for path, params in requests("H44", period):
        got = await api.get(path, "auditor", **params)
        assert got.status_code == 200, (path, params, got.text)


def date_examples() -> tuple[list[str], list[str]]:
    """The `from` and `to` examples of the OpenAPI document (schemathesis tries them)."""
    app = FastAPI()
    app.include_router(router)  # the document needs no state: nothing is served
    params = {p["name"]: p for p in app.openapi()["paths"]["/v1/indicators"]["get"]["parameters"]}
    return params["from"]["schema"]["examples"], params["to"]["schema"]["examples"]


@pytest.mark.slow
async def test_every_pair_of_example_dates_answers_without_a_server_error(api: Served) -> None:
    starts, ends = date_examples()
    assert {"0001-01-01", "9999-12-31"} <= set(starts) & set(ends)
    for start, end in itertools.product(starts, ends):
        for path, params in requests("H44", {"from": start, "to": end}):
            got = await api.get(path, "auditor", **params)
            expected = 200 if start <= end else 422
            assert got.status_code == expected, (path, params, got.text)
