"""Renders indicator objects as a terminal table, JSON or CSV."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rich import box
from rich.table import Table

from services.reuse.csvreport import indicators_csv
from services.reuse.natural import natural_key
from services.reuse.pull import points_lost

# Five characters at most, so a row of every score fits a 100-column terminal.
SHORT = {
    "ORIGINAL_RESULT_AVAILABLE": "e-res",
    "SO_HOA_GIAY_TO_GIAI_QUYET": "digit",
    "REUSED_DIGITIZED_DATA": "reuse",
    "SYNCED_WITH_DVCQG_PERSONAL_STORAGE": "wareh",
    "CITIZEN_DATA_CONNECTED_DOSSIER": "pop.d",
    "CITIZEN_DATA_CONNECTED_FORMALITY": "pop.p",
    "ELECTRONIC_CERTIFIED_COPY": "copy",
}
LEGEND = (
    "e-res ORIGINAL_RESULT_AVAILABLE /6 · digit SO_HOA_GIAY_TO_GIAI_QUYET /4 · reuse "
    "REUSED_DIGITIZED_DATA /2 · wareh SYNCED_WITH_DVCQG_PERSONAL_STORAGE /4 · pop.d "
    "CITIZEN_DATA_CONNECTED_DOSSIER /2 · pop.p CITIZEN_DATA_CONNECTED_FORMALITY /2 · copy "
    "ELECTRONIC_CERTIFIED_COPY /2"
)
WIDTH = 100


def rows_of(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The unit's object followed by its children's (when broken down)."""
    return [result, *result.get("units", [])]


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def detail(result: dict[str, Any], title: str) -> Table:
    """One unit: each indicator with numerator, denominator, ratio and score."""
    out = Table(title=title, title_justify="left")
    for name, justify in (
        ("indicator", "left"),
        ("numerator", "right"),
        ("denominator", "right"),
        ("ratio %", "right"),
        ("score", "right"),
        ("max", "right"),
    ):
        out.add_column(name, justify=justify)  # type: ignore[arg-type]
    for m in result["metrics"]:
        out.add_row(
            m["code"],
            str(m["numerator"]),
            str(m["denominator"]),
            _fmt(m["ratio"]),
            _fmt(m["score"]),
            str(m["max_score"]),
        )
    out.add_row(
        "TOTAL",
        "",
        "",
        _fmt(result["ratio"]),
        _fmt(result["total_score"]),
        str(result["max_score"]),
        style="bold",
    )
    return out


def _scores_table(title: str, lost: bool) -> Table:
    out = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, caption=LEGEND)
    out.caption_justify = "left"
    out.add_column("unit", no_wrap=True)
    out.add_column("doss.", justify="right")
    for name in SHORT.values():
        out.add_column(name, justify="right")
    out.add_column("/22", justify="right", style="bold")
    out.add_column("%", justify="right")
    if lost:
        out.add_column("lost", justify="right")
    return out


def _score_cells(r: dict[str, Any]) -> list[str]:
    return [
        r["unit"],
        str(r["metrics"][0]["denominator"]),
        *(_fmt(m["score"]) for m in r["metrics"]),
        _fmt(r["total_score"]),
        _fmt(r["ratio"]),
    ]


def table(results: Iterable[dict[str, Any]], title: str) -> Table:
    """One row per unit in natural code order: dossiers, the score of each indicator, total
    out of 22 and ratio (fits 100 columns)."""
    out = _scores_table(title, lost=False)
    for r in sorted(results, key=lambda r: natural_key(r["unit"])):
        out.add_row(*_score_cells(r))
    return out


def pulling_down(result: dict[str, Any], count: int = 10) -> list[tuple[dict[str, Any], float]]:
    """The `count` direct children that cost the unit most points, most first (ties in
    natural code order), each with the points it costs."""
    dossiers = result["metrics"][0]["denominator"]
    ranked = [(u, points_lost(u, dossiers)) for u in result.get("units", [])]
    ranked.sort(key=lambda p: (-p[1], natural_key(p[0]["unit"])))
    return ranked[:count]


def pulling_table(result: dict[str, Any], title: str, count: int = 10) -> Table:
    """The units that pull the unit's score down most, with the points each costs, listed
    in natural code order like every other list of units (the points column ranks them)."""
    out = _scores_table(title, lost=True)
    chosen = sorted(pulling_down(result, count), key=lambda p: natural_key(p[0]["unit"]))
    for unit, lost in chosen:
        out.add_row(*_score_cells(unit), _fmt(lost))
    return out


def write_units_csv(units: dict[str, dict[str, Any]], path: Path) -> Path:
    """Every unit's indicator object as one CSV (the API's columns), natural code order."""
    ordered = sorted(units.values(), key=lambda r: natural_key(r["unit"]))
    text = indicators_csv({**ordered[0], "units": ordered[1:]}) if ordered else ""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def to_json(result: dict[str, Any]) -> str:
    """The API's JSON."""
    return json.dumps(result, ensure_ascii=False, indent=2)


def to_csv(result: dict[str, Any]) -> str:
    """One row per unit, a column per indicator part (the API's CSV writer)."""
    return indicators_csv(result)


def missed(summaries: Iterable[dict[str, Any]], title: str) -> Table:
    """Missed reuse per unit, and the reuse figure the unit would have had without it."""
    out = Table(title=title, title_justify="left")
    out.add_column("unit", no_wrap=True)
    for name in (
        "scanned again",
        "in dossiers",
        "reuse %",
        "score",
        "had reused %",
        "score",
        "verified",
    ):
        out.add_column(name, justify="right")
    for s in summaries:
        reuse, could = s["reuse"], s["reuse_without_missed"]
        out.add_row(
            s["unit"],
            str(s["missed_components"]),
            str(s["missed_dossiers"]),
            _fmt(reuse["ratio"]),
            _fmt(reuse["score"]),
            _fmt(could["ratio"]),
            _fmt(could["score"]),
            f"{s['verified_components']}/{s['reuse_components']}",
        )
    return out
