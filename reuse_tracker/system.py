"""The whole system on this machine: the local stack plus the three services.

Each service can run as several instances in one consumer group (they share the partitions
and the database); instance `i` (from 0) listens on its service's HTTP port +
`ports.instance_step` * i (100 by default, 3 in the compact test port sets).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from .stack import LocalStack, StackConfig, StackPorts
from .stack.supervisor import DEFAULT_POLICY, RestartPolicy

SERVICES = ("ingest", "digitizer", "reuse")
MAX_INSTANCES = 8
_PORT_VARIABLE = {
    "ingest": "TRACKER_INGEST_PORT",
    "digitizer": "TRACKER_DIGITIZER_PORT",
    "reuse": "TRACKER_API_PORT",
}


@dataclass(frozen=True)
class SystemConfig:
    """Where the system keeps its state and which ports it uses."""

    var_dir: Path
    ports: StackPorts
    roots: tuple[str, ...] = ("H44",)
    database_url: str | None = None
    extra_env: Mapping[str, str] | None = None
    instances: int = 1
    # Every process is restarted when it exits unexpectedly; None: not supervised.
    restart: RestartPolicy | None = DEFAULT_POLICY

    def __post_init__(self) -> None:
        if not 1 <= self.instances <= MAX_INSTANCES:
            raise ValueError(f"instances must be within 1..{MAX_INSTANCES}, got {self.instances}")


def service_ports(ports: StackPorts) -> dict[str, int]:
    """The HTTP port of each service."""
    return {"ingest": ports.ingest_http, "digitizer": ports.digitizer_http, "reuse": ports.api}


def instance_ports(ports: StackPorts, name: str, instances: int) -> list[int]:
    """The HTTP ports of the first `instances` instances of a service."""
    base = service_ports(ports)[name]
    return [base + ports.instance_step * i for i in range(instances)]


def instance_name(name: str, instance: int) -> str:
    """`ingest` for the first instance, then `ingest-2`, `ingest-3`... (also the log name)."""
    return name if instance == 0 else f"{name}-{instance + 1}"


def start_system(cfg: SystemConfig, stack: LocalStack | None = None) -> LocalStack:
    """Start SeaweedFS, Tansu, the topics, then ingest, digitizer and reuse (each migrated
    first, each as `cfg.instances` instances); wait for health. Without `stack`, every
    process is supervised by `cfg.restart` (see reuse_tracker.stack.supervisor)."""
    stack = stack or LocalStack(
        StackConfig(var_dir=cfg.var_dir, ports=cfg.ports, roots=cfg.roots, restart=cfg.restart)
    )
    stack.start_infra()
    try:
        for name in SERVICES:
            for instance in range(cfg.instances):
                start_service(stack, cfg, name, instance)
    except BaseException:
        stack.stop()
        raise
    return stack


def start_service(stack: LocalStack, cfg: SystemConfig, name: str, instance: int = 0) -> None:
    """Migrate its schema, start (or restart) one instance of a service and wait until it
    is healthy."""
    from services.common import migrations

    from .commands.db import Target, database_urls

    # The services refuse an outdated schema; locally the upgrade is part of starting.
    for service, url in database_urls(
        Target(name), cfg.database_url, cfg.var_dir.resolve()
    ).items():
        migrations.upgrade(service, url)
    port = instance_ports(cfg.ports, name, instance + 1)[instance]
    env = {
        "TRACKER_VAR_DIR": str(cfg.var_dir.resolve()),
        "TRACKER_INGEST_PORT": str(cfg.ports.ingest_http),
        "TRACKER_DIGITIZER_PORT": str(cfg.ports.digitizer_http),
        "TRACKER_API_PORT": str(cfg.ports.api),
        **(cfg.extra_env or {}),
        _PORT_VARIABLE[name]: str(port),
    }
    if cfg.database_url:
        env["TRACKER_DATABASE_URL"] = cfg.database_url
    stack.add_service(
        instance_name(name, instance),
        [sys.executable, "-m", f"services.{name}"],
        env,
        health_url=f"http://127.0.0.1:{port}/health",
    )


def scrape_all(ports: Sequence[int]) -> dict[str, float]:
    """`scrape` of several instances of one service, summed by metric name."""
    totals: dict[str, float] = {}
    for port in ports:
        for name, value in scrape(port).items():
            totals[name] = totals.get(name, 0.0) + value
    return totals


def scrape(port: int) -> dict[str, float]:
    """Sum every sample of a service's /metrics by metric name (labels folded)."""
    with httpx.Client(trust_env=False, timeout=5.0) as http:
        text = http.get(f"http://127.0.0.1:{port}/metrics").text
    totals: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            totals[sample.name] = totals.get(sample.name, 0.0) + sample.value
    return totals


@dataclass(frozen=True)
class Progress:
    """How far the services got with what was published."""

    handled: int  # ingest: accepted + duplicates + rejected
    accepted: int
    applied: int  # reuse: facts applied (each accepted fact arrives there once)


def progress(ports: StackPorts, instances: int = 1) -> Progress:
    """Read the services' counters, summed over their instances."""
    ingest = scrape_all(instance_ports(ports, "ingest", instances))
    reuse = scrape_all(instance_ports(ports, "reuse", instances))
    accepted = int(ingest.get("tracker_ingest_events_accepted_total", 0))
    handled = accepted + int(
        ingest.get("tracker_ingest_events_duplicate_total", 0)
        + ingest.get("tracker_ingest_events_rejected_total", 0)
    )
    return Progress(handled, accepted, int(reuse.get("tracker_reuse_facts_applied_total", 0)))


def wait_until_processed(
    ports: StackPorts,
    published: int,
    timeout: float = 600.0,
    on_progress: Callable[[Progress], None] | None = None,
    instances: int = 1,
) -> Progress:
    """Wait until ingest has handled `published` messages and reuse applied every fact.

    Ingest counts each consumed record once whatever its redeliveries (see its handler), and
    reuse counts each fact once, so sums over instances are exact.
    """
    deadline = time.monotonic() + timeout
    while True:
        now = progress(ports, instances)
        if on_progress is not None:
            on_progress(now)
        if now.handled >= published and now.applied >= now.accepted:
            return now
        if time.monotonic() > deadline:
            raise TimeoutError(
                f"not processed within {timeout:.0f} s: ingest handled {now.handled} of "
                f"{published}, reuse applied {now.applied} of {now.accepted}"
            )
        time.sleep(0.5)
