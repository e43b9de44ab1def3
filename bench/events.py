"""A fast, seeded stream of contract-v1 events of one province, without files.

The simulator renders scans and computes a ground truth, which is right for correctness tests
but too slow to make a province-year of events. Benchmarks need only valid events in a
realistic mix: units, procedures, then per dossier an intake (components of file-free
origins), and for some a status change and a result pushed to the warehouse; a small share
of exact re-sends exercises deduplication. About 1.5 events per dossier, as in a province.
"""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

TZ_VN = timezone(timedelta(hours=7))
ORIGINS = ("paper", "uploaded", "national_db", "reused_component", "personal_warehouse")
ORIGIN_WEIGHTS = (0.45, 0.40, 0.08, 0.04, 0.03)
CHANNELS = ("counter", "online", "postal")
PROCEDURES = tuple(f"1.00{1000 + i}" for i in range(40))


@dataclass(frozen=True)
class Message:
    """One record to publish: key and JSON value."""

    key: bytes
    value: bytes
    dossier: bool  # a dossier event (not the catalogue of units and procedures)


def _dump(event: dict[str, object]) -> bytes:
    return json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class _Ids:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def __call__(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))


def _time(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def catalogue(root: str, units: int, seed: int = 1) -> list[Message]:
    """The root, `units` departments and communes below it, and their procedures."""
    rng = random.Random(seed)
    new_id = _Ids(rng)
    at = _time(datetime(2026, 1, 1, 7, 0, tzinfo=TZ_VN))
    out: list[Message] = []

    def envelope(event_type: str, agency: str, data: dict[str, object]) -> Message:
        event = {
            "event_id": new_id(),
            "event_type": event_type,
            "schema_version": 1,
            "occurred_at": at,
            "source_system": "bench",
            "agency_code": agency,
            "data": data,
        }
        return Message(agency.encode(), _dump(event), dossier=False)

    out.append(
        envelope(
            "agency.registered",
            root,
            {"name": f"Tỉnh {root}", "parent_code": None, "level": "province"},
        )
    )
    for code in unit_codes(root, units):
        level = "department" if int(code.rsplit(".", 1)[1]) < 100 else "commune"
        out.append(
            envelope(
                "agency.registered",
                code,
                {"name": f"Đơn vị {code}", "parent_code": root, "level": level},
            )
        )
        for procedure in PROCEDURES[:8]:
            out.append(
                envelope(
                    "procedure.assigned",
                    code,
                    {
                        "procedure_code": procedure,
                        "name": f"Thủ tục {procedure}",
                        "citizen_facing": True,
                        "result_document_required": True,
                    },
                )
            )
    return out


def unit_codes(root: str, units: int) -> list[str]:
    """`units` codes below the root: 15 departments, then communes numbered from 100."""
    departments = min(units, 15)
    return [f"{root}.{i + 1:02d}" for i in range(departments)] + [
        f"{root}.{100 + i}" for i in range(units - departments)
    ]


def dossier_events(
    root: str,
    dossiers: int,
    *,
    units: int = 115,
    seed: int = 1,
    duplicate_share: float = 0.01,
    start: int = 0,
) -> list[Message]:
    """About 1.5 events per dossier (intake, 40% status, 10% pushed result), dossiers numbered
    from `start` (so a second call continues the province), plus `duplicate_share` re-sends."""
    rng = random.Random(seed * 1_000_003 + start)
    new_id = _Ids(rng)
    codes = unit_codes(root, units)
    t0 = datetime(2026, 1, 2, 7, 30, tzinfo=TZ_VN)
    step = timedelta(seconds=max(1, 270 * 86400 // max(dossiers + start, 1)))
    out: list[Message] = []
    for n in range(start, start + dossiers):
        unit = codes[n % len(codes)]
        dossier = f"{unit}-{n:08d}"
        key = dossier.encode()
        received = t0 + step * n
        components = [
            {
                "component_code": f"TP{c + 1}",
                "name": "Thành phần hồ sơ",
                "origin": rng.choices(ORIGINS, ORIGIN_WEIGHTS)[0],
            }
            for c in range(rng.randint(1, 4))
        ]
        base = {
            "schema_version": 1,
            "source_system": "bench",
            "agency_code": unit,
            "dossier_code": dossier,
        }
        intake = {
            "event_id": new_id(),
            "event_type": "dossier.received",
            "occurred_at": _time(received),
            **base,
            "data": {
                "procedure_code": PROCEDURES[n % 8],
                "channel": rng.choice(CHANNELS),
                "received_at": _time(received),
                "due_at": _time(received + timedelta(days=7)),
                "applicant": {
                    "kind": "citizen",
                    "id": f"0{rng.randrange(10**10, 10**11)}",
                    "vneid_authenticated": rng.random() < 0.55,
                },
                "population_data_used": rng.random() < 0.22,
                "components": components,
            },
        }
        out.append(Message(key, _dump(intake), dossier=True))
        if rng.random() < 0.4:
            changed = received + timedelta(hours=2)
            status = {
                "event_id": new_id(),
                "event_type": "dossier.status_changed",
                "occurred_at": _time(changed),
                **base,
                "data": {"status": 4, "changed_at": _time(changed)},
            }
            out.append(Message(key, _dump(status), dossier=True))
        if rng.random() < 0.1:
            pushed_at = received + timedelta(days=3)
            pushed = {
                "event_id": new_id(),
                "event_type": "result.pushed_to_warehouse",
                "occurred_at": _time(pushed_at),
                **base,
                "data": {"result_code": f"KQ-{dossier}", "pushed_at": _time(pushed_at)},
            }
            out.append(Message(key, _dump(pushed), dossier=True))
        if duplicate_share and rng.random() < duplicate_share * 1.5:
            out.append(out[rng.randrange(max(0, len(out) - 50), len(out))])
    return out
