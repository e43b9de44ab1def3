"""Query parameters shared by the endpoints, checked with messages that say what is wrong."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import Depends, Query
from fastapi.exceptions import RequestValidationError

from ..vocabulary import Policy

# CONTRACT.md: agency_code is ^[A-Z0-9][A-Z0-9.-]{0,31}$.
UNIT_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9.-]{0,31}$")
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_LIMIT = 1000
MAX_OFFSET = 1_000_000_000

DenominatorParam = Annotated[
    Policy | None,
    Query(
        alias="denominator",
        description="Denominator policy: every dossier received in the period (`received`, the "
        "portal's practice), only those completed (status 9 or 10), or only those whose "
        "procedure requires a result document (`result_required`). Default: the service's "
        "`TRACKER_DENOMINATOR_POLICY` (`received` unless set).",
    ),
]
BreakdownParam = Annotated[
    Literal["children", "none"] | None,
    Query(description="`children`: also the same object for each direct child unit."),
]
LimitParam = Annotated[
    int, Query(ge=1, le=MAX_LIMIT, description=f"Rows per page, 1 to {MAX_LIMIT}.")
]
OffsetParam = Annotated[
    int, Query(ge=0, le=MAX_OFFSET, description="Rows to skip before the page starts.")
]


@dataclass(frozen=True)
class UnitPeriod:
    """The checked `unit`, `from` and `to` parameters: a unit and an inclusive period of local
    receipt dates (evidence.Scope is the same once the unit's tree is known)."""

    unit: str
    start: date
    end: date


def _error(name: str, message: str, value: str) -> dict[str, Any]:
    return {"type": "value_error", "loc": ("query", name), "msg": message, "input": value}


def _parse_date(name: str, value: str, errors: list[dict[str, Any]]) -> date | None:
    if not DATE_PATTERN.fullmatch(value):
        errors.append(
            _error(name, f"{name} must be a local date written YYYY-MM-DD, e.g. 2026-01-01", value)
        )
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        errors.append(_error(name, f"{name} is not a calendar date: {exc}", value))
        return None


def unit_period(
    unit: Annotated[
        str,
        Query(
            description="Unit code (mã định danh), e.g. `H44` or `H44.07`; the unit and its "
            "whole subtree count.",
            examples=["H44"],
        ),
    ],
    start: Annotated[
        str,
        Query(
            alias="from",
            description="First local day of receipt (YYYY-MM-DD, Asia/Ho_Chi_Minh), inclusive.",
            # The calendar's ends too, so generated requests try them (they once gave 500).
            examples=["2026-01-01", "0001-01-01", "9999-12-05", "9999-12-31"],
        ),
    ],
    end: Annotated[
        str,
        Query(
            alias="to",
            description="Last local day of receipt (YYYY-MM-DD, Asia/Ho_Chi_Minh), inclusive.",
            examples=["2026-09-30", "9999-12-31", "0001-01-01"],
        ),
    ],
) -> UnitPeriod:
    """The `unit`, `from` and `to` parameters, checked together."""
    errors: list[dict[str, Any]] = []
    if not UNIT_PATTERN.fullmatch(unit):
        errors.append(
            _error(
                "unit",
                "unit must be a unit code such as H44 or H44.07: 1 to 32 characters A-Z, 0-9, "
                "'.' or '-', starting with a letter or digit",
                unit,
            )
        )
    first = _parse_date("from", start, errors)
    last = _parse_date("to", end, errors)
    if first is not None and last is not None and first > last:
        errors.append(_error("from", f"from ({first}) is after to ({last})", start))
    if errors:
        raise RequestValidationError(errors)
    assert first is not None and last is not None  # noqa: PT018 - narrowed by the errors check
    return UnitPeriod(unit, first, last)


UnitPeriodParam = Annotated[UnitPeriod, Depends(unit_period)]
"""The `unit`, `from` and `to` parameters of an endpoint, as one checked UnitPeriod."""
