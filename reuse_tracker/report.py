"""Renders indicator objects as a terminal table, JSON or CSV."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from rich.table import Table

from services.reuse.csvreport import indicators_csv

SHORT = {
    "ORIGINAL_RESULT_AVAILABLE": "e-result",
    "SO_HOA_GIAY_TO_GIAI_QUYET": "digitized",
    "REUSED_DIGITIZED_DATA": "reuse",
    "SYNCED_WITH_DVCQG_PERSONAL_STORAGE": "warehouse",
    "CITIZEN_DATA_CONNECTED_DOSSIER": "citizen data",
    "CITIZEN_DATA_CONNECTED_FORMALITY": "citizen proc.",
    "ELECTRONIC_CERTIFIED_COPY": "cert. copy",
}


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


def table(results: Iterable[dict[str, Any]], title: str) -> Table:
    """One row per unit: dossiers, the score of each indicator, total out of 22 and ratio."""
    out = Table(title=title, title_justify="left")
    out.add_column("unit", no_wrap=True)
    out.add_column("dossiers", justify="right")
    for name in SHORT.values():
        out.add_column(name, justify="right")
    out.add_column("total /22", justify="right", style="bold")
    out.add_column("%", justify="right")
    for r in results:
        out.add_row(
            r["unit"],
            str(r["metrics"][0]["denominator"]),
            *(_fmt(m["score"]) for m in r["metrics"]),
            _fmt(r["total_score"]),
            _fmt(r["ratio"]),
        )
    return out


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
        "without missed %",
        "score",
        "claims verified",
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
