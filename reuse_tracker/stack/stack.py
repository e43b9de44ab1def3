"""The whole local stack: SeaweedFS (S3), Tansu (Kafka API), the topics, then the services.

Every service started with `LocalStack.add_service` gets, on top of this process's environment:

- `TRACKER_KAFKA_BOOTSTRAP`: `127.0.0.1:<kafka port>`
- `TRACKER_S3_ENDPOINT`: `http://127.0.0.1:<s3 port>`
- `TRACKER_S3_ACCESS_KEY`, `TRACKER_S3_SECRET_KEY`: the local S3 credentials

Everything binds 127.0.0.1. Data lives under `var_dir/s3` (SeaweedFS, which also holds the
broker's topics and offsets in its `broker` bucket) and logs under `var_dir/log/<part>.log`.

With `StackConfig.restart` set, every process the stack starts is supervised (see
supervisor.py): restarted when it exits unexpectedly, with `var_dir/stack-state.json` kept
for `reuse-tracker status`.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import signal
import sys
import threading
import time
import types
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx

from .broker import MEMORY_STORAGE, S3_STORAGE, start_tansu
from .ports import HOST, StackPorts, ensure_free, port_is_free
from .process import ManagedProcess, StackError, child_env
from .s3 import BUCKETS, S3Identity, start_seaweedfs
from .state import ProcessRecord, StackState, state_path, write_state
from .supervisor import Report, RestartPolicy, Supervised, Supervisor
from .topics import TopicSpec, default_topics, ensure_topics

log = logging.getLogger(__name__)

# The local stack's own credentials, for this machine only (see CONTRACT.md).
LOCAL_S3_ACCESS_KEY = "tracker"
LOCAL_S3_SECRET_KEY = "tracker-secret"  # noqa: S105
_SignalHandler = Callable[[int, types.FrameType | None], Any] | int | None


@dataclass(frozen=True)
class StackConfig:
    """Where the stack keeps its data and logs, its ports, S3 credentials and broker storage."""

    var_dir: Path
    ports: StackPorts = field(default_factory=StackPorts)
    s3_access_key: str = LOCAL_S3_ACCESS_KEY
    s3_secret_key: str = LOCAL_S3_SECRET_KEY
    broker_storage: Literal["s3", "memory"] = "s3"
    roots: tuple[str, ...] = ()
    # Extra S3 keys, e.g. one publisher_identity(root, ...) per root that may only write
    # inbox/<ROOT>/; empty: the services' key alone.
    s3_identities: tuple[S3Identity, ...] = ()
    # Restart processes that exit unexpectedly; None: a process that dies stays dead.
    restart: RestartPolicy | None = None

    @property
    def log_dir(self) -> Path:
        """`var_dir/log`."""
        return self.var_dir / "log"

    @property
    def s3_data_dir(self) -> Path:
        """`var_dir/s3`: SeaweedFS's data (and with s3 storage, the broker's)."""
        return self.var_dir / "s3"

    @property
    def broker_storage_url(self) -> str:
        """Tansu's `--storage-engine`."""
        return S3_STORAGE if self.broker_storage == "s3" else MEMORY_STORAGE


@dataclass
class _Service:
    name: str
    process: ManagedProcess
    health_url: str | None
    argv: list[str]
    env: dict[str, str]
    timeout: float


def print_report(line: str, loud: bool) -> None:
    """The default supervisor report: one line on stderr."""
    print(f"[supervisor] {'!!! ' if loud else ''}{line}", file=sys.stderr, flush=True)


_KINDS = {"seaweedfs": "s3", "tansu": "broker", "prometheus": "prometheus"}


