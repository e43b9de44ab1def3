"""The headers of a refused input event on its publisher's `.rejected` topic (CONTRACT.md).

The body is the input event, unchanged; these headers say why and where it came from. Every
service that refuses an input event builds them here, so they read the same whoever refused.
"""

from __future__ import annotations

__all__ = ["MAX_DETAIL_CHARS", "rejection_headers"]

# error.detail is cut to this many characters: a detail quotes no value, but a parser's message
# (malformed JSON, a schema path) can still be long, and a header is no place for a long text.
MAX_DETAIL_CHARS = 500


def rejection_headers(
    code: str, detail: str, topic: str, partition: int, offset: int
) -> dict[str, str]:
    """`error.code`, `error.detail` (at most MAX_DETAIL_CHARS) and the input's coordinates."""
    return {
        "error.code": code,
        "error.detail": detail[:MAX_DETAIL_CHARS],
        "source.topic": topic,
        "source.partition": str(partition),
        "source.offset": str(offset),
    }
