"""The ground truth: the exact indicators of INDICATORS.md from the simulator's own records.

An independent oracle: it reads :mod:`~reuse_tracker.simulator.facts` records (what the
simulator decided to generate) and never replays events through tracker code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from reuse_tracker.simulator.catalogue import Catalogue
from reuse_tracker.simulator.facts import FILE_ORIGINS, REUSE_ORIGINS, DossierFact, ScanFact
from reuse_tracker.simulator.rounding import half_up

__all__ = [
    "MAX_SCORE",
    "METRICS",
    "DossierView",
    "compute_truth",
    "evaluate",
    "metric",
    "unit_indicators",
]

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

METRICS: tuple[tuple[str, int, Fraction], ...] = (
    ("ORIGINAL_RESULT_AVAILABLE", 6, Fraction(1)),
    ("SO_HOA_GIAY_TO_GIAI_QUYET", 4, Fraction(1)),
    ("REUSED_DIGITIZED_DATA", 2, Fraction(4, 5)),
    ("SYNCED_WITH_DVCQG_PERSONAL_STORAGE", 4, Fraction(1)),
    ("CITIZEN_DATA_CONNECTED_DOSSIER", 2, Fraction(1)),
    ("CITIZEN_DATA_CONNECTED_FORMALITY", 2, Fraction(1)),
    ("ELECTRONIC_CERTIFIED_COPY", 2, Fraction(1)),
)
"""(code, max score, share that earns full marks), in the published order."""

MAX_SCORE = sum(m for _, m, _ in METRICS)


@dataclass(frozen=True)
class DossierView:
    """One dossier reduced to what the indicators ask of it."""

    code: str
    unit: str
    procedure_code: str
    received_on: date
    e_result: bool
    digitized: bool
    reused: bool
    synced: bool
    citizen_data: bool
    missed_reuse: int


def _stored(scans: Iterable[ScanFact], target: str) -> list[ScanFact]:
    return [s for s in scans if s.target == target and s.outcome == "stored"]


def _earliest_stored_paper(dossiers: Iterable[DossierFact]) -> dict[str, datetime]:
    earliest: dict[str, datetime] = {}
    for d in dossiers:
        scans = [*d.scans, *(s for r in d.results for s in r.scans)]
        for s in scans:
            if s.outcome != "stored" or s.paper is None:
                continue
            if s.paper not in earliest or s.at < earliest[s.paper]:
                earliest[s.paper] = s.at
    return earliest


def evaluate(
    d: DossierFact, catalogue: Catalogue, earliest_paper: Mapping[str, datetime]
) -> DossierView:
    """Reduce a dossier: the latest intake (by occurred_at) wins; supplements add components."""
    intake = max(d.intakes, key=lambda i: i.occurred_at)
    components = (*intake.components, *d.supplements)
    procedure = catalogue.procedure_by_code[intake.procedure_code]

    has_file = False
    missed = 0
    for c in components:
        stored = _stored(d.scans, c.code)
        if c.origin in FILE_ORIGINS or stored:
            has_file = True
        if stored:
            first = min(stored, key=lambda s: s.at)
            paper = first.paper
            if paper is not None and earliest_paper.get(paper, first.at) < first.at:
                missed += 1

    def e_file(file: str | None, file_url: bool) -> bool:
        return file == "stored" or file_url

    e_result = any(r.electronic and e_file(r.file, r.file_url) for r in d.results)
    result_digitized = any(
        (r.electronic and e_file(r.file, r.file_url)) or any(s.outcome == "stored" for s in r.scans)
        for r in d.results
    )
    digitized = has_file and (result_digitized or not procedure.result_document_required)
    origins = {c.origin for c in components}
    return DossierView(
        code=d.code,
        unit=d.unit,
        procedure_code=intake.procedure_code,
        received_on=intake.received_at.astimezone(LOCAL_TZ).date(),
        e_result=e_result,
        digitized=digitized,
        reused=bool(origins & REUSE_ORIGINS),
        synced="personal_warehouse" in origins or any(r.pushed for r in d.results),
        citizen_data=(
            intake.vneid_authenticated
            or intake.population_data_used
            or "personal_warehouse" in origins
        ),
        missed_reuse=missed,
    )


def _json_number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def metric(code: str, numerator: int, denominator: int) -> dict[str, Any]:
    """One metric object; ratio and score are exact Decimals rounded half up (None for 0/0)."""
    max_score, full = next((m, f) for c, m, f in METRICS if c == code)
    ratio: Decimal | None = None
    score: Decimal | None = None
    if denominator:
        share = Fraction(numerator, denominator)
        ratio = half_up(share * 100)
        score = half_up(max_score * min(Fraction(1), share / full))
    return {
        "code": code,
        "numerator": numerator,
        "denominator": denominator,
        "ratio": ratio,
        "score": score,
        "max_score": max_score,
    }


def _finish(unit: str, start: date, end: date, metrics: list[dict[str, Any]]) -> dict[str, Any]:
    total = sum((m["score"] or Decimal(0) for m in metrics), Decimal(0))
    for m in metrics:
        m["ratio"] = _json_number(m["ratio"])
        m["score"] = _json_number(m["score"])
    return {
        "unit": unit,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "total_score": float(half_up(Fraction(total))),
        "max_score": MAX_SCORE,
        "ratio": float(half_up(Fraction(total) * 100 / MAX_SCORE)),
        "metrics": metrics,
    }


def unit_indicators(
    catalogue: Catalogue, views: Iterable[DossierView], unit: str, start: date, end: date
) -> dict[str, Any]:
    """The indicator object of INDICATORS.md for ``unit`` and its subtree over [start, end]."""
    subtree = catalogue.subtree(unit)
    received = [v for v in views if v.unit in subtree and start <= v.received_on <= end]
    n = len(received)
    citizen_procedures = {
        p
        for u, p in catalogue.assignments
        if u in subtree and catalogue.procedure_by_code[p].citizen_facing
    }
    connected = {v.procedure_code for v in received if v.citizen_data} & citizen_procedures
    units = [catalogue.by_code[u] for u in sorted(subtree)]
    metrics = [
        metric("ORIGINAL_RESULT_AVAILABLE", sum(v.e_result for v in received), n),
        metric("SO_HOA_GIAY_TO_GIAI_QUYET", sum(v.digitized for v in received), n),
        metric("REUSED_DIGITIZED_DATA", sum(v.reused for v in received), n),
        metric("SYNCED_WITH_DVCQG_PERSONAL_STORAGE", sum(v.synced for v in received), n),
        metric("CITIZEN_DATA_CONNECTED_DOSSIER", sum(v.citizen_data for v in received), n),
        metric("CITIZEN_DATA_CONNECTED_FORMALITY", len(connected), len(citizen_procedures)),
        metric(
            "ELECTRONIC_CERTIFIED_COPY",
            sum(u.certified_copy_service for u in units),
            len(units),
        ),
    ]
    return _finish(unit, start, end, metrics)


def evaluate_all(catalogue: Catalogue, dossiers: Iterable[DossierFact]) -> list[DossierView]:
    """Every dossier reduced (missed reuse needs all of them at once)."""
    facts = list(dossiers)
    earliest = _earliest_stored_paper(facts)
    return [evaluate(d, catalogue, earliest) for d in facts]


def compute_truth(
    catalogue: Catalogue, dossiers: Iterable[DossierFact], period: tuple[date, date]
) -> dict[str, dict[str, Any]]:
    """For every unit: ``indicators`` (the exact object), ``missed_reuse``, ``dossiers`` in R."""
    start, end = period
    views = evaluate_all(catalogue, dossiers)
    by_unit: dict[str, list[DossierView]] = {}
    for v in views:
        by_unit.setdefault(v.unit, []).append(v)
    out: dict[str, dict[str, Any]] = {}
    for unit in sorted(catalogue.by_code, key=_unit_order):
        subtree = catalogue.subtree(unit)
        mine = [v for u in subtree for v in by_unit.get(u, ())]
        in_period = [v for v in mine if start <= v.received_on <= end]
        out[unit] = {
            "indicators": unit_indicators(catalogue, mine, unit, start, end),
            "missed_reuse": sum(v.missed_reuse for v in in_period),
            "dossiers": len(in_period),
            "children": list(catalogue.children.get(unit, ())),
        }
    return out


def _unit_order(code: str) -> tuple[int, tuple[str, ...]]:
    parts = code.split(".")
    return (len(parts), tuple(p.zfill(8) for p in parts))
