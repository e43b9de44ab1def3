"""The auditor API: bearer-token protected reads of the indicators and their evidence."""

from __future__ import annotations

from .routes import api_router

__all__ = ["api_router"]
