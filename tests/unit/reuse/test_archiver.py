"""The archive's format: keys per root and local day, gzip'd JSON lines, no raw input."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from typing import Any

from schemas.internal import Fact
from services.reuse.archiver import (
    ArchivedFact,
    decode_object,
    encode_object,
    group_by_root,
    without_raw,
)


def fact(event_id: str, root: str, **extra: Any) -> Fact:
    value: dict[str, Any] = {
        "event_id": event_id,
        "event_type": "dossier.status_changed",
        "root": root,
        "agency_code": f"{root}.01",
        "dossier_code": "D-1",
        "occurred_at": "2026-03-01T08:00:00+07:00",
        "source_system": "test",
        "data": {"status": 9, "changed_at": "2026-03-01T08:00:00+07:00"},
        "source": {"topic": f"dossier-events.{root}", "partition": 0, "offset": 1},
        **extra,
    }
    return value  # type: ignore[return-value]


def test_raw_input_is_dropped() -> None:
    kept = without_raw(fact("e1", "H44", raw="eyJhcHBsaWNhbnQiOiAiMDAxMjM0In0="))
    assert "raw" not in kept
    assert kept["event_id"] == "e1"


def test_round_trip_keeps_order_and_positions() -> None:
    records = [ArchivedFact("tracker.facts", 2, 10 + i, fact(f"e{i}", "H44")) for i in range(5)]
    data = encode_object(records)
    assert gzip.decompress(data).count(b"\n") == 5
    assert list(decode_object(data)) == records
    assert encode_object(records) == data  # no timestamp inside the gzip header


def test_one_object_per_root_under_its_local_day() -> None:
    records = [
        ArchivedFact("tracker.facts", 0, 7, fact("a", "H44")),
        ArchivedFact("tracker.digitized", 3, 2, fact("b", "H10")),
        ArchivedFact("tracker.facts", 1, 9, fact("c", "H44")),
    ]
    # 18:30 UTC on 31 March is already 1 April in Vietnam.
    moment = datetime(2026, 3, 31, 18, 30, tzinfo=UTC)
    groups = group_by_root(records, moment)
    assert set(groups) == {"H44", "H10"}
    key, recs = groups["H44"]
    assert [r.fact["event_id"] for r in recs] == ["a", "c"]
    assert key.startswith("events/H44/2026/04/01/013000")
    assert "-tracker.facts-p0-o7-" in key
    assert key.endswith(".jsonl.gz")
    assert groups["H10"][0].startswith("events/H10/2026/04/01/")
