"""Renders indicator objects as a terminal table, JSON or CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from rich.table import Table

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


def _cell(metric: dict[str, Any]) -> str:
    if metric["ratio"] is None:
        return "—"
    return f"{metric['ratio']:.2f}% · {metric['score']:.2f}"


def table(results: Iterable[dict[str, Any]], title: str) -> Table:
    """A rich table: one row per unit, ratio and score per indicator, total out of 22."""
    out = Table(title=title, title_justify="left")
    out.add_column("unit", no_wrap=True)
    out.add_column("dossiers", justify="right")
    for name in SHORT.values():
        out.add_column(f"{name}\n% · pts", justify="right")
    out.add_column("total\n/22", justify="right", style="bold")
    for r in results:
        out.add_row(
            r["unit"],
            str(r["metrics"][0]["denominator"]),
            *(_cell(m) for m in r["metrics"]),
            f"{r['total_score']:.2f}",
        )
    return out


def to_json(result: dict[str, Any]) -> str:
    """The API's JSON."""
    return json.dumps(result, ensure_ascii=False, indent=2)


def to_csv(result: dict[str, Any]) -> str:
    """One line per unit and indicator."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(
        ["unit", "from", "to", "code", "numerator", "denominator", "ratio", "score", "max_score"]
    )
    for r in rows_of(result):
        for m in r["metrics"]:
            writer.writerow(
                [
                    r["unit"],
                    r["from"],
                    r["to"],
                    m["code"],
                    m["numerator"],
                    m["denominator"],
                    "" if m["ratio"] is None else f"{m['ratio']:.2f}",
                    "" if m["score"] is None else f"{m['score']:.2f}",
                    m["max_score"],
                ]
            )
        writer.writerow(
            [
                r["unit"],
                r["from"],
                r["to"],
                "TOTAL",
                "",
                "",
                f"{r['ratio']:.2f}",
                f"{r['total_score']:.2f}",
                r["max_score"],
            ]
        )
    return buf.getvalue()
