"""Builders of contract events for tests (valid by default; tests break them on purpose)."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

T0 = "2026-03-02T08:15:00+07:00"


def envelope(
    event_type: str, agency: str, dossier: str | None, data: dict[str, Any]
) -> dict[str, Any]:
    """A schema-valid envelope around `data`."""
    event: dict[str, Any] = {
        "event_id": str(uuid.uuid4()),
        "event_type": event_type,
        "schema_version": 1,
        "occurred_at": T0,
        "source_system": "test-suite",
        "agency_code": agency,
        "data": data,
    }
    if dossier is not None:
        event["dossier_code"] = dossier
    return event


def agency(code: str, parent: str | None, level: str = "department") -> dict[str, Any]:
    """agency.registered."""
    return envelope(
        "agency.registered",
        code,
        None,
        {"name": f"Đơn vị {code}", "parent_code": parent, "level": level},
    )


def procedure(unit: str, code: str = "1.001234") -> dict[str, Any]:
    """procedure.assigned."""
    return envelope(
        "procedure.assigned",
        unit,
        None,
        {
            "procedure_code": code,
            "name": "Chứng thực bản sao từ bản chính",
            "citizen_facing": True,
            "result_document_required": True,
        },
    )


def received(
    unit: str, dossier: str, applicant_id: str = "079203004512", components: list[Any] | None = None
) -> dict[str, Any]:
    """dossier.received."""
    return envelope(
        "dossier.received",
        unit,
        dossier,
        {
            "procedure_code": "1.001234",
            "channel": "online",
            "received_at": T0,
            "applicant": {"kind": "citizen", "id": applicant_id, "vneid_authenticated": True},
            "components": components
            if components is not None
            else [{"component_code": "TP1", "origin": "scanned"}],
        },
    )


def obj(key: str, data: bytes, content_type: str = "image/jpeg") -> dict[str, Any]:
    """A claim-check object description for bytes put under `key`."""
    return {
        "key": key,
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
        "content_type": content_type,
    }


def scanned(unit: str, dossier: str, o: dict[str, Any], component: str = "TP1") -> dict[str, Any]:
    """component.scanned."""
    return envelope(
        "component.scanned",
        unit,
        dossier,
        {"component_code": component, "scanned_at": T0, "object": o},
    )


def others(unit: str, dossier: str) -> list[dict[str, Any]]:
    """One valid event of each remaining dossier and result type (no file needed)."""
    return [
        envelope(
            "dossier.components_added",
            unit,
            dossier,
            {"components": [{"component_code": "TP2", "origin": "uploaded"}]},
        ),
        envelope("dossier.status_changed", unit, dossier, {"status": 4, "changed_at": T0}),
        envelope(
            "result.issued",
            unit,
            dossier,
            {
                "result_code": f"KQ-{dossier}",
                "issued_at": T0,
                "electronic": True,
                "file_url": "https://dichvucong.example/kq/1",
            },
        ),
        envelope(
            "result.pushed_to_warehouse",
            unit,
            dossier,
            {"result_code": f"KQ-{dossier}", "pushed_at": T0},
        ),
    ]
