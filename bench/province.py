"""A province-year through the stack users run, until the auditor API is exact.

The simulator's province (its default catalogue: 116 units) with the mix a real province
has: results before their dossier, reuse claims naming earlier results, documents and
dossiers, corrections, statuses, out-of-period dossiers, 1% of events delivered twice,
invalid events; and its catalogue events (unit registrations, procedure assignments) spread
through the stream, as catalogue updates arrive in practice, rather than all first. Files
are kept few (the digitizer has its own suite): a fraction of a percent of components and
results carry a scan.

Each measurement gets a fresh stack on the default durable broker storage (`s3://` in
SeaweedFS, as `make up`), the three services, and a database (SQLite files, as `make up`,
or a fresh PostgreSQL database). A separate process publishes the events; the clock of
`time_to_exact_s` starts when it has finished and stops when `/v1/indicators` answers the
simulator's ground truth for every unit.

Scale-out is measured on PostgreSQL with four provinces (`SCALE_SIZES` dossiers in all),
published at once by one publisher process per province, with 1, 2 and 4 instances of every
service: `tracker.facts` is keyed by root, so each reuse instance applies whole roots. The
four roots are chosen on four different partitions of the six (H50: 0, H47: 1, H49: 2,
H44: 3), which the consumer group's round-robin assignment spreads over two and over four
instances evenly. There reuse starts once ingest has handed every fact on, so `facts_per_s`
is the projection's own rate rather than the rate at which ingest and the broker feed it.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from reuse_tracker.simulator import Scenario, generate, parse_rates
from reuse_tracker.simulator.generate import Outgoing
from reuse_tracker.simulator.publish import truth_document
from reuse_tracker.simulator.spread import spread_catalogue
from reuse_tracker.system import SystemConfig, instance_ports, progress, scrape_all

from .harness import Bench, BenchError, bench_stack, cpu_seconds, database, var_dir
from .publisher import write_events

SIZES = {False: 600_000, True: 60_000}  # dossiers
ROOT = "H44"
SEED = 12
PERIOD = (date(2026, 1, 1), date(2026, 12, 31))
# The simulator's defaults, with few files (see the module docstring).
RATES = "scanned=0.004,result_scanned=0.004,e_result_file_url=1.0"
SCALE_ROOTS = ("H44", "H47", "H49", "H50")
# Dossiers of the four provinces together (a quarter each): three runs on PostgreSQL.
SCALE_SIZES = {False: 120_000, True: 12_000}
SCALE_INSTANCES = (1, 2, 4)
TARGETS = {
    "sqlite.time_to_exact_s": "<= 600",
    "sqlite.events_per_s": ">= 4,000",
    "sqlite.slowdown_last_vs_first": "<= 1.5",
    "scale.speedup_x2": ">= 1.6",
    "scale.speedup_x4": ">= 2.5",
}
UNITS = {
    "time_to_exact_s": "s",
    "events_per_s": "events/s",
    "publish_events_per_s": "events/s",
    "cpu_s": "s",
}
TIMEOUT_S = 3600.0
# Extra environment of the services (empty: their defaults, as users run them).
SERVICE_ENV: dict[str, str] = {}


@dataclass
class Sampler:
    """Facts applied by reuse over time, and CPU seconds per process."""

    samples: list[tuple[float, int]] = field(default_factory=list)

    def take(self, applied: int) -> None:
        """Record the applied-facts counter now."""
        self.samples.append((time.monotonic(), applied))

    def rates_by_tenth(self) -> list[float]:
        """Facts per second in each tenth of the facts (from the first to the last fact)."""
        # From the last sample before the first fact (when the counter starts to move).
        first = next((i for i, (_, n) in enumerate(self.samples) if n > 0), None)
        if first is None:
            return []
        moving = self.samples[max(first - 1, 0) :]
        if len(moving) < 2:
            return []
        total = moving[-1][1]
        out = []
        for tenth in range(10):
            lo, hi = total * tenth / 10, total * (tenth + 1) / 10
            t0 = _time_at(moving, lo)
            t1 = _time_at(moving, hi)
            out.append(round((hi - lo) / max(t1 - t0, 1e-3), 1))
        return out

    def mean_rate(self) -> float:
        """Facts per second from the first fact to the last."""
        moving = [(t, n) for t, n in self.samples if n > 0]
        if len(moving) < 2:
            return 0.0
        total = moving[-1][1]
        began = _time_at(self.samples, 1)
        ended = _time_at(self.samples, total)
        return round(total / max(ended - began, 1e-3), 1)


@dataclass(frozen=True)
class Province:
    """One simulated province and its events, catalogue spread through them."""

    scenario: Scenario
    events: list[Outgoing]

    @property
    def root(self) -> str:
        """The province's root unit code."""
        return self.scenario.root


