"""A hand-computed history of one province and its figures, for the projection tests."""

from __future__ import annotations

from typing import Any

from schemas.internal import Fact, FileOutcome
from services.ingest.normalize import to_fact
from services.ingest.pseudonymize import ApplicantHasher
from tests.support import factories as f

HASHER = ApplicantHasher(b"t" * 32)
STORED: FileOutcome = {"status": "stored", "sha256": "a" * 64, "phash": "0" * 16}


def fact(event: dict[str, Any], outcome: FileOutcome | None = None) -> Fact:
    source = {"topic": "dossier-events.H44", "partition": 0, "offset": 0}
    out = to_fact(event, "H44", source, b"{}", HASHER)  # type: ignore[arg-type]
    if outcome is not None:
        out["file"] = outcome
    return out


def history() -> list[Fact]:
    d1, d2, d3 = "H44.01-1", "H44.100-2", "H44.01-3"
    first_d2 = f.received("H44.100", d2, components=[{"component_code": "TP1", "origin": "paper"}])
    first_d2["data"]["procedure_code"] = "1.2"
    first_d2["data"]["applicant"]["vneid_authenticated"] = False
    correction = f.received(
        "H44.100",
        d2,
        components=[
            {"component_code": "TP1", "origin": "uploaded"},
            {"component_code": "TP2", "origin": "personal_warehouse"},
        ],
    )
    correction["data"]["procedure_code"] = "1.2"
    correction["data"]["applicant"]["vneid_authenticated"] = False
    correction["occurred_at"] = "2026-03-03T09:00:00+07:00"
    late = f.received("H44.01", d3)
    late["data"]["received_at"] = "2026-04-01T00:10:00+07:00"  # 31 March 17:10 UTC: April
    certified_off = f.agency("H44.01", "H44")
    certified_off["data"]["certified_copy_service"] = False
    assign_2 = f.procedure("H44.100", "1.2")
    assign_2["data"].update(citizen_facing=False, result_document_required=False)
    issued = f.envelope(
        "result.issued",
        "H44.01",
        d1,
        {
            "result_code": "R1",
            "issued_at": f.T0,
            "electronic": True,
            "object": f.obj("H44/r1.pdf", b"%PDF-1.7", "application/pdf"),
        },
    )
    paper = f.envelope(
        "result.issued",
        "H44.100",
        d2,
        {"result_code": "R2", "issued_at": f.T0, "electronic": False},
    )
    rescan = f.envelope(
        "result.scanned",
        "H44.100",
        d2,
        {"result_code": "R2", "scanned_at": f.T0, "object": f.obj("H44/r2.jpg", b"x")},
    )
    pushed = f.envelope(
        "result.pushed_to_warehouse", "H44.100", d2, {"result_code": "R2", "pushed_at": f.T0}
    )
    first_d1 = f.received(
        "H44.01",
        d1,
        components=[
            {"component_code": "TP1", "origin": "scanned"},
            {
                "component_code": "TP2",
                "origin": "reused_component",
                "source": {"dossier_code": "H44.01-0"},
            },
        ],
    )
    first_d1["data"]["procedure_code"] = "1.1"
    return [
        fact(f.agency("H44", None, "province")),
        fact(certified_off),
        fact(f.procedure("H44.01", "1.1")),
        fact(assign_2),
        fact(first_d1),
        fact(f.scanned("H44.01", d1, f.obj("H44/s.jpg", b"x")), STORED),
        fact(issued, {"status": "stored", "e_result": True}),
        fact(first_d2),
        fact(correction),
        fact(paper, {"status": "none", "e_result": False}),
        fact(rescan, STORED),
        fact(pushed),
        fact(late),
    ]


EXPECTED = {
    "ORIGINAL_RESULT_AVAILABLE": (1, 2, 50.0, 3.0),
    "SO_HOA_GIAY_TO_GIAI_QUYET": (2, 2, 100.0, 4.0),
    "REUSED_DIGITIZED_DATA": (2, 2, 100.0, 2.0),
    "SYNCED_WITH_DVCQG_PERSONAL_STORAGE": (1, 2, 50.0, 2.0),
    "CITIZEN_DATA_CONNECTED_DOSSIER": (2, 2, 100.0, 2.0),
    "CITIZEN_DATA_CONNECTED_FORMALITY": (1, 1, 100.0, 2.0),
    "ELECTRONIC_CERTIFIED_COPY": (1, 2, 50.0, 1.0),
}
