"""The real system started for integration tests, and what the tests do with it: publish a
simulated province, run the command line against it, call its API."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reuse_tracker.simulator import Scenario, publish, write_outputs
from reuse_tracker.stack import LocalStack, StackPorts
from reuse_tracker.system import SystemConfig, start_system

# The publisher's S3 credentials on the local stack.
PUBLISHER_KEY = ("tracker", "tracker-secret")


@dataclass
class RunningSystem:
    """A started system and where to reach it."""

    name: str
    stack: LocalStack
    config: SystemConfig

    @property
    def ports(self) -> StackPorts:
        return self.config.ports

    @property
    def var_dir(self) -> Path:
        return self.config.var_dir


@contextmanager
def started(config: SystemConfig) -> Iterator[LocalStack]:
    """The system of `config`, started for the block and stopped afterwards."""
    stack = start_system(config)
    try:
        yield stack
    finally:
        stack.stop()


def publish_scenario(ports: StackPorts, scenario: Scenario) -> None:
    """Publish a simulated scenario (events to the broker, files to the S3 inbox), quietly."""
    publish(scenario, ports.kafka_bootstrap, ports.s3_endpoint, *PUBLISHER_KEY, progress=False)


def ground_truth(scenario: Scenario, out: Path) -> dict[str, Any]:
    """Write the scenario's outputs under `out` and return its truth.json."""
    write_outputs(scenario, out)
    truth: dict[str, Any] = json.loads((out / "truth.json").read_text())
    return truth


def cli(config: SystemConfig, *args: str, env: dict[str, str] | None = None) -> str:
    """Run `reuse-tracker <args>` against the system's database; its standard output."""
    env_db = {"TRACKER_DATABASE_URL": config.database_url} if config.database_url else {}
    done = subprocess.run(
        [sys.executable, "-m", "reuse_tracker", *args, "--var-dir", str(config.var_dir)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", **env_db, **(env or {})},
    )
    return done.stdout


def bearer(token: str) -> dict[str, str]:
    """The Authorization header of a token."""
    return {"Authorization": f"Bearer {token}"}
