"""Catalogue events spread through a scenario's stream, as catalogue updates arrive in
practice, instead of all first (the order the simulator publishes them in)."""

from __future__ import annotations

import random

from .generate import Outgoing, Scenario

CATALOGUE_KINDS = ("agency.registered", "procedure.assigned", "duplicate:agency.registered")


def spread_catalogue(scenario: Scenario, seed: int) -> list[Outgoing]:
    """The scenario's events with every catalogue event (unit registrations, procedure
    assignments and their re-sends) moved to a random place in the stream (seeded), the
    other events keeping their order. The figures must not change: the tracker's answers do
    not depend on arrival order."""
    rng = random.Random(seed)
    pairs = list(zip(scenario.events, scenario.kinds, strict=True))
    catalogue = [e for e, kind in pairs if kind in CATALOGUE_KINDS]
    rest = [e for e, kind in pairs if kind not in CATALOGUE_KINDS]
    places = sorted(rng.randrange(len(rest) + 1) for _ in catalogue)
    rng.shuffle(catalogue)
    out: list[Outgoing] = []
    at = 0
    for place, event in zip(places, catalogue, strict=True):
        out.extend(rest[at:place])
        out.append(event)
        at = place
    out.extend(rest[at:])
    return out
