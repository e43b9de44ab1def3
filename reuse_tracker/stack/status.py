"""What `reuse-tracker status` reports: each supervised process checked live, and the lag of
each consumer group read from the broker.

The state file (state.py) only says where to look; a process counts as up when its pid is
alive (not a zombie) and its health check answers: GET /health (or Prometheus's /-/ready)
for the services, a topic listing for the broker, any HTTP answer for the S3 API.
"""

from __future__ import annotations

import asyncio
import gc
import socket
import time
import warnings
from collections.abc import Awaitable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import httpx
from aiokafka.admin import AIOKafkaAdminClient

from .broker import admin_client
from .kafka_client import OffsetSpec
from .state import ProcessRecord, StackState, read_state, state_path

_T = TypeVar("_T")


@dataclass(frozen=True)
class ProcessStatus:
    """One process, checked now."""

    name: str
    kind: str
    pid: int | None
    alive: bool
    healthy: bool
    uptime: float | None  # seconds, while alive
    restarts: int
    state: str  # the supervisor's: running, restarting, held, failed
    last_exit: str | None

    @property
    def up(self) -> bool:
        """Alive and answering its health check."""
        return self.alive and self.healthy


@dataclass(frozen=True)
class GroupLag:
    """Records a consumer group has not committed yet, over the partitions it committed in
    (end offset minus committed offset, each partition clamped at 0: Tansu's end offset can
    trail the real end, ENGINEERING.md)."""

    group: str
    lag: int
    partitions: int


@dataclass(frozen=True)
class StackStatus:
    """The whole picture; `ok` is False when anything is down."""

    supervisor_pid: int
    supervisor_alive: bool
    processes: list[ProcessStatus]
    groups: list[GroupLag]
    lag_error: str | None

    @property
    def down(self) -> list[str]:
        """Names of the processes not up (all of them if the supervisor is gone)."""
        if not self.supervisor_alive:
            return [p.name for p in self.processes]
        return [p.name for p in self.processes if not p.up]

    @property
    def ok(self) -> bool:
        """The supervisor and every process are up."""
        return self.supervisor_alive and not self.down


def pid_alive(pid: int | None) -> bool:
    """True if `pid` is a live process (a zombie, dead but not yet reaped, is not)."""
    if pid is None or pid <= 0:
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def healthy(record: ProcessRecord, state: StackState, timeout: float = 2.0) -> bool:
    """The process's health check, live."""
    try:
        if record.kind == "broker":
            return broker_answers(state.kafka_bootstrap, timeout)
        url = record.health_url or (state.s3_endpoint if record.kind == "s3" else None)
        if url is None:
            return True  # nothing to ask: being alive is all there is
        with httpx.Client(trust_env=False, timeout=timeout) as http:
            code = http.get(url).status_code
        # Anonymous S3 requests are refused (403), which still proves the API answers.
        return code < 500 if record.kind == "s3" else code == 200
    except Exception:
        return False


def _listening(bootstrap: str) -> bool:
    host, _, port = bootstrap.rpartition(":")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(1.0)
        return probe.connect_ex((host, int(port))) == 0


def broker_answers(bootstrap: str, timeout: float = 2.0) -> bool:
    """True if the broker lists its topics within `timeout` seconds."""
    if not _listening(bootstrap):
        return False
    return bool(asyncio.run(_within(timeout, _list_topics(bootstrap))))


async def _list_topics(bootstrap: str) -> list[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=3000)
    await admin.start()
    try:
        return list(await admin.list_topics())
    finally:
        await admin.close()


def group_lags(bootstrap: str) -> list[GroupLag]:
    """Every consumer group the broker knows, with its lag (see GroupLag)."""
    if not _listening(bootstrap):
        raise ConnectionError(f"nothing listens on {bootstrap}")
    return _group_lags(bootstrap)


async def _within(seconds: float, work: Awaitable[_T]) -> _T:
    async with asyncio.timeout(seconds):
        return await work


def _group_lags(bootstrap: str) -> list[GroupLag]:
    # kafka-python's admin, because aiokafka's cannot read Tansu's OffsetFetch answers. It
    # leaves the sockets of refused connections (a broker going down mid-call) to the
    # garbage collector: collect them here, where their ResourceWarning is expected.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            admin = admin_client(bootstrap, timeout_ms=3000)
            try:
                groups = sorted(str(g["group_id"]) for g in admin.list_groups())
                committed = admin.list_group_offsets(groups) if groups else {}
                partitions = {tp for offsets in committed.values() for tp in offsets}
                ends = (
                    admin.list_partition_offsets({tp: OffsetSpec.LATEST for tp in partitions})
                    if partitions
                    else {}
                )
            finally:
                admin.close()
        finally:
            gc.collect()
    out = []
    for group in groups:
        offsets = committed.get(group, {})
        lag = sum(
            max(0, ends[tp].offset - max(0, meta.offset))
            for tp, meta in offsets.items()
            if tp in ends
        )
        out.append(GroupLag(group, lag, len(offsets)))
    return out


def collect(var_dir: Path) -> StackStatus | None:
    """The live status of the stack whose data is in `var_dir`, None if none runs there."""
    state = read_state(state_path(var_dir))
    if state is None:
        return None
    now = time.time()
    processes = []
    for record in state.processes:
        alive = pid_alive(record.pid)
        processes.append(
            ProcessStatus(
                name=record.name,
                kind=record.kind,
                pid=record.pid,
                alive=alive,
                healthy=alive and healthy(record, state),
                uptime=now - record.started_at if alive and record.started_at else None,
                restarts=record.restarts,
                state=record.state,
                last_exit=record.last_exit,
            )
        )
    groups: list[GroupLag] = []
    lag_error = None
    try:
        groups = group_lags(state.kafka_bootstrap)
    except Exception as exc:
        lag_error = f"{type(exc).__name__}: {exc}"
    return StackStatus(
        state.supervisor_pid, pid_alive(state.supervisor_pid), processes, groups, lag_error
    )
