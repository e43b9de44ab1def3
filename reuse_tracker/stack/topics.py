"""The topics the tracker reads and writes, created idempotently with kafka-python's admin."""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from schemas.topics import INTERNAL_TOPICS, publisher_topic, rejected_topic

from .broker import admin_client
from .kafka_client import kafka_errors
from .process import StackError

DEFAULT_PARTITIONS = 6
_LEGAL = re.compile(r"^[A-Za-z0-9._-]{1,249}$")


@dataclass(frozen=True)
class TopicSpec:
    """A topic and how many partitions it must have."""

    name: str
    partitions: int = DEFAULT_PARTITIONS

    def __post_init__(self) -> None:
        if not _LEGAL.match(self.name):
            raise ValueError(f"illegal Kafka topic name {self.name!r}")
        if self.partitions < 1:
            raise ValueError(f"topic {self.name}: partitions must be >= 1")


def default_topics(roots: Iterable[str]) -> list[TopicSpec]:
    """`dossier-events.<ROOT>` and `dossier-events.<ROOT>.rejected` for each root, then the
    internal `tracker.facts`, `tracker.files`, `tracker.digitized`; 6 partitions each."""
    specs: list[TopicSpec] = []
    for root in roots:
        specs.append(TopicSpec(publisher_topic(root)))
        specs.append(TopicSpec(rejected_topic(publisher_topic(root))))
    specs.extend(TopicSpec(name) for name in INTERNAL_TOPICS)
    return specs


def _ready_partitions(topic: dict[str, Any] | None) -> int | None:
    """Number of partitions if the topic is described without error and every partition has
    a leader, else None."""
    if topic is None or topic.get("error_code", 0) != 0:
        return None
    partitions = topic.get("partitions") or []
    if not partitions:
        return None
    for p in partitions:
        if p.get("error_code", 0) != 0 or p.get("leader_id", p.get("leader", -1)) < 0:
            return None
    return len(partitions)


def ensure_topics(bootstrap: str, specs: Sequence[TopicSpec], timeout: float = 30.0) -> None:
    """Create the missing topics, then wait until all are in the metadata with a leader for
    every partition and check their partition counts (StackError if one differs)."""
    if not specs:
        return
    wanted = {s.name: s.partitions for s in specs}
    admin = admin_client(bootstrap)
    try:
        existing = set(admin.list_topics())
        missing = {n: p for n, p in wanted.items() if n not in existing}
        if missing:
            result = admin.create_topics(
                {n: {"num_partitions": p, "replication_factor": 1} for n, p in missing.items()},
                raise_errors=False,
            )
            for topic in result.get("topics", []):
                error = kafka_errors.for_code(topic.get("error_code", 0))
                if error is kafka_errors.NoError or error is kafka_errors.TopicAlreadyExistsError:
                    continue
                raise StackError(
                    f"creating topic {topic.get('name')}: {error.__name__} "
                    f"{topic.get('error_message') or ''}".rstrip()
                )
        deadline = time.monotonic() + timeout
        while True:
            described = {t.get("name"): t for t in admin.describe_topics(list(wanted))}
            counts = {n: _ready_partitions(described.get(n)) for n in wanted}
            pending = sorted(n for n, c in counts.items() if c is None)
            if not pending:
                break
            if time.monotonic() >= deadline:
                raise StackError(f"topics not ready after {timeout:.0f} s: {', '.join(pending)}")
            time.sleep(0.25)
        wrong = [f"{n} has {counts[n]}, wants {p}" for n, p in wanted.items() if counts[n] != p]
        if wrong:
            raise StackError("topics with the wrong number of partitions: " + "; ".join(wrong))
    finally:
        admin.close()
