"""Digitizer settings (environment variables prefixed TRACKER_)."""

from __future__ import annotations

from services.common.settings import CommonSettings


class DigitizerSettings(CommonSettings):
    """What the digitizer needs beyond the common settings."""

    digitizer_port: int = 8002
    digitizer_group: str = "tracker-digitizer"
    digitizer_batch: int = 50
    digitizer_workers: int = 2
    max_file_seconds: float = 20.0
    # On SIGTERM, how long the batch in progress may take to finish; after that it is
    # abandoned uncommitted and delivered again after the restart.
    digitizer_grace_seconds: float = 8.0
