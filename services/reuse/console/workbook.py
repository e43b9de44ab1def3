"""The indicator table as an Excel workbook: the CSV's columns, with numbers as numbers."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook

from ..csvreport import PARTS, header


def indicators_xlsx(result: dict[str, Any]) -> bytes:
    """An indicator object (and its `units` when broken down) as one worksheet.

    The same header and rows as `csvreport.indicators_csv`; an empty ratio or score is an
    empty cell, counts are integers and ratios and scores keep their two decimals.
    """
    codes = [m["code"] for m in result["metrics"]]
    book = Workbook()
    sheet = book.active
    sheet.title = "indicators"
    sheet.append(header(codes))
    for row in [result, *result.get("units", [])]:
        by_code = {m["code"]: m for m in row["metrics"]}
        cells: list[Any] = [row["unit"], row["from"], row["to"]]
        for code in codes:
            m = by_code[code]
            cells += [m[part] for part in PARTS]
        cells += [row["total_score"], row["max_score"], row["ratio"]]
        sheet.append(cells)
    for column, name in enumerate(header(codes), start=1):
        if name.endswith(("_ratio", "_score")) or name in ("total_score", "ratio"):
            for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
                cell.number_format = "0.00"
    sheet.freeze_panes = "B2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
