"""The auditor API's endpoints (CONTRACT.md, "What the tracker answers").

A module-level router: each endpoint gets the engine, reader and default policy from the
app's `ApiState` (state.py) through dependencies, and its token's role from `authenticate`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Response, status
from fastapi.exceptions import RequestValidationError

from .. import evidence
from ..csvreport import indicators_csv
from ..indicators import UnknownUnit
from ..tokens import Role
from ..units import UnitTree
from ..vocabulary import IndicatorCode
from .auth import Auth, require_read
from .models import Explanation, Indicators, MissedReusePage, Problem, ReusePage
from .params import (
    BreakdownParam,
    DenominatorParam,
    LimitParam,
    OffsetParam,
)
from .params import UnitPeriod as Period
from .params import unit_period as period
from .state import Api, ApiState

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "No token, or an invalid or revoked one."},
    403: {"model": Problem, "description": "A province token asking outside its tree."},
    404: {"model": Problem, "description": "A unit the tracker has never seen."},
}
CSV_EXAMPLE = (
    "unit,from,to,ORIGINAL_RESULT_AVAILABLE_numerator,ORIGINAL_RESULT_AVAILABLE_denominator,"
    "ORIGINAL_RESULT_AVAILABLE_ratio,ORIGINAL_RESULT_AVAILABLE_score,...,total_score,"
    "max_score,ratio\nH44,2026-01-01,2026-09-30,812,1237,65.64,3.94,...,14.21,22,64.59\n"
)

router = APIRouter(prefix="/v1", tags=["auditor"], responses=ERRORS)

Scope = Annotated[Period, Depends(period)]
FormatParam = Annotated[
    Literal["json", "csv"], Query(alias="format", description="`json` (default) or `csv`.")
]
IndicatorParam = Annotated[IndicatorCode, Query(description="The portal's code of the indicator.")]
CountedParam = Annotated[
    bool | None, Query(description="Only those counted (true) or not counted (false).")
]


def _unknown(unit: str) -> HTTPException:
    return HTTPException(
        status.HTTP_404_NOT_FOUND,
        detail=f"unknown unit {unit}: not registered and seen in no event",
    )


async def _root_of(api: ApiState, role: Role, q: Period) -> str:
    """The root of the unit's tree, once the role may read it (403 otherwise)."""
    root = await api.source.root_of(q.unit)
    require_read(role, root, q.unit)
    return root


async def _tree_of(api: ApiState, role: Role, q: Period) -> UnitTree:
    """The unit's readable tree (404 when the tree does not hold the unit)."""
    tree = await api.source.tree(await _root_of(api, role, q))
    if not tree.contains(q.unit):
        raise _unknown(q.unit)
    return tree


def _scope(tree: UnitTree, q: Period) -> evidence.Scope:
    return evidence.Scope.of(tree, q.unit, q.start, q.end)


def _period_fields(q: Period) -> dict[str, Any]:
    return {"unit": q.unit, "from": q.start, "to": q.end}


def _page_fields(total: int, limit: int, offset: int, items: Any) -> dict[str, Any]:
    return {"total": total, "limit": limit, "offset": offset, "items": items}


@router.get(
    "/indicators",
    response_model=Indicators,
    response_model_exclude_unset=True,
    summary="The seven digitization indicators of a unit",
    description="For the unit and its whole subtree, over dossiers received from `from` to "
    "`to` inclusive (local dates): each indicator's numerator, denominator, ratio and "
    "score with the portal's codes, the total out of 22 and its ratio. "
    "`breakdown=children` adds the same object for each direct child unit; `format=csv` "
    "answers one CSV row per unit (the unit, then its children) with, per indicator, "
    "`<CODE>_numerator`, `<CODE>_denominator`, `<CODE>_ratio`, `<CODE>_score`, then "
    "`total_score`, `max_score`, `ratio`.",
    responses={200: {"content": {"text/csv": {"example": CSV_EXAMPLE}}}},
)
async def indicators(
    role: Auth,
    q: Scope,
    api: Api,
    breakdown: BreakdownParam = None,
    fmt: FormatParam = "json",
    denominator: DenominatorParam = None,
) -> Any:
    """The indicators of the unit (and its children), as JSON or one CSV row per unit."""
    await _root_of(api, role, q)
    try:
        result = await api.source.indicators(
            q.unit,
            q.start,
            q.end,
            breakdown=breakdown == "children",
            policy=api.policy(denominator),
        )
    except UnknownUnit:
        raise _unknown(q.unit) from None
    if fmt == "csv":
        name = f"indicators-{q.unit}-{q.start}-{q.end}.csv"
        return Response(
            indicators_csv(result),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'inline; filename="{name}"'},
        )
    return result


