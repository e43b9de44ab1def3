"""What every benchmark suite needs: its own stack on its own ports, preloaded topics,
services started and stopped, counters read, and peak memory of each process.

The broker runs with in-memory storage in most suites: Tansu on SeaweedFS caps producing at
about 15,000 messages/s on this machine, so with it those suites would measure Tansu's
storage, not the services; what is durable there is each service's database. The `province`
suite runs on the durable `s3://` storage that `make up` uses.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from reuse_tracker.stack import LocalStack, StackConfig, StackPorts, TopicSpec, default_topics
from reuse_tracker.stack.postgres import (
    DEFAULT_ADMIN_DSN,
    create_database,
    drop_database,
    new_database_name,
)
from reuse_tracker.stack.slots import stack_ports
from reuse_tracker.system import SystemConfig, instance_name, instance_ports, scrape_all
from reuse_tracker.system import start_service as start_system_service
from schemas.topics import publisher_pattern, publisher_topic, rejected_topic

from .events import Message
from .publisher import send_pairs

PG_VARIABLE = "TRACKER_BENCH_PG"


class BenchError(RuntimeError):
    """A benchmark could not run as planned (a service died, a wait timed out)."""


def bench_ports() -> StackPorts:
    """The benchmark's own test port set (moved with TRACKER_TEST_PORT_SHIFT)."""
    return stack_ports("bench")


@dataclass
class Bench:
    """A running stack (broker in memory) for one suite, and its scratch folder."""

    stack: LocalStack
    ports: StackPorts
    work: Path
    roots: tuple[str, ...]
    started: list[str] = field(default_factory=list)

    def system(
        self, var_dir: Path, database_url: str | None, env: dict[str, str], instances: int = 1
    ) -> SystemConfig:
        """A system configuration on this stack's ports."""
        return SystemConfig(
            var_dir=var_dir,
            ports=self.ports,
            roots=self.roots,
            database_url=database_url,
            extra_env=env,
            instances=instances,
        )

    def start(self, cfg: SystemConfig, names: Sequence[str]) -> None:
        """Start `cfg.instances` instances of each named service and wait for health."""
        for name in names:
            for i in range(cfg.instances):
                start_system_service(self.stack, cfg, name, i)
                self.started.append(instance_name(name, i))

    def start_module(self, name: str, module: str, env: dict[str, str], port: int) -> None:
        """Start `python -m <module>` as a service of this stack, healthy on `port`."""
        self.stack.add_service(
            name,
            [sys.executable, "-m", module],
            env,
            health_url=f"http://127.0.0.1:{port}/health",
        )
        self.started.append(name)

    def pids(self) -> dict[str, int]:
        """Process id of every running service instance, by instance name."""
        return {
            s.name: s.process.pid
            for s in self.stack.services
            if s.process.is_running and s.process.pid is not None
        }

    def stop_services(self) -> None:
        """Stop every service started so far (the broker and S3 keep running)."""
        for service in reversed(self.stack.services):
            service.process.stop()
        self.stack.services.clear()
        self.started.clear()

    def check_alive(self) -> None:
        """BenchError naming the log if a started service has exited."""
        for s in self.stack.services:
            if not s.process.is_running:
                raise BenchError(f"{s.name} exited; last log lines:\n{s.process.tail(20)}")

    def counters(self, name: str, instances: int) -> dict[str, float]:
        """The metrics of every instance of a service, summed by name."""
        return scrape_all(instance_ports(self.ports, name, instances))


@contextmanager
def bench_stack(
    roots: Sequence[str] = ("H44",),
    extra_topics: Sequence[str] = (),
    broker_storage: Literal["memory", "s3"] = "memory",
) -> Iterator[Bench]:
    """SeaweedFS and Tansu on the benchmark ports, in a scratch folder: topics in memory,
    or (`broker_storage="s3"`, the default of `make up`) durable in SeaweedFS."""
    work = Path(tempfile.mkdtemp(prefix="tracker-bench-"))
    ports = bench_ports()
    topics = [*default_topics(roots), *(TopicSpec(t) for t in extra_topics)]
    stack = LocalStack(
        StackConfig(var_dir=work, ports=ports, broker_storage=broker_storage, roots=tuple(roots))
    )
    stack.start_infra(topics)
    try:
        yield Bench(stack, ports, work, tuple(roots))
    finally:
        stack.stop()
        shutil.rmtree(work, ignore_errors=True)


def publish(bootstrap: str, topic: str, messages: Sequence[Message]) -> float:
    """Send every message as fast as the broker takes them; returns seconds taken."""
    return asyncio.run(_publish(bootstrap, topic, messages))


