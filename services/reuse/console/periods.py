"""Periods the console offers: presets relative to today in Vietnam, or custom dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from ..api.params import DATE_PATTERN

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
PRESETS = ("this_month", "this_quarter", "year_to_date", "last_year")


class BadPeriod(ValueError):
    """Dates the console cannot use; the message says why."""


@dataclass(frozen=True)
class Span:
    """An inclusive range of local dates."""

    start: date
    end: date


def today_in_vietnam() -> date:
    """The local date in Asia/Ho_Chi_Minh."""
    return datetime.now(UTC).astimezone(VIETNAM).date()


def preset(name: str, today: date) -> Span:
    """One of PRESETS, ending today (last year: the whole previous calendar year)."""
    if name == "this_month":
        return Span(today.replace(day=1), today)
    if name == "this_quarter":
        return Span(today.replace(month=3 * ((today.month - 1) // 3) + 1, day=1), today)
    if name == "year_to_date":
        return Span(today.replace(month=1, day=1), today)
    if name == "last_year":
        return Span(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31))
    raise BadPeriod(f"unknown preset {name!r}; one of {', '.join(PRESETS)}")


def _parse(name: str, text: str) -> date:
    if not DATE_PATTERN.fullmatch(text):
        raise BadPeriod(f"{name} must be a date written YYYY-MM-DD, e.g. 2026-01-01")
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise BadPeriod(f"{name} is not a calendar date: {exc}") from None


def chosen(start: str | None, end: str | None, today: date) -> Span:
    """The period of the query: both dates when given, else year to date."""
    if not start and not end:
        return preset("year_to_date", today)
    if not start or not end:
        raise BadPeriod("give both from and to, or neither")
    first, last = _parse("from", start), _parse("to", end)
    if first > last:
        raise BadPeriod(f"from ({first}) is after to ({last})")
    return Span(first, last)


def last_months(end: date, count: int = 12) -> list[Span]:
    """The `count` calendar months up to and including the month of `end`, oldest first."""
    spans: list[Span] = []
    first = end.replace(day=1)
    for _ in range(count):
        following = (first + timedelta(days=32)).replace(day=1)
        spans.append(Span(first, following - timedelta(days=1)))
        first = (first - timedelta(days=1)).replace(day=1)
    return spans[::-1]
