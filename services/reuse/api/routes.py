"""The auditor API's endpoints (CONTRACT.md, "What the tracker answers").

No `from __future__ import annotations` here: FastAPI reads the endpoints' annotations, and
they name dependencies local to `api_router`, which only evaluated annotations can see.
"""

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Response, status
from fastapi.exceptions import RequestValidationError
from sqlalchemy.ext.asyncio import AsyncEngine

from .. import evidence
from ..csvreport import indicators_csv
from ..indicators import IndicatorReader, UnknownUnit
from ..tokens import Role
from ..units import UnitTree
from ..vocabulary import IndicatorCode
from .auth import authenticator, require_read
from .models import Explanation, Indicators, MissedReusePage, Problem, ReusePage
from .params import (
    BreakdownParam,
    DenominatorParam,
    LimitParam,
    OffsetParam,
)
from .params import UnitPeriod as Period
from .params import unit_period as period

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


def _unknown(unit: str) -> HTTPException:
    return HTTPException(
        status.HTTP_404_NOT_FOUND,
        detail=f"unknown unit {unit}: not registered and seen in no event",
    )


def api_router(
    engine: AsyncEngine,
    reader: IndicatorReader | None = None,
    *,
    default_policy: str = "received",
    on_token_use: Callable[[int], None] | None = None,
) -> APIRouter:
    """The /v1 endpoints, reading the projection through `engine` (and `reader`).

    The service passes a read-only engine (services.common.db.make_read_engine): no request
    takes the write lock, so none waits or fails while the projection writes. Each accepted
    token's id goes to `on_token_use` (the service's TokenUsage.seen).
    """
    source = reader or IndicatorReader(engine)
    authenticate = authenticator(engine, on_token_use)
    router = APIRouter(prefix="/v1", tags=["auditor"], responses=ERRORS)
    Auth = Annotated[Role, Depends(authenticate)]
    Scope = Annotated[Period, Depends(period)]

    async def root_of(role: Role, q: Period) -> str:
        root = await source.root_of(q.unit)
        require_read(role, root, q.unit)
        return root

    async def tree_of(role: Role, q: Period) -> UnitTree:
        tree = await source.tree(await root_of(role, q))
        if not tree.contains(q.unit):
            raise _unknown(q.unit)
        return tree

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
        breakdown: BreakdownParam = None,
        fmt: Annotated[
            Literal["json", "csv"],
            Query(alias="format", description="`json` (default) or `csv`."),
        ] = "json",
        denominator: DenominatorParam = None,
    ) -> Any:
        policy = denominator or default_policy
        await root_of(role, q)
        try:
            result = await source.indicators(
                q.unit, q.start, q.end, breakdown=breakdown == "children", policy=policy
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
        role: Auth, q: Scope, limit: LimitParam = 100, offset: OffsetParam = 0
    ) -> dict[str, Any]:
        tree = await tree_of(role, q)
        page = await evidence.reuse_rows(
            engine, evidence.Scope.of(tree, q.unit, q.start, q.end), limit, offset
        )
        return {
            "unit": q.unit,
            "from": q.start,
            "to": q.end,
            "total": page.total,
            "verified": page.verified,
            "limit": limit,
            "offset": offset,
            "items": page.items,
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
        breakdown: BreakdownParam = None,
        denominator: DenominatorParam = None,
        limit: LimitParam = 100,
        offset: OffsetParam = 0,
    ) -> dict[str, Any]:
        policy = denominator or default_policy
        tree = await tree_of(role, q)
        try:
            summary = await source.missed_summary(
                q.unit, q.start, q.end, breakdown=breakdown == "children", policy=policy
            )
        except UnknownUnit:
            raise _unknown(q.unit) from None
        page = await evidence.missed_rows(
            engine, evidence.Scope.of(tree, q.unit, q.start, q.end), limit, offset, policy=policy
        )
        return {
            **summary,
            "policy": policy,
            "total": page.total,
            "limit": limit,
            "offset": offset,
            "items": page.items,
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
        indicator: Annotated[
            IndicatorCode, Query(description="The portal's code of the indicator.")
        ],
        counted: Annotated[
            bool | None, Query(description="Only those counted (true) or not counted (false).")
        ] = None,
        denominator: DenominatorParam = None,
        limit: LimitParam = 100,
        offset: OffsetParam = 0,
    ) -> dict[str, Any]:
        policy = denominator or default_policy
        tree = await tree_of(role, q)
        try:
            found = await evidence.explain(
                engine,
                tree,
                evidence.Scope.of(tree, q.unit, q.start, q.end),
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
            "unit": q.unit,
            "from": q.start,
            "to": q.end,
            "indicator": indicator,
            "policy": policy,
            "counts": found.counts,
            "numerator": found.numerator,
            "denominator": found.denominator,
            "counted": counted,
            "total": found.total,
            "limit": limit,
            "offset": offset,
            "items": found.items,
        }

    return router