async def _publish(bootstrap: str, topic: str, messages: Sequence[Message]) -> float:
    _count, seconds = await send_pairs(bootstrap, topic, ((m.key, m.value) for m in messages))
    return seconds


@dataclass(frozen=True)
class Rate:
    """A counter followed from its first movement until it reached its goal."""

    count: int
    seconds: float

    @property
    def per_second(self) -> float:
        """Items per second over the measured window."""
        return self.count / self.seconds if self.seconds > 0 else 0.0


def follow(
    read: Callable[[], float],
    goal: float,
    *,
    timeout: float,
    check: Callable[[], None] = lambda: None,
    interval: float = 0.05,
) -> Rate:
    """Poll `read` until it reaches `goal`; the window starts at its first movement, so
    start-up and group joins are not counted. BenchError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    start_value = read()
    first: tuple[float, float] | None = None
    last = start_value
    while True:
        now = time.perf_counter()
        value = read()
        if first is None and value > start_value:
            first = (now, start_value)
        if value >= goal and first is not None:
            return Rate(int(value - first[1]), now - first[0])
        if value != last:
            last = value
        if time.monotonic() > deadline:
            raise BenchError(f"counter at {value:.0f} of {goal:.0f} after {timeout:.0f} s")
        check()
        time.sleep(interval)


def peak_rss_mb(pid: int) -> float:
    """Peak resident memory (VmHWM) of a process and its live children, in MB."""
    total = 0.0
    for p in [pid, *_children(pid)]:
        try:
            status = Path(f"/proc/{p}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                total += int(line.split()[1]) / 1024
    return round(total, 1)


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            kids = [int(k) for k in task.read_text().split()]
        except OSError:
            continue
        for kid in kids:
            out.extend([kid, *_children(kid)])
    return out


@contextmanager
def database(kind: str, work: Path, name: str) -> Iterator[str | None]:
    """A fresh database: None (each service's SQLite file under its var folder) or the URL
    of a new PostgreSQL database, dropped afterwards."""
    if kind == "sqlite":
        yield None
        return
    if kind != "postgres":
        raise ValueError(f"unknown database kind {kind!r}")
    admin = os.environ.get(PG_VARIABLE, DEFAULT_ADMIN_DSN)
    db = new_database_name(f"tracker_bench_{name}")
    try:
        url = asyncio.run(create_database(admin, db))
    except Exception as exc:
        raise BenchError(
            f"PostgreSQL at {admin} is not reachable ({exc!r}); set {PG_VARIABLE}"
        ) from exc
    try:
        yield url
    finally:
        asyncio.run(drop_database(admin, db))


def var_dir(work: Path, label: str) -> Path:
    """A fresh folder for one measured system (its SQLite files, key and logs)."""
    path = work / f"{label}-{uuid.uuid4().hex[:6]}"
    path.mkdir(parents=True)
    return path


def new_root(bench: Bench) -> str:
    """A fresh, empty publisher topic `dossier-events.<ROOT>` (and its rejected topic) for one
    measurement, so each consumer group sees only its own preload; returns the root."""
    from reuse_tracker.stack import ensure_topics

    root = f"B{uuid.uuid4().hex[:5].upper()}"  # as long as bench.ingest.PLACEHOLDER
    ensure_topics(
        bench.ports.kafka_bootstrap,
        [TopicSpec(publisher_topic(root)), TopicSpec(rejected_topic(publisher_topic(root)))],
    )
    return root


def only_topic(root: str) -> str:
    """The ingest subscription pattern that matches one root's topic only."""
    return publisher_pattern(root)


def wait_group_stable(bootstrap: str, group: str, members: int, timeout: float = 60.0) -> None:
    """Wait until `group` is Stable with `members` members, so a measurement does not
    include the joins and the rebalance of a starting group."""
    deadline = time.monotonic() + timeout
    while True:
        state, count = asyncio.run(_describe_group(bootstrap, group))
        if state == "Stable" and count == members:
            return
        if time.monotonic() > deadline:
            raise BenchError(f"group {group} is {state} with {count} of {members} members")
        time.sleep(0.5)


async def _describe_group(bootstrap: str, group: str) -> tuple[str, int]:
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        for response in await admin.describe_consumer_groups([group]):
            for g in response.groups:
                # (error_code, group_id, state, protocol_type, protocol, members, ...)
                return str(g[2]), len(g[5])
    finally:
        await admin.close()
    return "", 0


def cpu_seconds(pids: Sequence[int]) -> float:
    """User + system CPU time used so far by these processes (and their reaped children)."""
    total = 0
    tick = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(v) for v in fields[11:15])
    return total / tick