@router.get(
    "/reuse",
    response_model=ReusePage,
    summary="Reuse evidence: one row per reused component",
    description="Every component of origin reused_component, reused_result, "
    "personal_warehouse or national_db in the dossiers of the unit's subtree received in "
    "the period: the reusing dossier and unit, the component, its origin, the source "
    "document, result, dossier or database it names, the source's unit, and whether the "
    "tracker could verify the source (it stored the document or result named). Ordered by "
    "day received, dossier and component; paged with limit and offset.",
)
async def reuse(
    role: Auth, q: Scope, api: Api, limit: LimitParam = 100, offset: OffsetParam = 0
) -> dict[str, Any]:
    """One page of the reuse edges of the unit's subtree in the period."""
    tree = await _tree_of(api, role, q)
    page = await evidence.reuse_rows(api.engine, _scope(tree, q), limit, offset)
    return {
        **_period_fields(q),
        "verified": page.verified,
        **_page_fields(page.total, limit, offset, page.items),
    }


@router.get(
    "/missed-reuse",
    response_model=MissedReusePage,
    response_model_exclude_unset=True,
    summary="Missed reuse: components digitized again",
    description="Components scanned again although a document with the same content was "
    "already digitized for the same applicant (same SHA-256, or a perceptual hash within "
    "a small Hamming distance), in the dossiers of the unit's subtree received in the "
    "period: how many, in how many dossiers, the reuse indicator as computed and as it "
    "would have been had every such dossier reused, and the evidence (both documents) "
    "one row per component, paged. Applicant hashes are never shown.",
)
async def missed_reuse(
    role: Auth,
    q: Scope,
    api: Api,
    breakdown: BreakdownParam = None,
    denominator: DenominatorParam = None,
    limit: LimitParam = 100,
    offset: OffsetParam = 0,
) -> dict[str, Any]:
    """The missed-reuse summary of the unit (and its children) and one page of its rows."""
    policy = api.policy(denominator)
    tree = await _tree_of(api, role, q)
    try:
        summary = await api.source.missed_summary(
            q.unit, q.start, q.end, breakdown=breakdown == "children", policy=policy
        )
    except UnknownUnit:
        raise _unknown(q.unit) from None
    page = await evidence.missed_rows(api.engine, _scope(tree, q), limit, offset, policy=policy)
    return {
        **summary,
        "policy": policy,
        **_page_fields(page.total, limit, offset, page.items),
    }


@router.get(
    "/explain",
    response_model=Explanation,
    response_model_exclude_unset=True,
    summary="Explain an indicator: what counted and why not",
    description="For a dossier-level indicator, the dossiers of the period (per the "
    "denominator policy) counted and not counted, each with the precise reason (no "
    "component with a file, result required but not digitized, no electronic result "
    "issued, result issued but not electronic, no reuse and missed reuse, not synced, no "
    "citizen data connected); for CITIZEN_DATA_CONNECTED_FORMALITY the citizen-facing "
    "procedures; for ELECTRONIC_CERTIFIED_COPY the registered units. `numerator` and "
    "`denominator` equal the indicator's; `counted` filters; paged with limit and offset.",
)
async def explain(
    role: Auth,
    q: Scope,
    api: Api,
    indicator: IndicatorParam,
    counted: CountedParam = None,
    denominator: DenominatorParam = None,
    limit: LimitParam = 100,
    offset: OffsetParam = 0,
) -> dict[str, Any]:
    """Which dossiers (procedures, units) an indicator counted and why the others not."""
    policy = api.policy(denominator)
    tree = await _tree_of(api, role, q)
    try:
        found = await evidence.explain(
            api.engine,
            tree,
            _scope(tree, q),
            indicator,
            policy=policy,
            counted=counted,
            limit=limit,
            offset=offset,
        )
    except ValueError as exc:  # defensive: the parameters are checked already
        raise RequestValidationError(
            [{"type": "value_error", "loc": ("query", "indicator"), "msg": str(exc)}]
        ) from None
    return {
        **_period_fields(q),
        "indicator": indicator,
        "policy": policy,
        "counts": found.counts,
        "numerator": found.numerator,
        "denominator": found.denominator,
        "counted": counted,
        **_page_fields(found.total, limit, offset, found.items),
    }