def _time_at(samples: Sequence[tuple[float, int]], count: float) -> float:
    """When the counter reached `count` (linear between samples)."""
    prev_t, prev_n = samples[0]
    for t, n in samples:
        if n >= count:
            if n == prev_n:
                return t
            return prev_t + (t - prev_t) * (count - prev_n) / (n - prev_n)
        prev_t, prev_n = t, n
    return samples[-1][0]


def _upload_files(bench: Bench, events: Sequence[Outgoing]) -> int:
    from services.common.s3 import s3_client

    cfg = bench.stack.config
    store = s3_client(bench.ports.s3_endpoint, cfg.s3_access_key, cfg.s3_secret_key)
    count = 0
    for event in events:
        for key, blob, content_type in event.files:
            store.put_object("inbox", key, io.BytesIO(blob), len(blob), content_type)
            count += 1
    return count


def _token(cfg_var: Path, database_url: str | None) -> str:
    env = {"PATH": "/usr/bin:/bin"}
    if database_url:
        env["TRACKER_DATABASE_URL"] = database_url
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "reuse_tracker",
            "token",
            "create",
            "--role",
            "auditor",
            "--name",
            "bench",
            "--var-dir",
            str(cfg_var),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env=env,
    )
    return done.stdout.strip().splitlines()[-1]


def _mismatches(client: httpx.Client, token: str, truths: Sequence[dict[str, Any]]) -> list[str]:
    """Units whose /v1/indicators differs from the ground truth (or does not answer)."""
    wrong = []
    headers = {"Authorization": f"Bearer {token}"}
    for truth in truths:
        for unit, expected in truth["units"].items():
            params = {"unit": unit, "from": PERIOD[0].isoformat(), "to": PERIOD[1].isoformat()}
            r = client.get("/v1/indicators", params=params, headers=headers)
            if r.status_code != 200:
                wrong.append(f"{unit} ({r.status_code})")
                continue
            got = {k: v for k, v in r.json().items() if k != "units"}
            if got != expected:
                wrong.append(unit)
    return wrong


