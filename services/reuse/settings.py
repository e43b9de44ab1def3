"""Reuse service settings (environment variables prefixed TRACKER_)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pydantic import Field

from services.common.settings import CommonSettings

from .vocabulary import Policy


class ReuseSettings(CommonSettings):
    """What the reuse service needs beyond the common settings."""

    api_port: int = 8000
    reuse_group: str = "tracker-reuse"
    # Most facts per consumed batch. A batch pays a fixed cost (about thirty statements, one
    # commit, one offset commit to the broker) whatever its size: on a province-year, 2,000
    # took a fifth less CPU per fact than 500 (bench `province`).
    reuse_batch: int = 2000
    missed_reuse_max_distance: int = Field(
        default=6,
        ge=0,
        le=16,
        description="Largest Hamming distance (bits of 64) between the perceptual hashes of two "
        "scans taken as the same paper scanned again; 0 keeps only byte-identical files.",
    )
    denominator_policy: Policy = Field(
        default="received",
        description="Which dossiers of the period form the denominators: all received (the "
        "portal's practice), only completed ones, or only those needing a result document.",
    )
    token_usage_interval: float = Field(
        default=60.0,
        gt=0,
        description="Seconds between writes of the API tokens' last use (`token list`), "
        "which requests only note in memory so that a read never writes.",
    )
    # The day the business gauges report for (current month and year); default: today in
    # Vietnam. Set it to replay a past period, e.g. a simulated one.
    gauges_as_of: date | None = None
    # The console's session-signing key; default `<var_dir>/console-session.key`, created on
    # first start. Replicas behind one load balancer need the same file (a shared secret).
    console_key_file: Path | None = None
    # The event archive (services/reuse/archiver.py): its own consumer group and bucket.
    event_archive: bool = True
    event_archive_bucket: str = "event-archive"
    archive_group: str = "tracker-reuse-archive"
    archive_batch: int = 2000
