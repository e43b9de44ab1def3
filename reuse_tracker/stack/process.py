"""A child process in its own process group, logging to a file, that can be stopped or killed."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path


class StackError(RuntimeError):
    """A part of the local stack failed to start, stop or answer."""


def child_env(extra: Mapping[str, str], drop_prefixes: Iterable[str] = ()) -> dict[str, str]:
    """This process's environment without variables starting with `drop_prefixes`, plus
    `extra`."""
    prefixes = tuple(drop_prefixes)
    env = {k: v for k, v in os.environ.items() if not (prefixes and k.startswith(prefixes))}
    env.update(extra)
    return env


class ManagedProcess:
    """One server process of the stack; its stdout and stderr are appended to `log_path`."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.log_path: Path | None = None
        self.argv: list[str] = []
        self._popen: subprocess.Popen[bytes] | None = None
        self.started_at: float | None = None  # Unix time of the last start
        self._started_monotonic = 0.0
        self._exited_monotonic: float | None = None

    def start(
        self,
        argv: Sequence[str],
        env: Mapping[str, str],
        log_path: Path,
        cwd: Path | None = None,
    ) -> None:
        """Start `argv` with exactly `env` in a new session (so in its own process group)."""
        if self.is_running:
            raise StackError(f"{self.name} is already running (pid {self.pid})")
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log_path = log_path
        self.argv = list(argv)
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        with log_path.open("ab") as log:
            log.write(f"\n=== {stamp} starting {self.name}: {' '.join(argv)}\n".encode())
            log.flush()
            try:
                self._popen = subprocess.Popen(
                    self.argv,
                    env=dict(env),
                    cwd=cwd,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                    close_fds=True,
                )
            except OSError as exc:
                raise StackError(f"cannot start {self.name} ({argv[0]}): {exc}") from exc
        self.started_at = time.time()
        self._started_monotonic = time.monotonic()
        self._exited_monotonic = None

    @property
    def pid(self) -> int | None:
        """The process id (also its process group id), or None if never started."""
        return self._popen.pid if self._popen is not None else None

    @property
    def is_running(self) -> bool:
        """True while the process has not exited."""
        return self._popen is not None and not self._exited()

    def _exited(self) -> bool:
        """Poll, noting when the exit was first seen (for uptime)."""
        if self._popen is None or self._popen.poll() is None:
            return False
        if self._exited_monotonic is None:
            self._exited_monotonic = time.monotonic()
        return True

    def uptime(self) -> float:
        """Seconds since the start, up to the moment its exit was first seen."""
        if self._popen is None:
            return 0.0
        self._exited()
        end = self._exited_monotonic if self._exited_monotonic is not None else time.monotonic()
        return end - self._started_monotonic

    def log_line(self, text: str) -> None:
        """Append one `=== <time> <text>` line to the process's log (a supervisor note)."""
        if self.log_path is None:
            return
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        with contextlib.suppress(OSError), self.log_path.open("ab") as log:
            log.write(f"=== {stamp} {text}\n".encode())

    @property
    def returncode(self) -> int | None:
        """The exit code once it has exited (negative: killed by that signal)."""
        return self._popen.poll() if self._popen is not None else None

    def _signal_group(self, sig: signal.Signals) -> None:
        if self._popen is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._popen.pid, sig)

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM to the process group, SIGKILL after `timeout` seconds; returns the exit
        code. Does nothing if it is not running."""
        if self._popen is None:
            return None
        if self._popen.poll() is None:
            self._signal_group(signal.SIGTERM)
            try:
                self._popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self._popen.wait()
        # Anything the leader left behind in its group goes too.
        self._signal_group(signal.SIGKILL)
        return self._popen.returncode

    def kill(self) -> None:
        """SIGKILL to the whole process group, as a crash would; waits for the exit."""
        if self._popen is None:
            return
        self._signal_group(signal.SIGKILL)
        self._popen.wait()

    def tail(self, n: int = 30) -> str:
        """The last `n` lines of the log file."""
        if self.log_path is None or not self.log_path.exists():
            return ""
        with self.log_path.open("rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 64 * 1024))
            data = f.read()
        lines = data.decode("utf-8", errors="replace").splitlines()
        return "\n".join(lines[-n:])

    def wait_until(
        self,
        predicate: Callable[[], bool],
        timeout: float,
        what: str,
        interval: float = 0.25,
    ) -> None:
        """Poll `predicate` until it is true; StackError with the log tail if the process
        exits first or `timeout` seconds pass. Exceptions from `predicate` count as false."""
        deadline = time.monotonic() + timeout
        last_error: BaseException | None = None
        while True:
            try:
                if predicate():
                    return
            except Exception as exc:
                last_error = exc
            if not self.is_running:
                raise StackError(
                    f"{self.name} exited (code {self.returncode}) before {what}; "
                    f"log {self.log_path}:\n{self.tail()}"
                )
            if time.monotonic() >= deadline:
                detail = f" (last error: {last_error!r})" if last_error else ""
                raise StackError(
                    f"{self.name}: no {what} after {timeout:.0f} s{detail}; "
                    f"log {self.log_path}:\n{self.tail()}"
                )
            time.sleep(interval)

    def __repr__(self) -> str:
        state = "running" if self.is_running else f"exited {self.returncode}"
        return f"ManagedProcess({self.name!r}, pid={self.pid}, {state})"
