"""A steady load of dossier events at a fixed rate through the running system, with the time
each event was handed to the producer and the curve of facts applied by reuse.

Latency of the k-th event = first moment reuse had applied k events of the load, minus the
moment the k-th was sent (reuse counts a fact once it is committed to the projection that the
indicators read). This pairs events in order, which holds within a partition and is off by at
most a batch across partitions; the counter is sampled every 20 ms.
"""

from __future__ import annotations

import asyncio
import bisect
import math
import threading
import time
from dataclasses import dataclass
from typing import Any

from schemas.topics import publisher_topic

from .events import catalogue, dossier_events
from .harness import Bench, follow, new_root, only_topic, peak_rss_mb, publish, var_dir

RATE = 1000  # events per second
TICK = 0.01


@dataclass(frozen=True)
class SteadyResult:
    """What one steady-load run measured."""

    sent: int
    seconds: float
    latencies: list[float]
    rss_mb: dict[str, float]


def steady_load(bench: Bench, seconds: float, rate: int = RATE) -> SteadyResult:
    """Start ingest, digitizer and reuse, register the catalogue, then send `rate` events per
    second for `seconds` and follow them into reuse."""
    root = new_root(bench)
    env = {
        "TRACKER_INGEST_GROUP": f"bench-ingest-{root}",
        "TRACKER_REUSE_GROUP": f"bench-reuse-{root}",
        "TRACKER_DIGITIZER_GROUP": f"bench-digitizer-{root}",
        "TRACKER_TOPIC_PATTERN": only_topic(root),
    }
    cfg = bench.system(var_dir(bench.work, root), None, env, 1)
    bench.start(cfg, ["ingest", "digitizer", "reuse"])
    try:

        def applied() -> float:
            return bench.counters("reuse", 1).get("tracker_reuse_facts_applied_total", 0.0)

        base = applied()
        units = catalogue(root, 115)
        publish(bench.ports.kafka_bootstrap, publisher_topic(root), units)
        follow(applied, base + len(units), timeout=120, check=bench.check_alive)
        start = applied()
        load = dossier_events(root, int(rate * seconds / 1.5) + 10, duplicate_share=0.0)
        load = load[: int(rate * seconds)]
        sent_at: list[float] = []
        sender = threading.Thread(
            target=lambda: asyncio.run(
                _paced(bench.ports.kafka_bootstrap, root, load, rate, sent_at)
            )
        )
        samples: list[tuple[float, float]] = []
        sender.start()
        deadline = time.monotonic() + seconds + 600  # bounded, even when reuse falls behind
        while True:
            now = time.perf_counter()
            done = applied() - start
            samples.append((done, now))
            if done >= len(load) and not sender.is_alive():
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"reuse applied {done:.0f} of {len(load)} in time")
            bench.check_alive()
            time.sleep(0.02)
        sender.join()
        rss = {name: peak_rss_mb(pid) for name, pid in bench.pids().items()}
    finally:
        bench.stop_services()
    return SteadyResult(len(load), seconds, _latencies(sent_at, samples), rss)


def _latencies(sent_at: list[float], samples: list[tuple[float, float]]) -> list[float]:
    counts = [c for c, _ in samples]
    out = []
    for k, sent in enumerate(sent_at):
        i = bisect.bisect_left(counts, k + 1)
        out.append(max(0.0, samples[i][1] - sent))
    return out


async def _paced(
    bootstrap: str, root: str, load: list[Any], rate: int, sent_at: list[float]
) -> None:
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", linger_ms=5, enable_idempotence=False
    )
    await producer.start()
    topic = publisher_topic(root)
    per_tick = max(1, round(rate * TICK))
    began = time.perf_counter()
    try:
        for i in range(0, len(load), per_tick):
            due = began + (i / rate)
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            for m in load[i : i + per_tick]:
                sent_at.append(time.perf_counter())
                await producer.send(topic, m.value, key=m.key)
        await producer.flush()
    finally:
        await producer.stop()


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) by nearest rank: the smallest value with at least q of the values
    at or below it (rank ceil(q * n), so p50 of five values is the third)."""
    ordered = sorted(values)
    rank = math.ceil(q * len(ordered))  # not round(): banker's rounding takes 2.5 down to 2
    return ordered[min(len(ordered), max(1, rank)) - 1]
