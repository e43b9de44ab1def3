"""The whole pipeline without files: dossier events per second through ingest and reuse, until
the indicators include them (reuse has committed them to the projection the indicators read).

With 1 and 2 instances of each service. Each measurement has its own topic, facts topic,
consumer groups and databases (SQLite files); the groups settle before publishing, and the
clock runs from reuse's first applied fact to its last.
"""

from __future__ import annotations

import sys
from typing import Any

from reuse_tracker.stack import TopicSpec, ensure_topics
from schemas.topics import publisher_topic

from .events import Message
from .harness import (
    Bench,
    bench_stack,
    follow,
    new_root,
    only_topic,
    peak_rss_mb,
    publish,
    var_dir,
    wait_group_stable,
)
from .ingest import for_root, stream

SIZES = {False: 300_000, True: 20_000}
PROVINCE_YEAR = 1_200_000
TARGETS = {"x1.province_year_s": "< 120"}
UNITS = {"events_per_s": "events/s", "province_year_s": "s", "rss_mb": "MB"}


def measure(bench: Bench, instances: int, messages: list[Message]) -> tuple[float, float]:
    """(events/s through ingest and reuse, peak RSS MB of the largest process)."""
    root = new_root(bench)
    facts = f"bench.facts.{root}"
    ensure_topics(bench.ports.kafka_bootstrap, [TopicSpec(facts)])
    batch = for_root(messages, root)
    unique = len({m.value for m in batch})
    env = {
        "TRACKER_INGEST_GROUP": f"bench-ingest-{root}",
        "TRACKER_REUSE_GROUP": f"bench-reuse-{root}",
        "TRACKER_TOPIC_PATTERN": only_topic(root),
        "TRACKER_FACTS_TOPIC": facts,
    }
    cfg = bench.system(var_dir(bench.work, root), None, env, instances)
    bench.start(cfg, ["ingest", "reuse"])
    try:
        for group in (env["TRACKER_INGEST_GROUP"], f"{env['TRACKER_REUSE_GROUP']}-facts"):
            wait_group_stable(bench.ports.kafka_bootstrap, group, instances)

        def applied() -> float:
            return bench.counters("reuse", instances).get("tracker_reuse_facts_applied_total", 0)

        publish(bench.ports.kafka_bootstrap, publisher_topic(root), batch)
        rate = follow(applied, unique, timeout=max(300.0, unique / 200), check=bench.check_alive)
        rss = max(peak_rss_mb(pid) for pid in bench.pids().values())
    finally:
        bench.stop_services()
    return rate.per_second, rss


def run(*, quick: bool = False) -> dict[str, Any]:
    """One run with 1, then 2 instances of each service."""
    messages = stream(SIZES[quick])
    out: dict[str, Any] = {"events": len(messages)}
    with bench_stack() as bench:
        for instances in (1, 2):
            rate, rss = measure(bench, instances, messages)
            out[f"x{instances}.events_per_s"] = round(rate)
            out[f"x{instances}.province_year_s"] = round(PROVINCE_YEAR / rate, 1)
            out[f"x{instances}.rss_mb"] = rss
            print(f"  pipeline x{instances}: {rate:,.0f} events/s", file=sys.stderr, flush=True)
    return out
