"""The whole system on this machine: the local stack plus the three services."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from .stack import LocalStack, StackConfig, StackPorts

SERVICES = ("ingest", "digitizer", "reuse")


@dataclass(frozen=True)
class SystemConfig:
    """Where the system keeps its state and which ports it uses."""

    var_dir: Path
    ports: StackPorts
    roots: tuple[str, ...] = ("H44",)
    database_url: str | None = None
    extra_env: Mapping[str, str] | None = None


def service_ports(ports: StackPorts) -> dict[str, int]:
    """The HTTP port of each service."""
    return {"ingest": ports.ingest_http, "digitizer": ports.digitizer_http, "reuse": ports.api}


def start_system(cfg: SystemConfig, stack: LocalStack | None = None) -> LocalStack:
    """Start SeaweedFS, Tansu, the topics, then ingest, digitizer and reuse; wait for health."""
    stack = stack or LocalStack(StackConfig(var_dir=cfg.var_dir, ports=cfg.ports, roots=cfg.roots))
    stack.start_infra()
    try:
        for name in SERVICES:
            start_service(stack, cfg, name)
    except BaseException:
        stack.stop()
        raise
    return stack


def start_service(stack: LocalStack, cfg: SystemConfig, name: str) -> None:
    """Start (or restart) one service of the system and wait until it is healthy."""
    port = service_ports(cfg.ports)[name]
    env = {
        "TRACKER_VAR_DIR": str(cfg.var_dir.resolve()),
        "TRACKER_INGEST_PORT": str(cfg.ports.ingest_http),
        "TRACKER_DIGITIZER_PORT": str(cfg.ports.digitizer_http),
        "TRACKER_API_PORT": str(cfg.ports.api),
        **(cfg.extra_env or {}),
    }
    if cfg.database_url:
        env["TRACKER_DATABASE_URL"] = cfg.database_url
    stack.add_service(
        name,
        [sys.executable, "-m", f"services.{name}"],
        env,
        health_url=f"http://127.0.0.1:{port}/health",
    )


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


def progress(ports: StackPorts) -> Progress:
    """Read the services' counters."""
    ingest = scrape(ports.ingest_http)
    reuse = scrape(ports.api)
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
) -> Progress:
    """Wait until ingest has handled `published` messages and reuse applied every fact."""
    deadline = time.monotonic() + timeout
    while True:
        now = progress(ports)
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
