"""A hand-made history of scans, reuse claims and results, for the reuse evidence tests."""

from __future__ import annotations

from typing import Any

from schemas.internal import Fact, FileOutcome
from services.ingest.normalize import to_fact
from services.ingest.pseudonymize import ApplicantHasher
from tests.support import factories as f

HASHER = ApplicantHasher(b"k" * 32)
PAPER = "f0f0f0f0f0f0f0f0"
A, B = "079203004512", "001099000123"


def flip(phash: str, bits: int) -> str:
    """The hash with its lowest `bits` bits inverted."""
    return f"{int(phash, 16) ^ ((1 << bits) - 1):016x}"


def fact(event: dict[str, Any], outcome: FileOutcome | None = None) -> Fact:
    source = {"topic": "dossier-events.H44", "partition": 0, "offset": 0}
    out = to_fact(event, "H44", source, b"{}", HASHER)  # type: ignore[arg-type]
    if outcome is not None:
        out["file"] = outcome
    return out


def at(day: str) -> str:
    return f"2026-{day}T09:00:00+07:00"


def dossier(code: str, applicant: str, day: str, components: list[Any]) -> Fact:
    event = f.received("H44.01", code, applicant, components)
    event["data"]["received_at"] = at(day)
    event["occurred_at"] = at(day)
    return fact(event)


def scan(code: str, day: str, sha: str, phash: str, component: str = "TP1") -> Fact:
    event = f.scanned("H44.01", code, f.obj(f"H44/{code}.jpg", b"x"), component)
    event["data"]["scanned_at"] = at(day)
    return fact(event, {"status": "stored", "sha256": sha * 64, "phash": phash})


def history() -> list[Fact]:
    scanned = [{"component_code": "TP1", "origin": "scanned"}]
    issued = f.envelope(
        "result.issued",
        "H44.01",
        "D1",
        {
            "result_code": "KQ1",
            "issued_at": at("02-02"),
            "electronic": True,
            "file_url": "https://example.invalid/kq1",
        },
    )
    delivered = f.envelope(
        "dossier.status_changed", "H44.01", "D1", {"status": 10, "changed_at": at("02-03")}
    )
    return [
        fact(f.agency("H44", None, "province")),
        fact(f.agency("H44.01", "H44")),
        fact(f.procedure("H44.01", "1.001234")),
        dossier("D1", A, "02-01", scanned),
        scan("D1", "02-01", "1", PAPER),
        fact(delivered),
        fact(issued, {"status": "none", "e_result": True}),
        dossier("D2", A, "03-01", scanned),
        scan("D2", "03-01", "2", flip(PAPER, 3)),  # a rescan of D1's paper: missed
        dossier("D3", A, "03-02", scanned),
        scan("D3", "03-02", "1", PAPER),  # the very same file again: missed
        dossier("D4", A, "03-03", scanned),
        scan("D4", "03-03", "4", flip(PAPER, 20)),  # another paper: not missed
        dossier("D5", B, "03-04", scanned),
        scan("D5", "03-04", "1", PAPER),  # the same paper of someone else: not missed
        dossier("D7", A, "03-06", []),
        fact(
            f.envelope(
                "dossier.components_added",
                "H44.01",
                "D7",
                {"components": [{"component_code": "TP1", "origin": "scanned"}]},
            )
        ),
        scan("D7", "03-06", "7", PAPER),  # declared by a supplement: missed all the same
        dossier(
            "D6",
            A,
            "03-05",
            [
                {
                    "component_code": "TP1",
                    "origin": "reused_component",
                    "source": {"dossier_code": "D1"},
                },
                {
                    "component_code": "TP2",
                    "origin": "reused_result",
                    "source": {"result_code": "KQ1"},
                },
                {
                    "component_code": "TP3",
                    "origin": "reused_component",
                    "source": {"dossier_code": "NOWHERE"},
                },
                {
                    "component_code": "TP4",
                    "origin": "national_db",
                    "source": {"db_code": "CSDLQGVDC"},
                },
            ],
        ),
    ]
