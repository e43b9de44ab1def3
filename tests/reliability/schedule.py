"""The fault schedule of a crash run: which fault, at which published event, for how long.

Made from a seed alone, so a failing run is replayed by running it again with the seed it
printed (TRACKER_CRASH_SEED). Faults never overlap: each one is over (the process restarted,
the store or database back) before the next begins.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

SERVICES = ("ingest", "digitizer", "reuse")


@dataclass(frozen=True)
class Fault:
    """One fault: `kind` is kill (of `target`), broker (restart), s3 or database (outage)."""

    at_event: int
    kind: str
    target: str
    down_seconds: float

    def describe(self) -> str:
        """One line for the printed schedule."""
        what = {
            "kill": f"kill -9 {self.target}, restart after {self.down_seconds:.1f} s",
            "broker": "restart the broker (Tansu on S3 storage)",
            "s3": f"stop the S3 store for {self.down_seconds:.1f} s",
            "database": f"stop PostgreSQL (immediate) for {self.down_seconds:.1f} s",
        }[self.kind]
        return f"at event {self.at_event:>6}: {what}"


@dataclass(frozen=True)
class Plan:
    """How many faults of each kind a run makes."""

    kills_per_service: int
    broker_restarts: int
    s3_outages: int
    database_outages: int
    outage_seconds: tuple[float, float]


def make_schedule(seed: int, events: int, plan: Plan) -> list[Fault]:
    """Faults spread over the publishing of `events` events, in a seeded random order."""
    rng = random.Random(seed)
    kinds: list[tuple[str, str]] = [
        (k, s) for s in SERVICES for k in ["kill"] * plan.kills_per_service
    ]
    kinds += [("broker", "tansu")] * plan.broker_restarts
    kinds += [("s3", "seaweedfs")] * plan.s3_outages
    kinds += [("database", "postgresql")] * plan.database_outages
    rng.shuffle(kinds)
    # Evenly spaced slots over the stream, each moved a little, so that faults hit early,
    # middle and late publishing and never two at the same event.
    slot = events / (len(kinds) + 1)
    faults: list[Fault] = []
    for i, (kind, target) in enumerate(kinds, start=1):
        at = int(slot * i + rng.uniform(-0.3, 0.3) * slot)
        if kind == "kill":
            down = rng.uniform(0.2, 3.0)
        elif kind == "broker":
            down = 0.0
        else:
            down = rng.uniform(*plan.outage_seconds)
        faults.append(Fault(max(1, min(events - 1, at)), kind, target, round(down, 1)))
    faults.sort(key=lambda f: f.at_event)
    return faults
