"""Times of the contract: RFC 3339 with an offset, local dates in Asia/Ho_Chi_Minh."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def parse_rfc3339(value: str) -> datetime:
    """Parse an RFC 3339 timestamp that carries an offset (validated upstream)."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(f"timestamp without offset: {value!r}")
    return parsed


def local_date(value: str | datetime) -> date:
    """The calendar day in Vietnam on which an instant falls."""
    moment = parse_rfc3339(value) if isinstance(value, str) else value
    return moment.astimezone(LOCAL_TZ).date()
