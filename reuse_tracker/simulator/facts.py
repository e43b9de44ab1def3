"""What the simulator knows it generated, dossier by dossier: the input of the ground truth.

These records hold no raw applicant ID (``applicant`` and ``paper`` are opaque digests), and
only events that were meant to be accepted, plus file attempts with how their file fared.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

__all__ = [
    "FILE_ORIGINS",
    "REUSE_ORIGINS",
    "ComponentFact",
    "DossierFact",
    "FileOutcome",
    "IntakeFact",
    "ResultFact",
    "ScanFact",
]

FileOutcome = Literal["stored", "checksum_mismatch", "object_missing", "invalid_object_key"]

FILE_ORIGINS: frozenset[str] = frozenset(
    {"uploaded", "reused_component", "reused_result", "personal_warehouse"}
)
"""Origins that give a component a file without a scan."""

REUSE_ORIGINS: frozenset[str] = frozenset(
    {"reused_component", "reused_result", "personal_warehouse", "national_db"}
)
"""Origins that count for REUSED_DIGITIZED_DATA."""


@dataclass(frozen=True)
class ComponentFact:
    """A declared component: its code, origin and (for reuse origins) the claimed source."""

    code: str
    origin: str
    document: str
    source: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ScanFact:
    """One file attempt (a scan of a component or result): when, and how its file fared.

    ``paper`` identifies the physical paper (same applicant and document, or the same result),
    so that a later stored scan of the same paper is a missed reuse.
    """

    target: str
    at: datetime
    outcome: FileOutcome
    paper: str | None = None


@dataclass(frozen=True)
class IntakeFact:
    """The intake facts of one accepted ``dossier.received`` (original or correction)."""

    event_id: str
    occurred_at: datetime
    procedure_code: str
    channel: str
    received_at: datetime
    applicant_kind: str
    vneid_authenticated: bool
    population_data_used: bool
    components: tuple[ComponentFact, ...]


@dataclass(frozen=True)
class ResultFact:
    """One ``result.issued`` and what followed it.

    ``file`` is the outcome of its ``object`` (None without one); ``file_url`` tells whether it
    named a URL instead; ``scans`` are its ``result.scanned`` attempts.
    """

    code: str
    issued_at: datetime
    electronic: bool
    file: FileOutcome | None
    file_url: bool
    scans: tuple[ScanFact, ...]
    pushed: bool


@dataclass(frozen=True)
class DossierFact:
    """Everything accepted about one dossier. ``applicant`` is an opaque digest (or None)."""

    code: str
    unit: str
    applicant: str | None
    intakes: tuple[IntakeFact, ...]
    supplements: tuple[ComponentFact, ...]
    scans: tuple[ScanFact, ...]
    results: tuple[ResultFact, ...]
    statuses: tuple[int, ...]
