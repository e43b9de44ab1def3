"""A small province for the auditor API tests, with figures computed by hand.

The facts go through the real projection, which fills every derived column (result_required,
so_hoa, completed, verified and source_unit, missed reuse) and the aggregates.

H44 (certified) ── H44.01 (not certified) ── H44.100
                ├─ H44.02 (certified)
                └─ H44.03 (never registered, seen in a dossier)

Dossiers received in March 2026 (local dates):
  D1 H44.01  1.001  A  VNeID, TP1 scanned (stored, sha X), e-result R1, status 10
  D2 H44.01  1.001  A  TP1 scanned again (sha X: missed reuse), TP2 paper, R2 on paper
  D3 H44.02  1.002  B  TP1 reused_result R1 (verified, from H44.01), TP2 personal_warehouse,
                       status 9
  D4 H44.100 1.003  C  population data, TP1 scan refused, R4 electronic but its file refused
  D5 H44.03  1.002  D  TP1 national_db, TP2 uploaded, R5 electronic by url, pushed
  D7 H44.02  1.002  E  TP1 reused_component naming an unknown document (claimed);
                       received 28 Feb 18:30 UTC = 1 March local
and D6 H44.02, received 28 Feb 23:00 local: outside the period.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from schemas.internal import Fact, FileOutcome
from services.common.db import create_tables
from services.ingest.normalize import to_fact
from services.ingest.pseudonymize import ApplicantHasher
from services.reuse import tables as t
from services.reuse import tokens  # noqa: F401 - registers reuse_tokens on the metadata
from services.reuse.projection import Projection
from tests.support import factories as f

PERIOD = (date(2026, 3, 1), date(2026, 3, 31))
HASHER = ApplicantHasher(b"t" * 32)
SHA_X = "a" * 64
APPLICANT_IDS = ("079203000001", "079203000002", "079203000003", "079203000004", "079203005")

EXPECTED_H44 = {
    "ORIGINAL_RESULT_AVAILABLE": (2, 6),
    "SO_HOA_GIAY_TO_GIAI_QUYET": (4, 6),
    "REUSED_DIGITIZED_DATA": (3, 6),
    "SYNCED_WITH_DVCQG_PERSONAL_STORAGE": (2, 6),
    "CITIZEN_DATA_CONNECTED_DOSSIER": (3, 6),
    "CITIZEN_DATA_CONNECTED_FORMALITY": (2, 3),
    "ELECTRONIC_CERTIFIED_COPY": (3, 4),
}


def _fact(event: dict[str, Any], outcome: FileOutcome | None = None) -> Fact:
    source = {"topic": "dossier-events.H44", "partition": 0, "offset": 0}
    out = to_fact(event, "H44", source, b"{}", HASHER)  # type: ignore[arg-type]
    if outcome is not None:
        out["file"] = outcome
    return out


def _dossier(
    unit: str,
    code: str,
    proc: str,
    applicant: str,
    components: list[dict[str, Any]],
    *,
    received_at: str = f.T0,
    vneid: bool = False,
    population: bool = False,
) -> dict[str, Any]:
    event = f.received(unit, code, applicant, components)
    event["data"]["procedure_code"] = proc
    event["data"]["received_at"] = received_at
    event["data"]["applicant"]["vneid_authenticated"] = vneid
    event["data"]["population_data_used"] = population
    return event


def _scan(unit: str, dossier: str, component: str, at: str) -> dict[str, Any]:
    event = f.scanned(unit, dossier, f.obj(f"H44/{dossier}-{component}.jpg", b"x"), component)
    event["data"]["scanned_at"] = at
    return event


def _issued(unit: str, dossier: str, code: str, electronic: bool, **extra: Any) -> dict[str, Any]:
    data = {"result_code": code, "issued_at": f.T0, "electronic": electronic, **extra}
    return f.envelope("result.issued", unit, dossier, data)


def _status(unit: str, dossier: str, status: int) -> dict[str, Any]:
    data = {"status": status, "changed_at": "2026-03-20T10:00:00+07:00"}
    return f.envelope("dossier.status_changed", unit, dossier, data)


def _procedure(unit: str, code: str, citizen: bool, required: bool) -> dict[str, Any]:
    event = f.procedure(unit, code)
    event["data"].update(citizen_facing=citizen, result_document_required=required)
    return event


def facts() -> list[Fact]:
    """Every fact of the province, in publishing order."""
    a, b, c, d, e = APPLICANT_IDS
    not_certified = f.agency("H44.01", "H44")
    not_certified["data"]["certified_copy_service"] = False
    stored: FileOutcome = {"status": "stored", "sha256": SHA_X, "phash": "0" * 16, "pages": 1}
    return [
        _fact(f.agency("H44", None, "province")),
        _fact(not_certified),
        _fact(f.agency("H44.02", "H44")),
        _fact(f.agency("H44.100", "H44.01", "commune")),
        _fact(_procedure("H44.01", "1.001", True, True)),
        _fact(_procedure("H44.02", "1.002", True, False)),
        _fact(_procedure("H44.02", "1.004", True, False)),
        _fact(_procedure("H44.100", "1.003", False, True)),
        # D1
        _fact(
            _dossier(
                "H44.01",
                "D1",
                "1.001",
                a,
                [{"component_code": "TP1", "origin": "scanned"}],
                vneid=True,
            )
        ),
        _fact(_scan("H44.01", "D1", "TP1", "2026-03-02T09:00:00+07:00"), stored),
        _fact(
            _issued("H44.01", "D1", "R1", True, object=f.obj("H44/r1.pdf", b"%PDF")),
            {"status": "stored", "e_result": True, "sha256": "b" * 64},
        ),
        _fact(_status("H44.01", "D1", 10)),
        # D2: the same paper scanned again for the same applicant
        _fact(
            _dossier(
                "H44.01",
                "D2",
                "1.001",
                a,
                [
                    {"component_code": "TP1", "origin": "scanned"},
                    {"component_code": "TP2", "origin": "paper"},
                ],
                received_at="2026-03-05T08:00:00+07:00",
            )
        ),
        _fact(_scan("H44.01", "D2", "TP1", "2026-03-05T09:00:00+07:00"), stored),
        _fact(_issued("H44.01", "D2", "R2", False), {"status": "none", "e_result": False}),
        # D3
        _fact(
            _dossier(
                "H44.02",
                "D3",
                "1.002",
                b,
                [
                    {
                        "component_code": "TP1",
                        "origin": "reused_result",
                        "source": {"result_code": "R1", "dossier_code": "D1"},
                    },
                    {"component_code": "TP2", "origin": "personal_warehouse"},
                ],
            )
        ),
        _fact(_status("H44.02", "D3", 9)),
        # D4
        _fact(
            _dossier(
                "H44.100",
                "D4",
                "1.003",
                c,
                [{"component_code": "TP1", "origin": "scanned"}],
                population=True,
            )
        ),
        _fact(
            _scan("H44.100", "D4", "TP1", "2026-03-02T10:00:00+07:00"),
            {"status": "rejected", "code": "checksum_mismatch"},
        ),
        _fact(
            _issued("H44.100", "D4", "R4", True, object=f.obj("H44/r4.pdf", b"%PDF")),
            {"status": "rejected", "code": "corrupt_file", "e_result": False},
        ),
        # D5
        _fact(
            _dossier(
                "H44.03",
                "D5",
                "1.002",
                d,
                [
                    {
                        "component_code": "TP1",
                        "origin": "national_db",
                        "source": {"db_code": "CSDLQGVDC"},
                    },
                    {"component_code": "TP2", "origin": "uploaded"},
                ],
            )
        ),
        _fact(
            _issued("H44.03", "D5", "R5", True, file_url="https://dvc.example/kq/5"),
            {"status": "none", "e_result": True},
        ),
        _fact(
            f.envelope(
                "result.pushed_to_warehouse",
                "H44.03",
                "D5",
                {"result_code": "R5", "pushed_at": f.T0},
            )
        ),
        # D6: 23:00 local on 28 February, outside March
        _fact(
            _dossier(
                "H44.02",
                "D6",
                "1.002",
                e,
                [{"component_code": "TP1", "origin": "personal_warehouse"}],
                received_at="2026-02-28T16:00:00+00:00",
            )
        ),
        # D7: 01:30 local on 1 March
        _fact(
            _dossier(
                "H44.02",
                "D7",
                "1.002",
                e,
                [
                    {
                        "component_code": "TP1",
                        "origin": "reused_component",
                        "source": {"document_code": "DOC-404"},
                    }
                ],
                received_at="2026-02-28T18:30:00+00:00",
            )
        ),
    ]


async def build(engine: AsyncEngine) -> None:
    """Create the tables and project the facts through the real projection."""
    await create_tables(engine, t.metadata)
    await Projection(engine).apply(facts())
