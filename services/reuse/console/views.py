"""The console's unit pages: indicators and their children, explanations, reuse, missed
reuse, the 12-month trend, and the indicators as CSV or Excel.

Every figure comes from the reader and evidence functions the API uses; this module only
chooses what to ask and renders the answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse

from .. import evidence
from ..csvreport import indicators_csv
from ..indicators import METRICS, UnknownUnit
from ..natural import natural_key
from ..pull import points_lost
from . import labels
from .auth import ConsoleError
from .chart import Series, line_chart
from .periods import last_months
from .unitpage import PAGE_ROWS, Page, Unit, UnitPage
from .workbook import indicators_xlsx

CODES = [spec.code for spec in METRICS]
SORTS = ("unit", "name", "total", "lost", *CODES)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

router = APIRouter(prefix="/console/units/{code}", include_in_schema=False)


def _sort_key(column: str, names: dict[str, str], dossiers: int) -> Callable[[dict[str, Any]], Any]:
    if column == "lost":
        return lambda u: (points_lost(u, dossiers), natural_key(u["unit"]))
    if column == "name":
        return lambda u: (names.get(u["unit"], ""), natural_key(u["unit"]))
    if column == "total":
        return lambda u: (u["total_score"], natural_key(u["unit"]))
    if column in CODES:
        index = CODES.index(column)

        def by_metric(u: dict[str, Any]) -> Any:
            m = u["metrics"][index]
            return (m["score"] is not None, m["score"] or 0, m["ratio"] or 0)

        return by_metric
    return lambda u: natural_key(u["unit"])


@router.get("", response_class=HTMLResponse)
async def unit_page(request: Request, unit: Unit) -> Response:
    """The unit's indicators and its children's, sorted by the column asked for."""
    result = await unit.indicators(breakdown=True)
    sort = request.query_params.get("sort", "unit")
    sort = sort if sort in SORTS else "unit"
    descending = request.query_params.get("dir") == "desc"
    dossiers = result["metrics"][0]["denominator"]
    children = sorted(
        result.get("units", []),
        key=_sort_key(sort, unit.shared["names"], dossiers),
        reverse=descending,
    )
    lost = {u["unit"]: points_lost(u, dossiers) for u in children}
    return unit.render(
        "unit.html",
        tab="indicators",
        result=result,
        children=children,
        lost=lost,
        keep={"sort": None if sort == "unit" else sort, "dir": "desc" if descending else None},
        sort=sort,
        descending=descending,
        codes=CODES,
    )


def explain_filter(request: Request) -> tuple[str, str]:
    """The `indicator` and `counted` parameters of the explanation (422 when unusable)."""
    indicator = request.query_params.get("indicator", "")
    if indicator not in CODES:
        raise ConsoleError(422, f"indicator must be one of {', '.join(CODES)}")
    counted = request.query_params.get("counted", "")
    if counted not in ("", "true", "false"):
        raise ConsoleError(422, "counted must be true, false or empty")
    return indicator, counted


# A dependency declared between the unit and the page: checked in that order.
Filter = Annotated[tuple[str, str], Depends(explain_filter)]


@router.get("/explain", response_class=HTMLResponse)
async def explain(unit: Unit, what: Filter, paging: Page) -> Response:
    """What an indicator counted and why not, one page of rows."""
    indicator, counted_raw = what
    counted = None if not counted_raw else counted_raw == "true"
    found = await evidence.explain(
        unit.console.engine,
        unit.tree,
        unit.scope,
        indicator,
        policy=unit.view.policy,
        counted=counted,
        limit=PAGE_ROWS,
        offset=paging.offset,
    )
    return unit.render(
        "explain.html",
        tab="indicators",
        indicator=indicator,
        counted=counted_raw,
        keep={"indicator": indicator, "counted": counted_raw or None},
        found=found,
        **paging.context(found.total),
    )


@router.get("/reuse", response_class=HTMLResponse)
async def reuse(unit: Unit, paging: Page) -> Response:
    """One page of the reuse edges of the unit's subtree."""
    rows = await evidence.reuse_rows(unit.console.engine, unit.scope, PAGE_ROWS, paging.offset)
    return unit.render("reuse.html", tab="reuse", rows=rows, **paging.context(rows.total))


@router.get("/missed", response_class=HTMLResponse)
async def missed(unit: Unit, paging: Page) -> Response:
    """The missed-reuse summary of the unit and its children, and one page of its rows."""
    span = unit.view.span
    try:
        summary = await unit.console.reader.missed_summary(
            unit.code, span.start, span.end, breakdown=True, policy=unit.view.policy
        )
    except UnknownUnit:
        raise unit.not_found() from None
    rows = await evidence.missed_rows(
        unit.console.engine, unit.scope, PAGE_ROWS, paging.offset, policy=unit.view.policy
    )
    return unit.render(
        "missed.html", tab="missed", summary=summary, rows=rows, **paging.context(rows.total)
    )


def _trend_charts(months: list[str], results: list[dict[str, Any]], lang: str) -> tuple[str, str]:
    """The total score by month (out of 22) and each indicator's score by month (out of 6)."""
    total = line_chart(
        labels.word("trend_total", lang),
        months,
        [Series("total", labels.word("total", lang), [r["total_score"] for r in results])],
        22,
    )
    each = line_chart(
        labels.word("trend_each", lang),
        months,
        [
            Series(
                f"m{i}",
                labels.indicator_name(c, lang),
                [r["metrics"][i]["score"] for r in results],
            )
            for i, c in enumerate(CODES)
        ],
        6,
    )
    return total, each


@router.get("/trend", response_class=HTMLResponse)
async def trend(unit: Unit) -> Response:
    """The unit's indicators over the 12 calendar months up to the end of the period."""
    months = last_months(unit.view.span.end)
    results = []
    for span in months:
        results.append(
            await unit.console.reader.indicators(
                unit.code, span.start, span.end, policy=unit.view.policy
            )
        )
    month_labels = [f"{m.start.month:02d}/{m.start.year % 100:02d}" for m in months]
    total_chart, each_chart = _trend_charts(month_labels, results, unit.view.lang)
    return unit.render(
        "trend.html",
        tab="trend",
        months=list(zip(months, results, strict=True)),
        total_chart=total_chart,
        each_chart=each_chart,
        codes=CODES,
    )


async def _download(
    unit: UnitPage, suffix: str, body: Callable[[dict[str, Any]], bytes | str], media_type: str
) -> Response:
    """The unit's indicators and its children's as a file to save."""
    result = await unit.indicators(breakdown=True)
    span = unit.view.span
    name = f"indicators-{unit.code}-{span.start}-{span.end}.{suffix}"
    return Response(
        body(result),
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/indicators.csv")
async def download_csv(unit: Unit) -> Response:
    """The indicators as CSV (the API's columns)."""
    return await _download(unit, "csv", indicators_csv, "text/csv; charset=utf-8")


@router.get("/indicators.xlsx")
async def download_xlsx(unit: Unit) -> Response:
    """The indicators as an Excel workbook."""
    return await _download(unit, "xlsx", indicators_xlsx, XLSX)
