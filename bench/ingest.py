"""Ingest throughput: events per second from the broker into durable, deduplicated storage.

For SQLite and PostgreSQL, with 1 and 2 ingest instances in one consumer group, and the naive
baseline (one event per transaction, `bench/naive.py`) on the same machine in the same run.
Each measurement gets its own topic, consumer group and database; the group is let to settle
before the events are published, and the rate is taken after publishing ended, so neither
the joins nor the producer's CPU are in it. The stream holds 1% exact re-sends.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

from schemas.topics import publisher_topic

from .events import Message, catalogue, dossier_events
from .harness import (
    Bench,
    bench_stack,
    cpu_seconds,
    database,
    follow,
    new_root,
    only_topic,
    peak_rss_mb,
    publish,
    var_dir,
    wait_group_stable,
)

SIZES = {False: (200_000, 20_000), True: (30_000, 3_000)}  # events: ingest, naive baseline
TARGETS = {
    "sqlite.x1.events_per_s": ">= 20,000",
    "sqlite.vs_naive": ">= 10",
}
UNITS = {"events_per_s": "events/s", "vs_naive": "x", "rss_mb": "MB", "cpu_us_per_event": "µs"}
PLACEHOLDER = "BQ0000"


def stream(events: int) -> list[Message]:
    """About `events` messages of a province named PLACEHOLDER (replaced per measurement)."""
    return catalogue(PLACEHOLDER, 115) + dossier_events(PLACEHOLDER, int(events / 1.515))


def for_root(messages: list[Message], root: str) -> list[Message]:
    """The same stream for another root of the same length."""
    a, b = PLACEHOLDER.encode(), root.encode()
    return [Message(m.key.replace(a, b), m.value.replace(a, b), m.dossier) for m in messages]


def _handled(bench: Bench, instances: int) -> float:
    c = bench.counters("ingest", instances)
    return (
        c.get("tracker_ingest_events_accepted_total", 0.0)
        + c.get("tracker_ingest_events_duplicate_total", 0.0)
        + c.get("tracker_ingest_events_rejected_total", 0.0)
    )


@dataclass(frozen=True)
class Measured:
    """One ingest measurement."""

    per_second: float
    rss_mb: float  # peak of the largest instance
    cpu_us_per_event: float  # ingest processes' CPU time per event (robust to a busy machine)


def measure_ingest(bench: Bench, db: str, instances: int, messages: list[Message]) -> Measured:
    """Ingest on a fresh topic, group and database."""
    root = new_root(bench)
    group = f"bench-{root}"
    batch = for_root(messages, root)
    with database(db, bench.work, root.lower()) as url:
        env = {"TRACKER_INGEST_GROUP": group, "TRACKER_TOPIC_PATTERN": only_topic(root)}
        cfg = bench.system(var_dir(bench.work, root), url, env, instances)
        bench.start(cfg, ["ingest"])
        try:
            wait_group_stable(bench.ports.kafka_bootstrap, group, instances)
            publish(bench.ports.kafka_bootstrap, publisher_topic(root), batch)
            pids = list(bench.pids().values())
            cpu = cpu_seconds(pids)
            rate = follow(
                lambda: _handled(bench, instances),
                len(batch),
                timeout=max(120.0, len(batch) / 500),
                check=bench.check_alive,
            )
            cpu = cpu_seconds(pids) - cpu
            rss = max(peak_rss_mb(pid) for pid in pids)
        finally:
            bench.stop_services()
    return Measured(rate.per_second, rss, cpu * 1e6 / max(rate.count, 1))


def measure_naive(bench: Bench, db: str, messages: list[Message]) -> float:
    """Events/s of the naive baseline on a fresh topic and DB."""
    root = new_root(bench)
    group = f"bench-{root}"
    batch = for_root(messages, root)
    with database(db, bench.work, root.lower()) as url:
        port = bench.ports.ingest_http
        env = {
            "TRACKER_INGEST_GROUP": group,
            "TRACKER_TOPIC_PATTERN": only_topic(root),
            "TRACKER_INGEST_PORT": str(port),
            "TRACKER_VAR_DIR": str(var_dir(bench.work, root)),
            **({"TRACKER_DATABASE_URL": url} if url else {}),
        }
        bench.start_module("naive", "bench.naive", env, port)
        try:
            wait_group_stable(bench.ports.kafka_bootstrap, group, 1)
            publish(bench.ports.kafka_bootstrap, publisher_topic(root), batch)
            rate = follow(
                lambda: bench.counters("ingest", 1).get("bench_naive_events_total", 0.0),
                len(batch),
                timeout=max(120.0, len(batch) / 20),
                check=bench.check_alive,
            )
        finally:
            bench.stop_services()
    return rate.per_second


def run(*, quick: bool = False) -> dict[str, Any]:
    """One run of every measurement; see the module docstring."""
    size, naive_size = SIZES[quick]
    messages = stream(size)
    out: dict[str, Any] = {"events": len(messages), "naive_events": naive_size}
    with bench_stack() as bench:
        for db in ("sqlite", "postgres"):
            for instances in (1, 2):
                m = measure_ingest(bench, db, instances, messages)
                out[f"{db}.x{instances}.events_per_s"] = round(m.per_second)
                out[f"{db}.x{instances}.cpu_us_per_event"] = round(m.cpu_us_per_event, 1)
                out[f"{db}.x{instances}.rss_mb"] = m.rss_mb
                _say(f"ingest {db} x{instances}: {m.per_second:,.0f} events/s")
            naive = measure_naive(bench, db, messages[:naive_size])
            out[f"{db}.naive.events_per_s"] = round(naive)
            out[f"{db}.vs_naive"] = round(out[f"{db}.x1.events_per_s"] / naive, 1)
            _say(f"naive {db}: {naive:,.0f} events/s")
    return out


def _say(line: str) -> None:
    print(f"  {line}", file=sys.stderr, flush=True)
