"""Digitizer metrics, by root (never by dossier or applicant)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

from services.common.errors import DEPENDENCIES


class DigitizerMetrics:
    """Files, pages, bytes, rejections, dependency errors and processing time."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.files = Counter(
            "tracker_digitizer_files_stored_total",
            "Files verified and stored, by root and kind.",
            ["root", "kind"],
            registry=registry,
        )
        self.pages = Counter(
            "tracker_digitizer_pages_total",
            "Pages in stored files, by root.",
            ["root"],
            registry=registry,
        )
        self.bytes_stored = Counter(
            "tracker_digitizer_bytes_stored_total",
            "Bytes of new originals written to the archive.",
            ["root"],
            registry=registry,
        )
        self.below_standard = Counter(
            "tracker_digitizer_below_standard_total",
            "Stored scans below 200 dpi, by root.",
            ["root"],
            registry=registry,
        )
        self.rejected = Counter(
            "tracker_digitizer_files_rejected_total",
            "File events refused, by root and code.",
            ["root", "code"],
            registry=registry,
        )
        self.dependency_errors = Counter(
            "tracker_digitizer_dependency_errors_total",
            "Failed attempts to reach S3, the database or the broker (retried with backoff).",
            ["dependency"],
            registry=registry,
        )
        self.file_seconds = Histogram(
            "tracker_digitizer_file_seconds",
            "Time to verify and normalize one file.",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20),
            registry=registry,
        )
        # Zero series from the start, so rate() and alerts see the first error.
        for dependency in DEPENDENCIES:
            self.dependency_errors.labels(dependency)
