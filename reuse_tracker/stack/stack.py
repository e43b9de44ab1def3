"""The whole local stack: SeaweedFS (S3), Tansu (Kafka API), the topics, then the services.

Every service started with `LocalStack.add_service` gets, on top of this process's environment:

- `TRACKER_KAFKA_BOOTSTRAP`: `127.0.0.1:<kafka port>`
- `TRACKER_S3_ENDPOINT`: `http://127.0.0.1:<s3 port>`
- `TRACKER_S3_ACCESS_KEY`, `TRACKER_S3_SECRET_KEY`: the local S3 credentials

Everything binds 127.0.0.1. Data lives under `var_dir/s3` (SeaweedFS, which also holds the
broker's topics and offsets in its `broker` bucket) and logs under `var_dir/log/<part>.log`.
"""

from __future__ import annotations

import atexit
import logging
import signal
import threading
import time
import types
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx

from .broker import MEMORY_STORAGE, S3_STORAGE, start_tansu
from .ports import HOST, StackPorts, ensure_free, port_is_free
from .process import ManagedProcess, StackError, child_env
from .s3 import BUCKETS, S3Identity, start_seaweedfs
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


class LocalStack:
    """Starts and stops the local stack; `with LocalStack(cfg) as stack:` runs start_infra()
    on entry and stop() on exit. stop() also runs at interpreter exit and on SIGTERM/SIGHUP."""

    def __init__(self, config: StackConfig) -> None:
        self.config = config
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
        if health_url is not None:
            self._check_service_port(name, health_url)
        proc = ManagedProcess(name)
        self._install_cleanup()
        proc.start(
            argv,
            child_env({**self.service_env(), **(env or {})}),
            self.config.log_dir / f"{name}.log",
        )
        self.started.append(proc)
        self.services.append(_Service(name, proc, health_url))
        if health_url is not None:
            with httpx.Client(trust_env=False, timeout=2.0) as http:
                proc.wait_until(
                    lambda: http.get(health_url).status_code == 200,
                    timeout,
                    f"HTTP 200 from {health_url}",
                )
        return proc

    def _check_service_port(self, name: str, url: str) -> None:
        parts = urlsplit(url)
        if parts.hostname not in (HOST, "localhost") or parts.port is None:
            raise StackError(f"{name}: health URL {url} is not on {HOST}:<port>")
        known = {p: n for n, p in self.config.ports.as_dict().items()}
        ensure_free({known.get(parts.port, name): parts.port})

    def _start_broker(self) -> None:
        cfg = self.config
        self.broker = start_tansu(
            cfg.ports,
            s3_endpoint=cfg.ports.s3_endpoint,
            access_key=cfg.s3_access_key,
            secret_key=cfg.s3_secret_key,
            log_dir=cfg.log_dir,
            storage=cfg.broker_storage_url,
        )
        self.started.append(self.broker)

    def restart_broker(self) -> None:
        """Stop Tansu and start it again on the same port and storage (with memory storage the
        topics are created again; with s3 storage they and the offsets survive)."""
        with self._lock:
            if self.broker is not None:
                self.broker.stop()
            _wait_port_free(self.config.ports.kafka, 15.0)
            self._start_broker()
            if self.config.broker_storage == "memory":
                ensure_topics(self.config.ports.kafka_bootstrap, self.topics)

    def stop_s3(self) -> None:
        """Stop SeaweedFS (for outage tests); the broker stays up but cannot reach its data."""
        with self._lock:
            if self.s3 is not None:
                self.s3.stop()

    def start_s3(self) -> None:
        """Start SeaweedFS on the configured ports and data dir; returns once S3 answers."""
        with self._lock:
            if self.s3 is not None and self.s3.is_running:
                return
            cfg = self.config
            if self.s3 is not None:
                _wait_port_free(cfg.ports.s3, 15.0)
            self.s3 = start_seaweedfs(
                cfg.s3_data_dir,
                cfg.ports,
                cfg.s3_access_key,
                cfg.s3_secret_key,
                cfg.log_dir,
                buckets=BUCKETS,
                identities=cfg.s3_identities,
            )
            self.started.append(self.s3)

    def stop(self) -> None:
        """Stop the services (last started first), then Tansu, then SeaweedFS. Idempotent."""
        with self._lock:
            for service in reversed(self.services):
                service.process.stop()
            if self.broker is not None:
                self.broker.stop()
            if self.s3 is not None:
                self.s3.stop()
            self._remove_cleanup()

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
