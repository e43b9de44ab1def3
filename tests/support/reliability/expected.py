"""What a run must leave behind, from the simulator's own records (never from the tracker):
which events are accepted, which are refused and with what code, which files are stored,
and every reuse claim (the edges from a reusing component to its source)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from reuse_tracker.simulator import Scenario
from reuse_tracker.simulator.facts import REUSE_ORIGINS
from services.digitizer import tables as dt
from services.ingest import tables as it
from services.reuse import tables as rt

from .harness import Harness

Edge = tuple[str, str, str, str | None, str | None, str | None, str | None]


@dataclass(frozen=True)
class Expected:
    """The exact end state of a scenario's run."""

    accepted_ids: frozenset[str]
    refused: dict[bytes, str]  # message value -> error.code
    stored_ids: frozenset[str]  # file events whose file is stored
    stored_component_scans: frozenset[str]  # the component.scanned ones among them
    documents: frozenset[str]  # SHA-256 of every distinct stored file
    edges: frozenset[Edge]


def expected_of(scenario: Scenario) -> Expected:
    """Derive the expected end state from the scenario."""
    accepted: set[str] = set()
    refused: dict[bytes, str] = {}
    stored: set[str] = set()
    component_scans: set[str] = set()
    documents: set[str] = set()
    for event, kind, code in zip(scenario.events, scenario.kinds, scenario.rejections, strict=True):
        if code is not None:
            refused[event.value] = code
        if kind.startswith("invalid:"):
            continue
        parsed = json.loads(event.value)
        event_id = parsed["event_id"].lower()
        accepted.add(event_id)
        if code is None and event.files:
            stored.add(event_id)
            if parsed["event_type"] == "component.scanned":
                component_scans.add(event_id)
            documents.update(hashlib.sha256(data).hexdigest() for _k, data, _t in event.files)
    edges: set[Edge] = set()
    for dossier in scenario.dossiers:
        intake = max(dossier.intakes, key=lambda i: i.occurred_at)
        components = {c.code: c for c in intake.components}
        components.update({c.code: c for c in dossier.supplements})
        for c in components.values():
            if c.origin not in REUSE_ORIGINS:
                continue
            src = dict(c.source)
            edges.add(
                (
                    dossier.code,
                    c.code,
                    c.origin,
                    src.get("document_code"),
                    src.get("result_code"),
                    src.get("dossier_code"),
                    src.get("db_code"),
                )
            )
    return Expected(
        frozenset(accepted),
        refused,
        frozenset(stored),
        frozenset(component_scans),
        frozenset(documents),
        frozenset(edges),
    )


def applied_ids(h: Harness) -> set[str]:
    """Event IDs the reuse projection has applied."""
    return {r[0] for r in h.query("reuse", select(rt.events.c.event_id))}


def actual_state(h: Harness, root: str) -> dict[str, Any]:
    """The same sets, read from the services' tables."""
    c = rt.components
    edges = {
        tuple(r)
        for r in h.query(
            "reuse",
            select(
                c.c.dossier_code,
                c.c.component_code,
                c.c.origin,
                c.c.source_document_code,
                c.c.source_result_code,
                c.c.source_dossier_code,
                c.c.source_db_code,
            ).where(c.c.root == root, c.c.origin.in_(sorted(REUSE_ORIGINS))),
        )
    }
    subs = h.query("digitizer", select(dt.submissions.c.event_id, dt.submissions.c.status))
    scans = h.query(
        "reuse",
        select(rt.scans.c.event_id).where(
            rt.scans.c.stored.is_(True), rt.scans.c.target_kind == "component"
        ),
    )
    return {
        "accepted_ids": {r[0] for r in h.query("ingest", select(it.events.c.event_id))},
        "applied_ids": applied_ids(h),
        "stored_ids": {e for e, status in subs if status == "stored"},
        "reuse_stored_scans": {r[0] for r in scans},
        "documents": {r[0] for r in h.query("digitizer", select(dt.documents.c.sha256))},
        "edges": edges,
    }