class LocalStack:
    """Starts and stops the local stack; `with LocalStack(cfg) as stack:` runs start_infra()
    on entry and stop() on exit. stop() also runs at interpreter exit and on SIGTERM/SIGHUP."""

    def __init__(self, config: StackConfig, report: Report = print_report) -> None:
        self.config = config
        self.report = report
        self.supervisor: Supervisor | None = None
        if config.restart is not None:
            self.supervisor = Supervisor(config.restart, self._report, self._write_state)
        self._began = time.time()
        self._state_lock = threading.Lock()
        self.s3: ManagedProcess | None = None
        self.broker: ManagedProcess | None = None
        self.services: list[_Service] = []
        self.topics: list[TopicSpec] = []
        self.started: list[ManagedProcess] = []
        self._lock = threading.RLock()
        self._atexit = False
        self._old_handlers: dict[signal.Signals, _SignalHandler] = {}

    # -- lifecycle -------------------------------------------------------------------------

    def __enter__(self) -> LocalStack:
        if self.s3 is None:
            self.start_infra()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start_infra(self, topics: Sequence[TopicSpec] | None = None) -> None:
        """Check every port, then start SeaweedFS, Tansu and create `topics` (default:
        default_topics(config.roots)). On failure, whatever was started is stopped."""
        cfg = self.config
        ensure_free(cfg.ports.as_dict())
        self.topics = list(topics) if topics is not None else default_topics(cfg.roots)
        self._install_cleanup()
        try:
            self.start_s3()
            self._start_broker()
            ensure_topics(cfg.ports.kafka_bootstrap, self.topics)
        except BaseException:
            self.stop()
            raise

    def service_env(self) -> dict[str, str]:
        """The variables handed to services (see the module docstring)."""
        cfg = self.config
        return {
            "TRACKER_KAFKA_BOOTSTRAP": cfg.ports.kafka_bootstrap,
            "TRACKER_S3_ENDPOINT": cfg.ports.s3_endpoint,
            "TRACKER_S3_ACCESS_KEY": cfg.s3_access_key,
            "TRACKER_S3_SECRET_KEY": cfg.s3_secret_key,
        }

    def add_service(
        self,
        name: str,
        argv: Sequence[str],
        env: Mapping[str, str] | None = None,
        health_url: str | None = None,
        timeout: float = 60.0,
    ) -> ManagedProcess:
        """Start a service (log `log_dir/<name>.log`) with service_env() plus `env`, and wait
        until GET `health_url` answers 200 (its port must be free beforehand)."""
        env = child_env({**self.service_env(), **(env or {})})
        service = _Service(name, ManagedProcess(name), health_url, list(argv), env, timeout)
        self._install_cleanup()
        self._launch(service, register=True)
        self._supervise(
            name, service.health_url, lambda: service.process, lambda: self._launch(service)
        )
        return service.process

    def _launch(self, service: _Service, register: bool = False) -> ManagedProcess:
        """Start (or restart) a service's process and wait for its health URL."""
        if service.health_url is not None:
            self._check_service_port(service.name, service.health_url)
        proc = ManagedProcess(service.name)
        proc.start(service.argv, service.env, self.config.log_dir / f"{service.name}.log")
        service.process = proc
        if register:
            self.services.append(service)
        self._spawned(proc)
        if service.health_url is not None:
            url = service.health_url
            try:
                with httpx.Client(trust_env=False, timeout=2.0) as http:
                    proc.wait_until(
                        lambda: http.get(url).status_code == 200,
                        service.timeout,
                        f"HTTP 200 from {url}",
                    )
            except StackError:
                if not register:
                    proc.stop()  # a failed restart must not hold the port for the next try
                raise
        return proc

    def _spawned(self, proc: ManagedProcess) -> None:
        """Track a process the moment it exists, so stop() finds it even mid-start; one
        spawned while the stack is stopping is stopped at once."""
        self.started.append(proc)
        if self.supervisor is not None and self.supervisor.stopping.is_set():
            proc.stop()
            raise StackError(f"{proc.name}: the stack is stopping")

    def _supervise(
        self,
        name: str,
        health_url: str | None,
        current: Callable[[], ManagedProcess | None],
        restart: Callable[[], ManagedProcess],
    ) -> None:
        if self.supervisor is not None:
            kind = _KINDS.get(name, "service")
            self.supervisor.watch(Supervised(name, kind, current, restart, health_url))

    def _check_service_port(self, name: str, url: str) -> None:
        parts = urlsplit(url)
        if parts.hostname not in (HOST, "localhost") or parts.port is None:
            raise StackError(f"{name}: health URL {url} is not on {HOST}:<port>")
        known = {p: n for n, p in self.config.ports.as_dict().items()}
        ensure_free({known.get(parts.port, name): parts.port})

    def _start_broker(self) -> None:
        self._spawn_broker()
        self._supervise("tansu", None, lambda: self.broker, self._spawn_broker)

    def _spawn_broker(self) -> ManagedProcess:
        cfg = self.config
        self.broker = start_tansu(
            cfg.ports,
            s3_endpoint=cfg.ports.s3_endpoint,
            access_key=cfg.s3_access_key,
            secret_key=cfg.s3_secret_key,
            log_dir=cfg.log_dir,
            storage=cfg.broker_storage_url,
            on_spawn=self._spawned_broker,
        )
        if cfg.broker_storage == "memory":
            # A memory broker comes back empty: the topics at least must exist again.
            ensure_topics(cfg.ports.kafka_bootstrap, self.topics)
        return self.broker

    def _spawned_broker(self, proc: ManagedProcess) -> None:
        self.broker = proc
        self._spawned(proc)

    def _spawned_s3(self, proc: ManagedProcess) -> None:
        self.s3 = proc
        self._spawned(proc)

    def restart_broker(self) -> None:
        """Stop Tansu and start it again on the same port and storage (with memory storage the
        topics are created again; with s3 storage they and the offsets survive)."""
        with self._lock, self._held("tansu"):
            if self.broker is not None:
                self.broker.stop()
            _wait_port_free(self.config.ports.kafka, 15.0)
            self._spawn_broker()

    def stop_s3(self) -> None:
        """Stop SeaweedFS (for outage tests); the broker stays up but cannot reach its data."""
        with self._lock:
            if self.supervisor is not None:
                self.supervisor.hold("seaweedfs")
            if self.s3 is not None:
                self.s3.stop()

    def start_s3(self) -> None:
        """Start SeaweedFS on the configured ports and data dir; returns once S3 answers."""
        with self._lock:
            if self.s3 is not None and self.s3.is_running:
                return
            if self.s3 is not None:
                _wait_port_free(self.config.ports.s3, 15.0)
            self._spawn_s3()
            if self.supervisor is not None:
                self.supervisor.release("seaweedfs")
            self._supervise("seaweedfs", None, lambda: self.s3, self._spawn_s3)

    def _spawn_s3(self) -> ManagedProcess:
        cfg = self.config
        self.s3 = start_seaweedfs(
            cfg.s3_data_dir,
            cfg.ports,
            cfg.s3_access_key,
            cfg.s3_secret_key,
            cfg.log_dir,
            buckets=BUCKETS,
            identities=cfg.s3_identities,
            on_spawn=self._spawned_s3,
        )
        return self.s3

    @contextlib.contextmanager
    def _held(self, name: str) -> Iterator[None]:
        """The supervisor leaves `name` alone while it is stopped and started on purpose."""
        if self.supervisor is not None:
            self.supervisor.hold(name)
        try:
            yield
        finally:
            if self.supervisor is not None:
                self.supervisor.release(name)

    def stop(self) -> None:
        """Stop the supervisor, then the services (last started first), Tansu and SeaweedFS.
        Idempotent."""
        supervisor = self.supervisor
        if supervisor is not None:
            supervisor.stopping.set()  # first, so nothing it restarts outlives this call
        with self._lock:
            for service in reversed(self.services):
                service.process.stop()
            if self.broker is not None:
                self.broker.stop()
            if self.s3 is not None:
                self.s3.stop()
            if supervisor is not None:
                supervisor.stop()
            # Anything a watcher spawned while the stop began (only live ones: the group id
            # of a long-dead process may belong to someone else by now).
            for proc in reversed(self.started):
                if proc.is_running:
                    proc.stop()
            if supervisor is not None:
                with contextlib.suppress(FileNotFoundError):
                    state_path(self.config.var_dir).unlink()
            self._remove_cleanup()

    def kill_all(self) -> None:
        """SIGKILL every process the stack started, at once, without waiting for a lock
        (the second Ctrl-C: stop() takes too long or hangs)."""
        if self.supervisor is not None:
            self.supervisor.stopping.set()
        for proc in list(self.started):
            if proc.is_running:
                proc.kill()

    def processes(self) -> list[ManagedProcess]:
        """Every process this stack has started, restarted ones included."""
        return list(self.started)

    # -- fault injection (crash and outage tests) -----------------------------------------

    def service(self, name: str) -> ManagedProcess:
        """The latest process started for service `name` (StackError if there is none)."""
        for service in reversed(self.services):
            if service.name == name:
                return service.process
        raise StackError(f"no service named {name!r} was started")

    def kill_service(self, name: str) -> int | None:
        """SIGKILL the service's process group, as a crash would; returns the pid killed.
        Start it again with `add_service` (or `reuse_tracker.system.start_service`)."""
        with self._lock:
            proc = self.service(name)
            pid = proc.pid
            proc.kill()
            return pid

    # -- reporting -------------------------------------------------------------------------

    def describe(self) -> list[tuple[str, str]]:
        """(what, where) for each part, for printing."""
        cfg = self.config
        ports = cfg.ports
        rows: list[tuple[str, str]] = [
            (
                "Kafka API (Tansu)",
                f"{ports.kafka_bootstrap}  storage {cfg.broker_storage_url}{_pid(self.broker)}",
            ),
            (
                "S3 API (SeaweedFS)",
                f"{ports.s3_endpoint}  key {cfg.s3_access_key}{_pid(self.s3)}",
            ),
            ("SeaweedFS master", f"http://{HOST}:{ports.master}"),
            ("SeaweedFS filer", f"http://{HOST}:{ports.filer}"),
            ("SeaweedFS volume", f"http://{HOST}:{ports.volume}"),
        ]
        for service in self.services:
            where = service.health_url or "(no health URL)"
            rows.append((service.name, f"{where}{_pid(service.process)}"))
        rows.append(("data", str(cfg.var_dir)))
        rows.append(("logs", str(cfg.log_dir)))
        return rows

    # -- supervision ----------------------------------------------------------------------

    def _report(self, line: str, loud: bool) -> None:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
        log_file = self.config.log_dir / "supervisor.log"
        with contextlib.suppress(OSError):
            log_file.parent.mkdir(parents=True, exist_ok=True)
            with log_file.open("a") as f:
                f.write(f"{stamp} {'!!! ' if loud else ''}{line}\n")
        self.report(line, loud)

    def _write_state(self) -> None:
        """Rewrite `var_dir/stack-state.json` from the supervisor's view (see state.py)."""
        supervisor = self.supervisor
        if supervisor is None or supervisor.stopping.is_set():
            return
        records = []
        for unit in list(supervisor.units.values()):
            proc = unit.process()
            records.append(
                ProcessRecord(
                    name=unit.name,
                    kind=unit.kind,
                    pid=proc.pid if proc is not None else None,
                    started_at=proc.started_at if proc is not None else None,
                    restarts=unit.restarts,
                    state=unit.state,
                    last_exit=unit.last_exit,
                    health_url=unit.health_url,
                    log=str(proc.log_path) if proc is not None and proc.log_path else None,
                )
            )
        ports = self.config.ports
        state = StackState(
            os.getpid(), self._began, ports.kafka_bootstrap, ports.s3_endpoint, records
        )
        with self._state_lock:
            write_state(state_path(self.config.var_dir), state)

    # -- cleanup on exit and signals ---------------------------------------------------------

    def _install_cleanup(self) -> None:
        if not self._atexit:
            atexit.register(self.stop)
            self._atexit = True
        if threading.current_thread() is not threading.main_thread():
            return
        for sig in (signal.SIGTERM, signal.SIGHUP):
            if sig in self._old_handlers:
                continue
            current = signal.getsignal(sig)
            if current is signal.SIG_DFL:
                self._old_handlers[sig] = current
                signal.signal(sig, _exit_on_signal)

    def _remove_cleanup(self) -> None:
        if self._atexit:
            atexit.unregister(self.stop)
            self._atexit = False
        if threading.current_thread() is not threading.main_thread():
            return
        for sig, old in self._old_handlers.items():
            if signal.getsignal(sig) is _exit_on_signal:
                signal.signal(sig, old)
        self._old_handlers.clear()


def _exit_on_signal(signum: int, frame: types.FrameType | None) -> None:
    """Turn SIGTERM/SIGHUP into SystemExit so `with` blocks and atexit stop the stack."""
    raise SystemExit(128 + signum)


def _pid(proc: ManagedProcess | None) -> str:
    if proc is None:
        return ""
    return f"  (pid {proc.pid})" if proc.is_running else "  (stopped)"


def _wait_port_free(port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not port_is_free(port):
        if time.monotonic() >= deadline:
            raise StackError(f"port {port} still in use {timeout:.0f} s after stopping")
        time.sleep(0.1)
