"""Keeps the stack's processes running, as `Restart=on-failure` would.

A process that exits while nobody asked it to is restarted after a capped exponential backoff
(1 s, 2 s, 4 s ... 30 s); a run of `healthy_after` seconds resets the backoff. Every exit and
every restart is one line (on the terminal and in `log/supervisor.log`); a process that fails
`give_up_after` times in a row without a healthy run is given up on, loudly, and the stack's
exit status then says so. Each process has its own watcher thread, so a slow restart (S3
waits for its buckets) never delays noticing another exit.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from .process import ManagedProcess, StackError


@dataclass(frozen=True)
class RestartPolicy:
    """When to restart a process that exited unexpectedly, and when to stop trying."""

    first_delay: float = 1.0
    max_delay: float = 30.0
    factor: float = 2.0
    # A run at least this long counts as healthy: the next failure starts again at first_delay.
    healthy_after: float = 60.0
    # Failures in a row, each after a run shorter than healthy_after, before giving up.
    give_up_after: int = 8
    # How often a watcher looks at its process.
    poll: float = 0.2

    def __post_init__(self) -> None:
        if self.first_delay < 0 or self.max_delay < self.first_delay or self.factor < 1:
            raise ValueError("backoff needs 0 <= first_delay <= max_delay and factor >= 1")
        if self.give_up_after < 1:
            raise ValueError("give_up_after must be at least 1")


DEFAULT_POLICY = RestartPolicy()


class Backoff:
    """The restart decisions for one process: how long to wait, or to give up."""

    def __init__(self, policy: RestartPolicy) -> None:
        self.policy = policy
        self.quick_failures = 0  # failures in a row without a healthy run between them

    def after_exit(self, ran_for: float) -> float | None:
        """Seconds to wait before the next start, or None to give up. `ran_for` is how long
        the process ran (0 for a start that failed)."""
        p = self.policy
        if ran_for >= p.healthy_after:
            self.quick_failures = 0
        self.quick_failures += 1
        if self.quick_failures >= p.give_up_after:
            return None
        return float(min(p.max_delay, p.first_delay * p.factor ** (self.quick_failures - 1)))


def describe_exit(returncode: int | None) -> str:
    """`exit status 3`, `killed by SIGKILL`, or `exited` if unknown."""
    if returncode is None:
        return "exited"
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit status {returncode}"


@dataclass
class Supervised:
    """One process the supervisor keeps running: how to find it and how to start it again.

    `restart` starts a new process and returns once it is ready (StackError otherwise)."""

    name: str
    kind: str  # broker, s3, prometheus or service
    process: Callable[[], ManagedProcess | None]
    restart: Callable[[], ManagedProcess]
    health_url: str | None = None
    restarts: int = 0
    state: str = "running"  # running, restarting, held, failed
    last_exit: str | None = None
    held: bool = False  # stopped on purpose (an outage test, a planned restart)


Report = Callable[[str, bool], None]  # (line, loud)


class Supervisor:
    """Watches registered processes and restarts them; `stop()` ends every watcher."""

    def __init__(
        self,
        policy: RestartPolicy,
        report: Report,
        on_change: Callable[[], None] = lambda: None,
    ) -> None:
        self.policy = policy
        self.report = report
        self.on_change = on_change
        self.units: dict[str, Supervised] = {}
        self.stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def watch(self, unit: Supervised) -> None:
        """Start watching `unit`. For a name already watched (a process started again by
        hand), only how to find and restart it change; its counters stay."""
        with self._lock:
            if self.stopping.is_set():
                return
            if (known := self.units.get(unit.name)) is not None:
                known.process, known.restart = unit.process, unit.restart
                return
            self.units[unit.name] = unit
            thread = threading.Thread(
                target=self._watch, args=(unit,), name=f"supervise-{unit.name}", daemon=True
            )
            self._threads.append(thread)
        thread.start()
        self.on_change()

    @property
    def failed(self) -> list[str]:
        """Names of the processes given up on."""
        return [u.name for u in self.units.values() if u.state == "failed"]

    def hold(self, name: str) -> None:
        """The named process is about to be stopped on purpose: do not restart it."""
        if (unit := self.units.get(name)) is not None:
            unit.held = True
            unit.state = "held"
            self.on_change()

    def release(self, name: str) -> None:
        """The named process was started again on purpose: watch it again."""
        if (unit := self.units.get(name)) is not None:
            unit.held = False
            unit.state = "running"
            self.on_change()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop watching (no restart starts after this returns, see LocalStack.stop)."""
        self.stopping.set()
        deadline = time.monotonic() + timeout
        for thread in list(self._threads):
            if thread is not threading.current_thread():
                thread.join(max(0.0, deadline - time.monotonic()))

    # -- one watcher per process -------------------------------------------------------------

    def _watch(self, unit: Supervised) -> None:
        backoff = Backoff(self.policy)
        while not self.stopping.is_set():
            proc = unit.process()
            if unit.held or proc is None or proc.is_running:
                self.stopping.wait(self.policy.poll)
                continue
            reason = f"(pid {proc.pid}) {describe_exit(proc.returncode)}"
            ran_for = proc.uptime()
            proc.kill()  # whatever it left in its process group goes too
            if self.stopping.is_set() or unit.held:
                continue
            if not self._restart(unit, backoff, reason, ran_for):
                return

    def _say(self, unit: Supervised, line: str, loud: bool = False) -> None:
        """One line to the report and into the process's own log."""
        if (proc := unit.process()) is not None:
            proc.log_line(f"supervisor: {line}")
        self.report(line, loud)

    def _restart(self, unit: Supervised, backoff: Backoff, reason: str, ran_for: float) -> bool:
        """Restart after the backoff, retrying failed starts; False once given up or stopping."""
        while True:
            delay = backoff.after_exit(ran_for)
            unit.last_exit = reason
            if delay is None:
                unit.state = "failed"
                self._say(
                    unit,
                    f"GAVE UP on {unit.name}: {reason}, {backoff.quick_failures} failures in a "
                    f"row without a healthy run of {self.policy.healthy_after:.0f} s; "
                    "it stays down (see its log)",
                    True,
                )
                self.on_change()
                return False
            unit.state = "restarting"
            self._say(
                unit,
                f"{unit.name} {reason} after {ran_for:.0f} s; restart {unit.restarts + 1} "
                f"in {delay:g} s",
                False,
            )
            self.on_change()
            if self.stopping.wait(delay):
                return False
            current = unit.process()
            if unit.held or (current is not None and current.is_running):
                # Stopped on purpose meanwhile (whoever did starts it again), or already
                # started again by hand: nothing to do.
                unit.state = "held" if unit.held else "running"
                return True
            try:
                new = unit.restart()
            except StackError as exc:
                if self.stopping.is_set():
                    return False
                reason = f"could not start: {str(exc).splitlines()[0]}"
                ran_for = 0.0
                continue
            unit.restarts += 1
            unit.state = "running"
            self._say(unit, f"{unit.name} restarted (pid {new.pid}, restart {unit.restarts})")
            self.on_change()
            return True
