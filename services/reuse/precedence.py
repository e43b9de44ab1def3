"""Which of two versions of a catalogue or status fact wins, whatever the arrival order."""

from __future__ import annotations

from services.common.timeutil import parse_rfc3339


def later(a: str, b: str) -> bool:
    """Whether instant `a` is strictly later than `b` (RFC 3339 strings)."""
    return parse_rfc3339(a) > parse_rfc3339(b)


def newer(at: str, event_id: str, held_at: str, held_id: str | None) -> bool:
    """Whether (at, event_id) supersedes what is held: the later instant, and on equal
    instants the greater event_id, so the winner never depends on arrival order."""
    if later(at, held_at):
        return True
    return not later(held_at, at) and event_id > (held_id or "")
