"""Invalid events: one kind per rejection code that needs no file, spread over the stream.

Each is built so that a tracker accepting it by mistake would change the figures (a new dossier
in the period, an e-result, a scan of a paper component), which makes the tests meaningful.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from reuse_tracker.simulator.envelope import TZ_VN, Pending, encode, envelope, rfc3339

__all__ = ["INVALID_CODES", "FaultContext", "Target", "invalid_events"]

INVALID_CODES: tuple[str, ...] = (
    "malformed_json",
    "invalid_event",
    "unknown_event_type",
    "unsupported_schema_version",
    "foreign_agency",
    "too_large",
    "invalid_object_key",
)
"""The rejection codes the simulator produces without any file."""

TOO_LARGE_BYTES = 300 * 1024  # > 256 KiB, well under the producer's 2 MiB request limit


@dataclass(frozen=True)
class Target:
    """A real dossier an invalid event can name."""

    code: str
    unit: str
    procedure_code: str
    received_at: datetime
    paper_component: str | None


@dataclass(frozen=True)
class FaultContext:
    """What the invalid events need from the scenario."""

    rng: random.Random
    root: str
    source_system: str
    targets: Sequence[Target]
    new_code: Callable[[str, datetime], str]


def _foreign_unit(root: str, i: int) -> str:
    # Alternate: a unit of another province, and one that only shares the root's prefix.
    other = "H45" if root != "H45" else "H46"
    return f"{other}.07" if i % 2 == 0 else f"{root}0.07"


def _received(ctx: FaultContext, t: Target, code: str, agency: str, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "procedure_code": t.procedure_code,
        "channel": "online",
        "received_at": rfc3339(t.received_at),
        "applicant": {"kind": "citizen", "vneid_authenticated": True},
        "population_data_used": True,
        "components": [{"component_code": "TK", "name": "Tờ khai", "origin": "uploaded"}],
    }
    data.update(extra)
    return envelope(
        ctx.rng, "dossier.received", t.received_at, ctx.source_system, agency, data, code
    )


def _fake_object(rng: random.Random, key: str) -> dict[str, Any]:
    return {
        "key": key,
        "sha256": hashlib.sha256(rng.randbytes(32)).hexdigest(),
        "size": rng.randint(200_000, 600_000),
        "content_type": "image/jpeg",
    }


def _one(
    ctx: FaultContext, code: str, i: int, t: Target, later: datetime
) -> tuple[str, dict[str, Any] | bytes]:
    rng = ctx.rng
    if code == "malformed_json":
        body = _received(ctx, t, ctx.new_code(t.unit, t.received_at), t.unit)
        text = encode(body)
        if i % 2 == 0:
            return t.code, text[: len(text) // 2]  # truncated mid-object
        return t.code, b"<HoSo><MaHoSo>" + t.code.encode() + b"</MaHoSo></HoSo>"
    if code == "invalid_event":
        variant = i % 3
        if variant == 0:  # a receipt without its procedure
            new = ctx.new_code(t.unit, t.received_at)
            body = _received(ctx, t, new, t.unit)
            del body["data"]["procedure_code"]
            return new, body
        if variant == 1:  # an electronic result with neither object nor file_url
            data = {"result_code": f"KQ.{t.code}.X{i}", "issued_at": rfc3339(later),
                    "electronic": True}  # fmt: skip
            return t.code, envelope(
                rng, "result.issued", later, ctx.source_system, t.unit, data, t.code
            )
        data = {"status": 11, "changed_at": rfc3339(later)}
        return t.code, envelope(
            rng, "dossier.status_changed", later, ctx.source_system, t.unit, data, t.code
        )
    if code == "unknown_event_type":
        kind = ("dossier.archived", "result.revoked")[i % 2]
        data = {"archived_at": rfc3339(later)}
        return t.code, envelope(rng, kind, later, ctx.source_system, t.unit, data, t.code)
    if code == "unsupported_schema_version":
        new = ctx.new_code(t.unit, t.received_at)
        body = _received(ctx, t, new, t.unit)
        body["schema_version"] = 2
        return new, body
    if code == "foreign_agency":
        unit = _foreign_unit(ctx.root, i)
        new = ctx.new_code(unit, t.received_at)
        return new, _received(ctx, t, new, unit)
    if code == "too_large":
        new = ctx.new_code(t.unit, t.received_at)
        note = "Hồ sơ kèm ghi chú rất dài của cán bộ một cửa. "
        repeat = TOO_LARGE_BYTES // len(note.encode()) + 1
        return new, _received(ctx, t, new, t.unit, note=note * repeat)
    if code == "invalid_object_key":
        component = t.paper_component or "TK"
        bad_keys = (
            f"{ctx.root}/../{ctx.root}-private/{t.code}/{component}.jpg",
            f"{ctx.root}0/{t.code}/{component}.jpg",
            f"H00/{t.code}/{component}.jpg",
        )
        key = bad_keys[i % len(bad_keys)]
        data = {"component_code": component, "scanned_at": rfc3339(later),
                "object": _fake_object(rng, key)}  # fmt: skip
        return t.code, envelope(
            rng, "component.scanned", later, ctx.source_system, t.unit, data, t.code
        )
    raise ValueError(f"not an invalid-event code: {code}")


def invalid_events(ctx: FaultContext, count: int, first_order: int) -> list[Pending]:
    """``count`` invalid events cycling through :data:`INVALID_CODES`.

    Each names a random real dossier (or its unit) and is published 1-48 hours after it.
    """
    if not ctx.targets:
        return []
    out: list[Pending] = []
    for i in range(count):
        code = INVALID_CODES[i % len(INVALID_CODES)]
        target = ctx.targets[ctx.rng.randrange(len(ctx.targets))]
        at = target.received_at + timedelta(hours=ctx.rng.randint(1, 48), seconds=1)
        key, body = _one(ctx, code, i // len(INVALID_CODES), target, at.astimezone(TZ_VN))
        out.append(Pending(at, first_order + i, f"invalid:{code}", key, body, rejection=code))
    return out