def measure(
    db: str,
    instances: int,
    provinces: Sequence[Province],
    work: Path,
    *,
    reuse_after_ingest: bool = False,
) -> dict[str, Any]:
    """Provinces published at once on a fresh durable stack; see the module docstring.

    With `reuse_after_ingest`, reuse starts only once ingest has handed every fact on, so
    `facts_per_s` is the projection's own rate, not the rate at which facts reach it.
    """
    truths = [truth_document(p.scenario) for p in provinces]
    files = []
    for p in provinces:
        path = work / f"events-{p.root}.bin"
        write_events(path, ((e.key, e.value) for e in p.events))
        files.append((p, path))
    events = sum(len(p.events) for p in provinces)
    roots = tuple(p.root for p in provinces)
    with bench_stack(roots, broker_storage="s3") as bench:
        uploaded = sum(_upload_files(bench, p.events) for p in provinces)
        with database(db, bench.work, f"province{instances}") as url:
            folder = var_dir(bench.work, f"{db}-x{instances}")
            cfg = bench.system(folder, url, dict(SERVICE_ENV), instances)
            first = (
                ["ingest", "digitizer"] if reuse_after_ingest else ["ingest", "digitizer", "reuse"]
            )
            bench.start(cfg, first)
            service_pids = bench.pids()
            infra = {"broker": bench.stack.broker, "s3": bench.stack.s3}
            infra_pids = {n: p.pid for n, p in infra.items() if p is not None and p.pid}
            cpu0 = _cpu(service_pids, infra_pids)
            sampler = Sampler()
            began = time.monotonic()
            publishers = [_start_publisher(bench, p.scenario.topic, path) for p, path in files]
            try:
                while any(each.poll() is None for each in publishers):
                    if not reuse_after_ingest:
                        sampler.take(progress(bench.ports, instances).applied)
                    bench.check_alive()
                    _deadline(began)
                    time.sleep(1.0)
                published = [_published(each) for each in publishers]
                published_at = time.monotonic()
                if reuse_after_ingest:
                    service_pids = _start_reuse_when_ingested(
                        bench, cfg, events, sampler, instances, began
                    )
                token = _token(folder, url)
                base = f"http://127.0.0.1:{bench.ports.api}"
                with httpx.Client(base_url=base, trust_env=False, timeout=60) as client:
                    wrong = _wait_exact(
                        bench, client, token, truths, events, sampler, instances, began
                    )
                exact_at = time.monotonic()
            finally:
                for each in publishers:
                    if each.poll() is None:
                        each.kill()
            cpu1 = _cpu(service_pids, infra_pids)
            batches = _batches(bench, instances)
            bench.stop_services()
    by_tenth = sampler.rates_by_tenth()
    seconds = exact_at - began
    publish_s = max(seconds for _, seconds in published)
    return {
        "broker_storage": "s3",
        "database": "postgresql" if db == "postgres" else "sqlite",
        "instances": instances,
        "roots": len(roots),
        "events": events,
        "files": uploaded,
        "units": sum(len(t["units"]) for t in truths),
        "publish_events_per_s": round(sum(n for n, _ in published) / publish_s),
        "publish_s": round(publish_s, 1),
        "time_to_exact_s": round(exact_at - published_at, 1),
        "total_s": round(seconds, 1),
        "events_per_s": round(events / seconds),
        "facts_per_s": sampler.mean_rate(),
        "facts_per_s_by_tenth": by_tenth,
        "slowdown_last_vs_first": round(by_tenth[0] / by_tenth[-1], 2) if by_tenth else None,
        "cpu_s": {name: round(cpu1[name] - cpu0.get(name, 0.0), 1) for name in cpu1},
        "exact": not wrong,
        **batches,
    }


def _start_reuse_when_ingested(
    bench: Bench, cfg: SystemConfig, published: int, sampler: Sampler, instances: int, began: float
) -> dict[str, int]:
    """Start reuse once ingest has handled every event; the process ids of the services."""
    _wait_ingested(bench, published, instances, began)
    # The projection's clock starts with its first process (start-up and the group's first
    # assignment included): a first sample at 0 facts.
    sampler.take(0)
    bench.start(cfg, ["reuse"])
    return bench.pids()


def _wait_ingested(bench: Bench, published: int, instances: int, began: float) -> None:
    """Until ingest has handled every published event."""
    while True:
        ingest = scrape_all(instance_ports(bench.ports, "ingest", instances))
        handled = sum(
            int(ingest.get(f"tracker_ingest_events_{kind}_total", 0))
            for kind in ("accepted", "duplicate", "rejected")
        )
        if handled >= published:
            return
        bench.check_alive()
        _deadline(began)
        time.sleep(1.0)


def _start_publisher(bench: Bench, topic: str, path: Path) -> subprocess.Popen[str]:
    """A publisher process sending the events file to `topic` (see bench/publisher.py)."""
    argv = [sys.executable, "-m", "bench.publisher", str(path)]
    argv += ["--bootstrap", bench.ports.kafka_bootstrap, "--topic", topic]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)


def _published(publisher: subprocess.Popen[str]) -> tuple[int, float]:
    """(events, seconds) a finished publisher reports."""
    out, _ = publisher.communicate()
    if publisher.returncode != 0:
        raise BenchError(f"the publisher failed with {publisher.returncode}")
    done = json.loads(out.strip().splitlines()[-1])
    return int(done["events"]), float(done["seconds"])


