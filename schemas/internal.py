"""Messages on the tracker's internal topics (ingest -> digitizer -> reuse).

These are not part of the public contract; they are shared here, beside it, so that
services never import one another. A *fact* is an accepted event, normalized by ingest:
defaults filled in, unknown fields dropped, the applicant ID replaced by its keyed hash.
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

import msgspec


class SourceRef(TypedDict):
    """Where the original event was read."""

    topic: str
    partition: int
    offset: int


class FileOutcome(TypedDict):
    """What the digitizer did with the file an event names."""

    status: str  # "stored" | "rejected" | "none" (no object in the event)
    code: NotRequired[str]  # rejection code when status == "rejected"
    detail: NotRequired[str]
    sha256: NotRequired[str]
    size: NotRequired[int]
    pages: NotRequired[int]
    min_dpi: NotRequired[float | None]
    below_standard: NotRequired[bool]
    # The first page's perceptual hash (computed as a 64-bit dHash), 16 hex digits; the API
    # reports a match on it as `"phash"` (docs/api.md), so the internal field keeps that name.
    phash: NotRequired[str | None]
    archive_key: NotRequired[str]
    kind: NotRequired[str]
    pdf_signed: NotRequired[bool | None]
    e_result: NotRequired[bool]


class Fact(TypedDict):
    """An accepted event as ingest hands it on."""

    event_id: str
    event_type: str
    root: str
    agency_code: str
    dossier_code: str | None
    occurred_at: str
    source_system: str
    data: dict[str, Any]
    source: SourceRef
    raw: NotRequired[str]  # base64 of the unchanged input event, for file events
    file: NotRequired[FileOutcome]  # added by the digitizer


# msgspec reads and writes the same compact JSON as `json` (UTF-8, no spaces) several times
# faster; every fact crosses these two functions at least twice on its way to the projection.
_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder()


def encode(fact: Fact) -> bytes:
    """Compact UTF-8 JSON."""
    return _encoder.encode(fact)


def decode(raw: bytes) -> Fact:
    """Inverse of `encode` (internal topics carry only what the services wrote)."""
    value: Fact = _decoder.decode(raw)
    return value
