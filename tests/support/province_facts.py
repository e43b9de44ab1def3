"""Facts of a simulated province as the reuse projection receives them, without a broker:
each event checked and normalized as ingest does, and each file as the digitizer would have
stored it (its declared SHA-256, no perceptual hash)."""

from __future__ import annotations

from datetime import date
from typing import Any

from reuse_tracker.simulator import generate, parse_rates
from reuse_tracker.simulator.generate import Outgoing
from reuse_tracker.simulator.spread import spread_catalogue
from schemas.internal import Fact, FileOutcome
from services.ingest.normalize import to_fact
from services.ingest.pseudonymize import ApplicantHasher
from services.ingest.validation import Valid, check_event

FILE_EVENTS = ("component.scanned", "result.issued", "result.scanned")
FEW_FILES = "scanned=0.004,result_scanned=0.004,e_result_file_url=1.0"


def province_events(root: str, dossiers: int, seed: int, rates: str = FEW_FILES) -> list[Outgoing]:
    """The simulator's events of a province over 2026, its catalogue events spread through
    the stream (as in the `province` benchmark)."""
    scenario = generate(
        root, dossiers, seed, parse_rates(rates), (date(2026, 1, 1), date(2026, 12, 31))
    )
    return spread_catalogue(scenario, seed)


def facts_of(events: list[Outgoing], root: str) -> list[Fact]:
    """The facts ingest would hand on (first delivery of each event_id only)."""
    hasher = ApplicantHasher(b"k" * 32)
    seen: set[str] = set()
    out: list[Fact] = []
    for offset, event in enumerate(events):
        checked = check_event(event.value, root)
        if not isinstance(checked, Valid):
            continue
        source = {"topic": f"dossier-events.{root}", "partition": 0, "offset": offset}
        fact = to_fact(checked.event, root, source, event.value, hasher)  # type: ignore[arg-type]
        if fact["event_id"] in seen:
            continue
        seen.add(fact["event_id"])
        fact.pop("raw", None)
        obj: dict[str, Any] | None = fact["data"].get("object")
        if fact["event_type"] in FILE_EVENTS and obj is not None:
            fact["file"] = {
                "status": "stored",
                "sha256": obj["sha256"],
                "e_result": fact["event_type"] == "result.issued" and fact["data"]["electronic"],
            }
        out.append(fact)
    return out


def fact_of(event: dict[str, Any], outcome: FileOutcome | None = None, root: str = "H44") -> Fact:
    """One contract event as the fact ingest hands on (with the digitizer's `outcome`)."""
    source = {"topic": f"dossier-events.{root}", "partition": 0, "offset": 0}
    out = to_fact(event, root, source, b"{}", ApplicantHasher(b"t" * 32))  # type: ignore[arg-type]
    if outcome is not None:
        out["file"] = outcome
    return out
