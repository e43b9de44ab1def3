"""The small state file a supervised stack keeps in `var_dir/stack-state.json`, for `status`.

It says which process the supervisor believes runs where and how often it was restarted;
`reuse-tracker status` checks every claim live (pid, health, lag) instead of trusting it.
Written atomically (temporary file, then rename) on every change; removed by a clean stop.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

STATE_FILE = "stack-state.json"


@dataclass(frozen=True)
class ProcessRecord:
    """One supervised process as the supervisor last saw it."""

    name: str
    kind: str  # broker, s3, prometheus or service
    pid: int | None
    started_at: float | None  # Unix time
    restarts: int
    state: str  # running, restarting, held, failed
    last_exit: str | None
    health_url: str | None
    log: str | None


@dataclass(frozen=True)
class StackState:
    """The supervisor's view of the whole stack."""

    supervisor_pid: int
    started_at: float
    kafka_bootstrap: str
    s3_endpoint: str
    processes: list[ProcessRecord] = field(default_factory=list)


def state_path(var_dir: Path) -> Path:
    """Where a stack with data in `var_dir` keeps its state file."""
    return var_dir / STATE_FILE


def write_state(path: Path, state: StackState) -> None:
    """Replace the state file in one rename, so a reader never sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(asdict(state), indent=1) + "\n")
    tmp.replace(path)


def read_state(path: Path) -> StackState | None:
    """The state file's content, or None if there is none (no stack was left running)."""
    try:
        raw: dict[str, Any] = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    processes = [ProcessRecord(**p) for p in raw.pop("processes", [])]
    return StackState(**raw, processes=processes)
