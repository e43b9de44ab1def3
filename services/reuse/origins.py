"""Component origins (CONTRACT.md) as the indicators group them (INDICATORS.md)."""

from __future__ import annotations

FILE_ORIGINS = ("uploaded", "reused_component", "reused_result", "personal_warehouse")
"""Origins that bring a file without a scan."""

REUSE_ORIGINS = ("reused_component", "reused_result", "personal_warehouse", "national_db")
"""Origins that count as reuse of digitized data."""

RESULT_SOURCED = ("reused_result", "personal_warehouse")
"""Reuse origins whose source is an earlier result."""

COMPLETED_STATUSES = (9, 10)
"""Processed, result delivered: the `completed` denominator policy."""
