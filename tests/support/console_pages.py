"""Reading the console's pages back into figures, to compare them with the API's."""

from __future__ import annotations

from html.parser import HTMLParser


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
