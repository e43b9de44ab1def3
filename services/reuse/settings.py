"""Reuse service settings (environment variables prefixed TRACKER_)."""

from __future__ import annotations

from services.common.settings import CommonSettings


class ReuseSettings(CommonSettings):
    """What the reuse service needs beyond the common settings."""

    api_port: int = 8000
    reuse_group: str = "tracker-reuse"
    reuse_batch: int = 500