def _batches(bench: Bench, instances: int) -> dict[str, float]:
    """Mean batch size and time of ingest and reuse (where the time goes)."""
    ingest = bench.counters("ingest", instances)
    reuse = bench.counters("reuse", instances)
    ingest_n = max(ingest.get("tracker_ingest_batch_seconds_count", 0.0), 1.0)
    reuse_n = max(reuse.get("tracker_reuse_batch_seconds_count", 0.0), 1.0)
    return {
        "ingest_batches": int(ingest_n),
        "ingest_batch_events": round(ingest.get("tracker_ingest_batch_events_sum", 0.0) / ingest_n),
        "ingest_batch_s": round(ingest.get("tracker_ingest_batch_seconds_sum", 0.0) / ingest_n, 3),
        "reuse_batches": int(reuse_n),
        "reuse_batch_s": round(reuse.get("tracker_reuse_batch_seconds_sum", 0.0) / reuse_n, 3),
    }


def _cpu(services: dict[str, int], infra: dict[str, int]) -> dict[str, float]:
    out: dict[str, float] = {}
    for name, pid in {**services, **infra}.items():
        kind = name.split("-")[0]
        out[kind] = out.get(kind, 0.0) + cpu_seconds([pid])
    return out


def _deadline(began: float) -> None:
    if time.monotonic() - began > TIMEOUT_S:
        raise BenchError(f"the province was not exact within {TIMEOUT_S:.0f} s")


def _wait_exact(
    bench: Bench,
    client: httpx.Client,
    token: str,
    truths: Sequence[dict[str, Any]],
    published: int,
    sampler: Sampler,
    instances: int,
    began: float,
) -> list[str]:
    """Sample until every event is processed, then until the API is exact."""
    while True:
        now = progress(bench.ports, instances)
        sampler.take(now.applied)
        bench.check_alive()
        _deadline(began)
        if now.applied >= now.accepted > 0 and now.handled >= published and _settled(sampler):
            wrong = _mismatches(client, token, truths)
            if not wrong:
                return wrong
            print(f"  not exact yet: {len(wrong)} units, e.g. {wrong[:3]}", file=sys.stderr)
        time.sleep(1.0)


def _settled(sampler: Sampler) -> bool:
    """The applied counter has not moved for three samples."""
    last = [n for _, n in sampler.samples[-3:]]
    return len(last) == 3 and len(set(last)) == 1


def province(root: str, dossiers: int, seed: int) -> Province:
    """A simulated province with the catalogue spread through its events."""
    scenario = generate(root, dossiers, seed, parse_rates(RATES), PERIOD)
    return Province(scenario, spread_catalogue(scenario, seed))


def scenario_for(quick: bool) -> tuple[Scenario, list[Outgoing]]:
    """The simulated province and its events with the catalogue spread through them."""
    one = province(ROOT, SIZES[quick], SEED)
    return one.scenario, one.events


def run(*, quick: bool = False) -> dict[str, Any]:
    """One province on SQLite and on PostgreSQL (one instance of each service), then four
    smaller provinces on PostgreSQL with 1, 2 and 4 instances."""
    import tempfile

    began = time.monotonic()
    single = [province(ROOT, SIZES[quick], SEED)]
    quarter = SCALE_SIZES[quick] // len(SCALE_ROOTS)
    several = [province(r, quarter, SEED + i) for i, r in enumerate(SCALE_ROOTS)]
    print(
        f"  province: {len(single[0].events):,} events, and "
        f"{sum(len(p.events) for p in several):,} in {len(several)} provinces, generated in "
        f"{time.monotonic() - began:.0f} s",
        file=sys.stderr,
        flush=True,
    )
    out: dict[str, Any] = {"dossiers": SIZES[quick], "scale_dossiers": SCALE_SIZES[quick]}
    plan = [("sqlite", "sqlite", 1, single), ("postgresql.x1", "postgres", 1, single)]
    plan += [(f"scale_x{n}", "postgres", n, several) for n in SCALE_INSTANCES]
    with tempfile.TemporaryDirectory(prefix="tracker-province-") as tmp:
        for label, db, instances, provinces in plan:
            staged = label.startswith("scale_")
            result = measure(db, instances, provinces, Path(tmp), reuse_after_ingest=staged)
            print(f"  province {label}: {result}", file=sys.stderr, flush=True)
            out[label] = result
    one = out["scale_x1"]["facts_per_s"] or 1.0
    out["scale"] = {
        f"speedup_x{n}": round(out[f"scale_x{n}"]["facts_per_s"] / one, 2)
        for n in SCALE_INSTANCES[1:]
    }
    return out
