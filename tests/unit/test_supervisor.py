"""The restart policy, and the supervisor acting on real short-lived processes: a killed one
comes back after the backoff with one line saying so, one that keeps failing is given up on
loudly, a taken port is named, and stopping is prompt even in the middle of a backoff."""

from __future__ import annotations

import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from reuse_tracker.stack import ManagedProcess
from reuse_tracker.stack.ports import ensure_free
from reuse_tracker.stack.supervisor import (
    Backoff,
    RestartPolicy,
    Supervised,
    Supervisor,
    describe_exit,
)

FAST = RestartPolicy(first_delay=0.05, max_delay=0.2, healthy_after=5.0, poll=0.02)
SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]
FAILER = [sys.executable, "-c", "import sys; sys.exit(3)"]


def test_backoff_doubles_from_one_second_to_the_cap_then_gives_up() -> None:
    backoff = Backoff(RestartPolicy())
    delays = [backoff.after_exit(ran_for=2.0) for _ in range(8)]
    assert delays == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, None]


def test_a_healthy_run_resets_the_backoff() -> None:
    backoff = Backoff(RestartPolicy(give_up_after=4))
    assert [backoff.after_exit(1.0) for _ in range(3)] == [1.0, 2.0, 4.0]
    assert backoff.after_exit(60.0) == 1.0  # ran a minute: healthy, start again
    assert backoff.after_exit(59.0) == 2.0
    assert backoff.quick_failures == 2


def test_policy_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="backoff"):
        RestartPolicy(first_delay=10, max_delay=5)
    with pytest.raises(ValueError, match="give_up_after"):
        RestartPolicy(give_up_after=0)


def test_exit_descriptions() -> None:
    assert describe_exit(3) == "exit status 3"
    assert describe_exit(0) == "exit status 0"
    assert describe_exit(-9) == "killed by SIGKILL"
    assert describe_exit(-15) == "killed by SIGTERM"
    assert describe_exit(None) == "exited"


class Lines:
    """What the supervisor reported, thread-safe."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, bool]] = []
        self._lock = threading.Lock()

    def __call__(self, line: str, loud: bool) -> None:
        with self._lock:
            self.lines.append((line, loud))

    def text(self) -> str:
        with self._lock:
            return "\n".join(line for line, _ in self.lines)


class Program:
    """A supervised command: `spawns` counts its starts."""

    def __init__(self, argv: list[str], log: Path, restart: Callable[[], None] | None = None):
        self.argv = argv
        self.log = log
        self.spawns = 0
        self.process: ManagedProcess | None = None
        self.before_restart = restart

    def start(self) -> ManagedProcess:
        if self.before_restart is not None and self.spawns:
            self.before_restart()
        proc = ManagedProcess("worker")
        proc.start(self.argv, dict(os.environ), self.log)
        self.process = proc
        self.spawns += 1
        return proc

    def unit(self) -> Supervised:
        return Supervised("worker", "service", lambda: self.process, self.start)


@pytest.fixture
def lines() -> Lines:
    return Lines()


@pytest.fixture
def supervisor(lines: Lines) -> Iterator[Supervisor]:
    sup = Supervisor(FAST, lines)
    try:
        yield sup
    finally:
        sup.stop()


def _until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_killed_process_is_restarted_with_one_line_naming_it(
    supervisor: Supervisor, lines: Lines, tmp_path: Path
) -> None:
    program = Program(SLEEPER, tmp_path / "worker.log")
    first = program.start()
    unit = program.unit()
    supervisor.watch(unit)
    assert first.pid is not None
    os.kill(first.pid, signal.SIGKILL)  # a crash, not a stop the stack asked for
    _until(lambda: unit.restarts == 1 and unit.state == "running")
    assert program.process is not None
    assert program.process.is_running
    assert program.process.pid != first.pid
    text = lines.text()
    assert f"worker (pid {first.pid}) killed by SIGKILL" in text
    assert "restart 1 in 0.05 s" in text
    assert f"worker restarted (pid {program.process.pid}, restart 1)" in text
    assert "supervisor: worker (pid" in (tmp_path / "worker.log").read_text()
    assert unit.last_exit == f"(pid {first.pid}) killed by SIGKILL"
    program.process.stop()


@pytest.mark.slow
def test_a_process_that_keeps_failing_is_given_up_on_loudly(
    supervisor: Supervisor, lines: Lines, tmp_path: Path
) -> None:
    supervisor.policy = RestartPolicy(
        first_delay=0.05, max_delay=0.2, healthy_after=5.0, give_up_after=3, poll=0.02
    )
    program = Program(FAILER, tmp_path / "worker.log")
    program.start()
    unit = program.unit()
    supervisor.watch(unit)
    _until(lambda: unit.state == "failed")
    assert program.spawns == 3  # the first start and two restarts
    assert unit.restarts == 2
    assert supervisor.failed == ["worker"]
    loud = [line for line, is_loud in lines.lines if is_loud]
    assert len(loud) == 1
    assert loud[0].startswith("GAVE UP on worker: (pid ")
    assert "exit status 3, 3 failures in a row" in loud[0]
    time.sleep(0.3)
    assert program.spawns == 3, "restarted after giving up"


def test_a_port_taken_by_something_else_is_named_and_counts_as_a_failure(
    supervisor: Supervisor, lines: Lines, tmp_path: Path
) -> None:
    supervisor.policy = RestartPolicy(
        first_delay=0.05, max_delay=0.1, healthy_after=5.0, give_up_after=3, poll=0.02
    )
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        program = Program(
            SLEEPER, tmp_path / "worker.log", restart=lambda: ensure_free({"api": port})
        )
        first = program.start()
        unit = program.unit()
        supervisor.watch(unit)
        first.kill()
        _until(lambda: unit.state == "failed")
    assert program.spawns == 1
    text = lines.text()
    assert f"worker could not start: port {port} (auditor API) is already in use" in text
    assert "GAVE UP on worker: could not start: port" in text


def test_stopping_in_the_middle_of_a_backoff_is_prompt_and_restarts_nothing(
    lines: Lines, tmp_path: Path
) -> None:
    sup = Supervisor(RestartPolicy(first_delay=30.0, max_delay=30.0, poll=0.02), lines)
    program = Program(SLEEPER, tmp_path / "worker.log")
    first = program.start()
    unit = program.unit()
    sup.watch(unit)
    first.kill()
    _until(lambda: unit.state == "restarting")
    began = time.monotonic()
    sup.stop()
    assert time.monotonic() - began < 1.0
    assert program.spawns == 1
    assert "restart 1 in 30 s" in lines.text()


def test_a_process_held_on_purpose_is_not_restarted(
    supervisor: Supervisor, lines: Lines, tmp_path: Path
) -> None:
    program = Program(SLEEPER, tmp_path / "worker.log")
    first = program.start()
    unit = program.unit()
    supervisor.watch(unit)
    supervisor.hold("worker")
    first.stop()
    time.sleep(0.3)
    assert program.spawns == 1
    assert lines.lines == []
    supervisor.release("worker")
    program.start().stop()  # started again on purpose; its later exit is a crash again
    _until(lambda: unit.restarts == 1)
    assert program.process is not None
    program.process.stop()
