"""The ground truth on a tiny hand-made province, every number computed by hand."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from reuse_tracker.simulator.catalogue import Catalogue, Procedure, Unit
from reuse_tracker.simulator.facts import (
    ComponentFact,
    DossierFact,
    FileOutcome,
    IntakeFact,
    ResultFact,
    ScanFact,
)
from reuse_tracker.simulator.truth import METRICS, compute_truth, metric

PERIOD = (date(2026, 1, 1), date(2026, 1, 31))

CATALOGUE = Catalogue(
    root="R",
    units=(
        Unit("R", "UBND tỉnh R", None, "province", True),
        Unit("R.01", "Sở Tư pháp", "R", "department", True),
        Unit("R.02", "Sở Ngoại vụ", "R", "department", True),
        Unit("R.100", "UBND xã Một", "R", "commune", True),
        Unit("R.101", "UBND xã Hai", "R", "commune", False),
    ),
    procedures=(
        Procedure("1.000001", "P1", "citizen", True, ("CCCD",), 1),
        Procedure("1.000002", "P2", "business", False, ("DON",), 1),
        Procedure("1.000003", "P3", "citizen", True, ("DON",), 1),
        Procedure("1.000004", "P4", "both", False, ("DON",), 1),
    ),
    assignments=(
        ("R.100", "1.000001"),
        ("R.101", "1.000001"),
        ("R.01", "1.000002"),
        ("R.01", "1.000003"),
        ("R.101", "1.000004"),
        ("R.02", "1.000002"),
    ),
)


def t(text: str) -> datetime:
    return datetime.fromisoformat(text)


def c(code: str, origin: str) -> ComponentFact:
    return ComponentFact(code, origin, "CCCD")


def scan(target: str, at: str, outcome: FileOutcome = "stored", paper: str = "") -> ScanFact:
    return ScanFact(target, t(at), outcome, paper or f"paper-{target}")


def intake(
    received: str,
    procedure: str,
    components: tuple[ComponentFact, ...],
    occurred: str | None = None,
    vneid: bool = False,
    population: bool = False,
    kind: str = "citizen",
) -> IntakeFact:
    return IntakeFact(
        event_id=f"id-{occurred or received}",
        occurred_at=t(occurred or received),
        procedure_code=procedure,
        channel="counter",
        received_at=t(received),
        applicant_kind=kind,
        vneid_authenticated=vneid,
        population_data_used=population,
        components=components,
    )


def result(
    code: str,
    electronic: bool,
    file: FileOutcome | None = None,
    file_url: bool = False,
    scans: tuple[ScanFact, ...] = (),
    pushed: bool = False,
) -> ResultFact:
    return ResultFact(
        code, t("2026-02-10T09:00:00+07:00"), electronic, file, file_url, scans, pushed
    )


def dossier(
    code: str,
    unit: str,
    intakes: tuple[IntakeFact, ...],
    scans: tuple[ScanFact, ...] = (),
    results: tuple[ResultFact, ...] = (),
) -> DossierFact:
    return DossierFact(code, unit, "applicant", intakes, (), scans, results, (2,))


P1, P2, P3, P4 = "1.000001", "1.000002", "1.000003", "1.000004"

DOSSIERS = [
    # In: 00:15 local on the first day (the UTC date is the day before).
    dossier(
        "D1",
        "R.100",
        (intake("2026-01-01T00:15:00+07:00", P1, (c("A", "scanned"), c("B", "paper"))),),
        scans=(scan("A", "2026-01-01T00:20:00+07:00"),),
        results=(result("K1", True, file="stored"),),
    ),
    # Out: 23:30 local the day before; everything positive, and its scan of pX comes first.
    dossier(
        "D2",
        "R.100",
        (intake("2025-12-31T23:30:00+07:00", P1, (c("X", "scanned"),), vneid=True),),
        scans=(scan("X", "2025-12-31T23:40:00+07:00", paper="pX"),),
        results=(result("K2", True, file_url=True, pushed=True),),
    ),
    # Corrected (the later occurred_at wins, listed first on purpose); rescans pX: missed reuse;
    # its only result scan failed.
    dossier(
        "D3",
        "R.100",
        (
            intake(
                "2026-01-10T09:00:00+07:00",
                P1,
                (c("C", "scanned"), c("E", "personal_warehouse")),
                occurred="2026-01-10T09:30:00+07:00",
                population=True,
            ),
            intake("2026-01-10T09:00:00+07:00", P1, (c("C", "scanned"), c("E", "paper"))),
        ),
        scans=(scan("C", "2026-01-10T09:05:00+07:00", paper="pX"),),
        results=(
            result(
                "K3", False, scans=(scan("K3", "2026-01-12T09:00:00+07:00", "checksum_mismatch"),)
            ),
        ),
    ),
    # In: 23:30 local on the last day. A failed scan then a good retry; a failed e-result
    # file but a scanned paper result that was pushed.
    dossier(
        "D4",
        "R.101",
        (intake("2026-01-31T23:30:00+07:00", P1, (c("F", "scanned"),), vneid=True),),
        scans=(
            scan("F", "2026-01-31T23:35:00+07:00", "checksum_mismatch"),
            scan("F", "2026-01-31T23:50:00+07:00"),
        ),
        results=(
            result("K4a", True, file="object_missing"),
            result("K4b", False, scans=(scan("K4b", "2026-02-12T09:00:00+07:00"),), pushed=True),
        ),
    ),
    # Out: 00:15 local the day after (the UTC date is the last day); citizen data on P4.
    dossier(
        "D5",
        "R.101",
        (intake("2026-02-01T00:15:00+07:00", P4, (c("G", "uploaded"),), population=True),),
        results=(result("K5", True, file="stored", pushed=True),),
    ),
    dossier(
        "D6",
        "R.01",
        (
            intake(
                "2026-01-15T10:00:00+07:00",
                P2,
                (c("G", "national_db"), c("H", "paper")),
                kind="business",
            ),
        ),
    ),
    dossier(
        "D7",
        "R.01",
        (
            intake(
                "2026-01-20T14:00:00+07:00", P3, (c("I", "uploaded"), c("J", "scanned")), vneid=True
            ),
        ),
        scans=(scan("J", "2026-01-20T14:05:00+07:00", "object_missing"),),
        results=(result("K7", True, file_url=True),),
    ),
    dossier(
        "D8",
        "R.01",
        (intake("2026-01-21T08:00:00+07:00", P3, (c("K", "reused_component"), c("L", "paper"))),),
        scans=(scan("L", "2026-01-21T08:05:00+07:00", "invalid_object_key"),),
    ),
    # pM stored here first; pO only failed here.
    dossier(
        "D9",
        "R.100",
        (intake("2026-01-05T10:00:00+07:00", P1, (c("M", "scanned"), c("Q", "scanned"))),),
        scans=(
            scan("M", "2026-01-05T10:05:00+07:00", paper="pM"),
            scan("Q", "2026-01-05T10:06:00+07:00", "checksum_mismatch", paper="pO"),
        ),
    ),
    # N rescans pM (missed reuse); O is the first stored scan of pO (not missed).
    dossier(
        "D10",
        "R.100",
        (intake("2026-01-06T10:00:00+07:00", P1, (c("N", "scanned"), c("O", "scanned"))),),
        scans=(
            scan("N", "2026-01-06T10:05:00+07:00", paper="pM"),
            scan("O", "2026-01-06T10:06:00+07:00", paper="pO"),
        ),
        results=(result("K10", True, file="stored", pushed=True),),
    ),
]


def _metrics(entry: dict[str, Any]) -> dict[str, tuple[Any, ...]]:
    return {
        m["code"]: (m["numerator"], m["denominator"], m["ratio"], m["score"])
        for m in entry["indicators"]["metrics"]
    }


@pytest.fixture(scope="module")
def truth() -> dict[str, dict[str, Any]]:
    return compute_truth(CATALOGUE, DOSSIERS, PERIOD)


def test_commune_one(truth: dict[str, dict[str, Any]]) -> None:
    # R = D1, D3, D9, D10 (D2 is out).
    entry = truth["R.100"]
    assert _metrics(entry) == {
        "ORIGINAL_RESULT_AVAILABLE": (2, 4, 50.0, 3.0),  # D1, D10
        "SO_HOA_GIAY_TO_GIAI_QUYET": (2, 4, 50.0, 2.0),  # D1, D10 (D3's result scan failed)
        "REUSED_DIGITIZED_DATA": (1, 4, 25.0, 0.63),  # D3; 2 * 0.25 / 0.8 = 0.625 -> 0.63
        "SYNCED_WITH_DVCQG_PERSONAL_STORAGE": (2, 4, 50.0, 2.0),  # D3 warehouse, D10 pushed
        "CITIZEN_DATA_CONNECTED_DOSSIER": (1, 4, 25.0, 0.5),  # D3 (the correction's flags)
        "CITIZEN_DATA_CONNECTED_FORMALITY": (1, 1, 100.0, 2.0),  # P1
        "ELECTRONIC_CERTIFIED_COPY": (1, 1, 100.0, 2.0),
    }
    assert entry["indicators"]["total_score"] == 12.13
    assert entry["indicators"]["ratio"] == 55.14  # 1213 / 22 = 55.136...
    assert entry["missed_reuse"] == 2  # D3's C (pX from D2, out of the period), D10's N
    assert entry["dossiers"] == 4


def test_commune_two(truth: dict[str, dict[str, Any]]) -> None:
    # R = D4 only (D5 is out by its local date).
    entry = truth["R.101"]
    assert _metrics(entry) == {
        "ORIGINAL_RESULT_AVAILABLE": (0, 1, 0.0, 0.0),  # its e-result file is missing
        "SO_HOA_GIAY_TO_GIAI_QUYET": (1, 1, 100.0, 4.0),  # retried scan, scanned paper result
        "REUSED_DIGITIZED_DATA": (0, 1, 0.0, 0.0),
        "SYNCED_WITH_DVCQG_PERSONAL_STORAGE": (1, 1, 100.0, 4.0),
        "CITIZEN_DATA_CONNECTED_DOSSIER": (1, 1, 100.0, 2.0),
        "CITIZEN_DATA_CONNECTED_FORMALITY": (1, 2, 50.0, 1.0),  # P1 of {P1, P4}
        "ELECTRONIC_CERTIFIED_COPY": (0, 1, 0.0, 0.0),
    }
    assert entry["indicators"]["total_score"] == 11.0
    assert entry["indicators"]["ratio"] == 50.0
    assert entry["missed_reuse"] == 0


def test_department(truth: dict[str, dict[str, Any]]) -> None:
    entry = truth["R.01"]  # D6, D7, D8
    assert _metrics(entry) == {
        "ORIGINAL_RESULT_AVAILABLE": (1, 3, 33.33, 2.0),  # D7 (file_url)
        "SO_HOA_GIAY_TO_GIAI_QUYET": (1, 3, 33.33, 1.33),  # D7; D6 has no file, D8 no result
        "REUSED_DIGITIZED_DATA": (2, 3, 66.67, 1.67),  # D6 national_db, D8 reused_component
        "SYNCED_WITH_DVCQG_PERSONAL_STORAGE": (0, 3, 0.0, 0.0),
        "CITIZEN_DATA_CONNECTED_DOSSIER": (1, 3, 33.33, 0.67),
        "CITIZEN_DATA_CONNECTED_FORMALITY": (1, 1, 100.0, 2.0),  # P3 (P2 is not citizen-facing)
        "ELECTRONIC_CERTIFIED_COPY": (1, 1, 100.0, 2.0),
    }
    assert entry["indicators"]["total_score"] == 9.67
    assert entry["indicators"]["ratio"] == 43.95  # 967 / 22 = 43.954...


def test_unit_without_dossiers_has_nulls(truth: dict[str, dict[str, Any]]) -> None:
    entry = truth["R.02"]
    metrics = _metrics(entry)
    for code, _, _ in METRICS[:6]:
        assert metrics[code][2:] == (None, None), code
    assert metrics["ELECTRONIC_CERTIFIED_COPY"] == (1, 1, 100.0, 2.0)
    assert entry["indicators"]["total_score"] == 2.0
    assert entry["indicators"]["ratio"] == 9.09


def test_root_counts_distinct_procedures_and_every_unit(truth: dict[str, dict[str, Any]]) -> None:
    entry = truth["R"]
    assert _metrics(entry) == {
        "ORIGINAL_RESULT_AVAILABLE": (3, 8, 37.5, 2.25),
        "SO_HOA_GIAY_TO_GIAI_QUYET": (4, 8, 50.0, 2.0),  # D1, D10, D4, D7
        "REUSED_DIGITIZED_DATA": (3, 8, 37.5, 0.94),  # 2 * 0.375 / 0.8 = 0.9375
        "SYNCED_WITH_DVCQG_PERSONAL_STORAGE": (3, 8, 37.5, 1.5),
        "CITIZEN_DATA_CONNECTED_DOSSIER": (3, 8, 37.5, 0.75),
        "CITIZEN_DATA_CONNECTED_FORMALITY": (2, 3, 66.67, 1.33),  # P1, P3 of {P1, P3, P4}
        "ELECTRONIC_CERTIFIED_COPY": (4, 5, 80.0, 1.6),
    }
    assert entry["indicators"]["total_score"] == 10.37
    assert entry["indicators"]["ratio"] == 47.14  # 1037 / 22 = 47.136...
    assert entry["missed_reuse"] == 2
    assert entry["dossiers"] == 8
    assert sorted(entry["children"]) == ["R.01", "R.02", "R.100", "R.101"]


def test_the_indicator_object_shape(truth: dict[str, dict[str, Any]]) -> None:
    indicators = truth["R"]["indicators"]
    assert list(indicators) == [
        "unit",
        "from",
        "to",
        "total_score",
        "max_score",
        "ratio",
        "metrics",
    ]
    assert (indicators["unit"], indicators["from"], indicators["to"]) == (
        "R",
        "2026-01-01",
        "2026-01-31",
    )
    assert indicators["max_score"] == 22
    assert [m["code"] for m in indicators["metrics"]] == [code for code, _, _ in METRICS]
    assert [m["max_score"] for m in indicators["metrics"]] == [6, 4, 2, 4, 2, 2, 2]
    for m in indicators["metrics"]:
        assert list(m) == ["code", "numerator", "denominator", "ratio", "score", "max_score"]


def test_metric_arithmetic() -> None:
    m = metric("REUSED_DIGITIZED_DATA", 581, 1237)
    assert (m["ratio"], m["score"]) == (Decimal("46.97"), Decimal("1.17"))
    full = metric("REUSED_DIGITIZED_DATA", 9, 10)  # above 80%: full marks, no more
    assert full["score"] == 2
    empty = metric("ORIGINAL_RESULT_AVAILABLE", 0, 0)
    assert (empty["ratio"], empty["score"]) == (None, None)


def test_period_boundaries_follow_local_dates() -> None:
    january = compute_truth(CATALOGUE, DOSSIERS, PERIOD)
    february = compute_truth(CATALOGUE, DOSSIERS, (date(2026, 2, 1), date(2026, 2, 28)))
    december = compute_truth(CATALOGUE, DOSSIERS, (date(2025, 12, 1), date(2025, 12, 31)))
    assert january["R"]["dossiers"] == 8
    assert february["R"]["dossiers"] == 1  # D5
    assert december["R"]["dossiers"] == 1  # D2
