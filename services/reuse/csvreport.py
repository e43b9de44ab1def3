"""The indicators as CSV, one row per unit: the one writer of the API and the command line.

Columns: `unit`, `from`, `to`, then for each indicator in the portal's order
`<CODE>_numerator`, `<CODE>_denominator`, `<CODE>_ratio`, `<CODE>_score`, then `total_score`,
`max_score` and `ratio`. The first row is the unit asked for (its whole subtree), the next
rows its direct children when broken down. Ratios and scores have two decimals; an empty
denominator leaves its ratio and score empty.
"""

from __future__ import annotations

import csv
import io
from typing import Any

PARTS = ("numerator", "denominator", "ratio", "score")


def _two(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def header(codes: list[str]) -> list[str]:
    """The CSV header for indicators in this order."""
    return [
        "unit",
        "from",
        "to",
        *(f"{code}_{part}" for code in codes for part in PARTS),
        "total_score",
        "max_score",
        "ratio",
    ]


def indicators_csv(result: dict[str, Any]) -> str:
    """An indicator object (with its `units` when broken down) as CSV text."""
    codes = [m["code"] for m in result["metrics"]]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header(codes))
    for row in [result, *result.get("units", [])]:
        by_code = {m["code"]: m for m in row["metrics"]}
        cells: list[str | int] = [row["unit"], row["from"], row["to"]]
        for code in codes:
            m = by_code[code]
            cells += [m["numerator"], m["denominator"], _two(m["ratio"]), _two(m["score"])]
        cells += [_two(row["total_score"]), row["max_score"], _two(row["ratio"])]
        writer.writerow(cells)
    return buf.getvalue()
