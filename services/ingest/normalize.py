"""Turns a valid event into the fact handed on: known fields only, defaults, hashed IDs."""

from __future__ import annotations

import base64
from typing import Any

from schemas.internal import Fact, SourceRef

from .pseudonymize import ApplicantHasher
from .validation import FILE_EVENT_TYPES

_OBJECT = ("key", "sha256", "size", "content_type")
_SOURCE = ("document_code", "result_code", "dossier_code", "db_code")

# Known data fields per event type, with defaults for the optional booleans. Anything else
# the publisher sent is dropped: it is ignored by the contract and may hold personal data.
_FIELDS: dict[str, dict[str, Any]] = {
    "agency.registered": {
        "name": None,
        "parent_code": None,
        "level": None,
        "certified_copy_service": True,
    },
    "procedure.assigned": {
        "procedure_code": None,
        "name": None,
        "citizen_facing": None,
        "result_document_required": None,
    },
    "dossier.received": {
        "procedure_code": None,
        "channel": None,
        "received_at": None,
        "due_at": None,
        "population_data_used": False,
    },
    "dossier.components_added": {},
    "dossier.status_changed": {"status": None, "changed_at": None},
    "component.scanned": {"component_code": None, "scanned_at": None},
    "result.issued": {"result_code": None, "issued_at": None, "electronic": None, "file_url": None},
    "result.scanned": {"result_code": None, "scanned_at": None},
    "result.pushed_to_warehouse": {"result_code": None, "pushed_at": None},
}


def _component(c: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "component_code": c["component_code"],
        "name": c.get("name"),
        "origin": c["origin"],
    }
    src = c.get("source")
    if isinstance(src, dict):
        out["source"] = {k: src[k] for k in _SOURCE if src.get(k) is not None}
    return out


def to_fact(
    event: dict[str, Any], root: str, source: SourceRef, raw: bytes, hasher: ApplicantHasher
) -> Fact:
    """Normalize a validated event of `root` read at `source`."""
    event_type: str = event["event_type"]
    given: dict[str, Any] = event["data"]
    data = {k: given.get(k, default) for k, default in _FIELDS[event_type].items()}
    if "components" in given:
        data["components"] = [_component(c) for c in given["components"]]
    if event_type == "dossier.received":
        applicant = given["applicant"]
        raw_id = applicant.get("id")
        data["applicant"] = {
            "kind": applicant["kind"],
            "id_hash": hasher.hash(raw_id) if raw_id else None,
            "vneid_authenticated": bool(applicant.get("vneid_authenticated", False)),
        }
        data.setdefault("components", [])
    if isinstance(given.get("object"), dict):
        data["object"] = {k: given["object"][k] for k in _OBJECT}
    fact: Fact = {
        "event_id": event["event_id"].lower(),
        "event_type": event_type,
        "root": root,
        "agency_code": event["agency_code"],
        "dossier_code": event.get("dossier_code"),
        "occurred_at": event["occurred_at"],
        "source_system": event["source_system"],
        "data": data,
        "source": source,
    }
    if event_type in FILE_EVENT_TYPES:
        # The digitizer may refuse the file later and must then return the event unchanged.
        fact["raw"] = base64.b64encode(raw).decode("ascii")
    return fact
