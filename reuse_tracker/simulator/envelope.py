"""Building contract-v1 events before they are serialized (times, ids, envelopes, objects)."""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from reuse_tracker.simulator.pages import PageSpec

__all__ = [
    "TZ_VN",
    "FileRef",
    "ObjectRef",
    "Pending",
    "encode",
    "envelope",
    "event_id",
    "rfc3339",
]

TZ_VN = timezone(timedelta(hours=7))
"""The +07:00 offset every simulated time carries (Asia/Ho_Chi_Minh has no DST)."""


def rfc3339(moment: datetime) -> str:
    """``2026-03-02T08:15:00+07:00``."""
    return moment.astimezone(TZ_VN).isoformat(timespec="seconds")


def event_id(rng: random.Random) -> str:
    """A UUID4 drawn from the scenario's RNG (deterministic for a seed)."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def envelope(
    rng: random.Random,
    event_type: str,
    occurred_at: datetime,
    source_system: str,
    agency_code: str,
    data: dict[str, Any],
    dossier_code: str | None = None,
    schema_version: int = 1,
) -> dict[str, Any]:
    """An event as a dict, fields in the contract's order."""
    body: dict[str, Any] = {
        "event_id": event_id(rng),
        "event_type": event_type,
        "schema_version": schema_version,
        "occurred_at": rfc3339(occurred_at),
        "source_system": source_system,
        "agency_code": agency_code,
    }
    if dossier_code is not None:
        body["dossier_code"] = dossier_code
    body["data"] = data
    return body


def encode(body: dict[str, Any]) -> bytes:
    """UTF-8 JSON, Vietnamese left readable."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass
class FileRef:
    """A file to put into the inbox before its event."""

    key: str
    spec: PageSpec


@dataclass
class ObjectRef:
    """An ``object`` inside an event body, completed once its file is rendered.

    ``fault``: None (true hash), ``checksum_mismatch`` (a wrong hash), or a fault whose file is
    never put (``object_missing``, ``invalid_object_key``: hash and size are made up).
    """

    obj: dict[str, Any]
    spec: PageSpec | None
    fault: str | None = None


@dataclass
class Pending:
    """One message before serialization: when it is published and what it carries.

    ``kind`` is the event type (``duplicate:<type>`` for a redelivery, ``invalid:<code>`` for
    an invalid event); ``rejection`` is the code the tracker must reject it with, if any.
    """

    publish_at: datetime
    order: int
    kind: str
    key: str
    body: dict[str, Any] | bytes
    files: list[FileRef] = field(default_factory=list)
    objects: list[ObjectRef] = field(default_factory=list)
    rejection: str | None = None
