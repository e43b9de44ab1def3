"""How much a unit pulls its parent's score down: the points it misses out of 22, weighted by
its share of the parent's dossiers (a large unit far from full marks costs most)."""

from __future__ import annotations

from typing import Any


def points_lost(unit: dict[str, Any], dossiers: int) -> float:
    """What an indicator object costs a parent with `dossiers` dossiers in the period."""
    if dossiers == 0:
        return 0.0
    share = unit["metrics"][0]["denominator"] / dossiers
    return float((unit["max_score"] - unit["total_score"]) * share)
