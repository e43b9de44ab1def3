"""Reading the console's pages and workbooks back into figures, to compare them with the
API's."""

from __future__ import annotations

import io
from html.parser import HTMLParser

from openpyxl import load_workbook


class _Tables(HTMLParser):
    """Collects the cell texts of one table (by id), row by row."""

    def __init__(self, table_id: str) -> None:
        super().__init__()
        self.table_id = table_id
        self.depth = 0  # tables entered since the wanted one started
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            if self.depth or dict(attrs).get("id") == self.table_id:
                self.depth += 1
        elif self.depth and tag == "tr":
            self.rows.append([])
        elif self.depth and tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self.depth:
            self.depth -= 1
        elif self.depth and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def table(html: str, table_id: str) -> list[list[str]]:
    """The rows (cell texts, header rows included) of the table with this id."""
    parser = _Tables(table_id)
    parser.feed(html)
    return parser.rows


def figure(text: str, lang: str = "vi") -> float | None:
    """A number as the console shows it ('1.237,50', '46,97%', '—') back as a number."""
    text = text.strip().rstrip("%").strip()
    if text in ("—", ""):
        return None
    text = text.replace(".", "").replace(",", ".") if lang == "vi" else text.replace(",", "")
    return float(text)


def metric_cells(cells: list[str], lang: str = "vi") -> dict[str, float | None]:
    """numerator, denominator, ratio, score of an indicator row of the unit table."""
    score_text = cells[5].split("/")[0]
    return {
        "numerator": figure(cells[2], lang),
        "denominator": figure(cells[3], lang),
        "ratio": figure(cells[4], lang),
        "score": figure(score_text, lang),
    }


def xlsx_rows(content: bytes) -> list[list[str]]:
    """The first sheet's cells written as the CSV writes them (two decimals for ratios and
    scores, which a workbook stores as plain numbers)."""
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    two = [str(h).endswith(("ratio", "score")) and h != "max_score" for h in rows[0]]
    return [
        [
            "" if v is None else f"{v:.2f}" if two[i] and i and r is not rows[0] else str(v)
            for i, v in enumerate(r)
        ]
        for r in rows
    ]
