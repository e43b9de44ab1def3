"""LocalStack with supervision on, around a stand-in HTTP service (no broker, no S3): the
state file and `reuse-tracker status` follow a kill and the restart, and stopping the stack
in the middle of a restart is prompt and leaves nothing running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reuse_tracker.cli import app
from reuse_tracker.stack import LocalStack, StackConfig
from reuse_tracker.stack.slots import stack_ports
from reuse_tracker.stack.state import (
    ProcessRecord,
    StackState,
    read_state,
    state_path,
    write_state,
)
from reuse_tracker.stack.status import StackStatus, collect, pid_alive
from reuse_tracker.stack.supervisor import RestartPolicy

POLICY = RestartPolicy(first_delay=0.2, max_delay=1.0, healthy_after=5.0, poll=0.05)

# Serves /health with 200, unless the file named by argv[2] exists: then it hangs without
# listening (a restart that never becomes healthy); or, if argv[2] + ".fail" exists, exits
# with status 1 at once (a process that keeps failing).
SERVICE = """
import http.server, os, sys, time
if os.path.exists(sys.argv[2]):
    time.sleep(600)
if os.path.exists(sys.argv[2] + ".fail"):
    sys.exit(1)
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
"""


class Lines:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, line: str, loud: bool) -> None:
        with self._lock:
            self.lines.append(line)


@pytest.fixture
def lines() -> Lines:
    return Lines()


@pytest.fixture
def stack(tmp_path: Path, lines: Lines) -> Iterator[LocalStack]:
    cfg = StackConfig(var_dir=tmp_path, ports=stack_ports("supervision"), restart=POLICY)
    local = LocalStack(cfg, report=lines)
    try:
        yield local
    finally:
        local.stop()


def _add(stack: LocalStack, marker: Path) -> int:
    port = stack.config.ports.api
    proc = stack.add_service(
        "fake",
        [sys.executable, "-c", SERVICE, str(port), str(marker)],
        health_url=f"http://127.0.0.1:{port}/health",
        timeout=30,
    )
    assert proc.pid is not None
    return proc.pid


def _until(predicate: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _status(var_dir: Path) -> StackStatus:
    found = collect(var_dir)
    assert found is not None
    return found


@pytest.mark.slow
def test_status_follows_a_kill_and_the_restart(
    stack: LocalStack, lines: Lines, tmp_path: Path
) -> None:
    pid = _add(stack, tmp_path / "hang")
    before = _status(tmp_path)
    assert before.ok
    (fake,) = before.processes
    assert (fake.name, fake.kind, fake.pid, fake.restarts, fake.up) == (
        "fake",
        "service",
        pid,
        0,
        True,
    )
    runner = CliRunner()
    assert runner.invoke(app, ["status", "--var-dir", str(tmp_path)]).exit_code == 0

    os.kill(pid, signal.SIGKILL)
    down = _status(tmp_path)
    assert not down.ok
    assert down.down == ["fake"]
    result = runner.invoke(app, ["status", "--var-dir", str(tmp_path)])
    assert result.exit_code == 1, result.output
    assert "down: fake" in result.output

    _until(lambda: (p := _status(tmp_path).processes[0]).up and p.pid != pid)
    after = _status(tmp_path).processes[0]
    assert after.restarts == 1
    assert after.last_exit == f"(pid {pid}) killed by SIGKILL"
    assert f"fake (pid {pid}) killed by SIGKILL" in lines.lines[0]
    assert "supervisor.log" in os.listdir(tmp_path / "log")

    stack.stop()
    assert read_state(state_path(tmp_path)) is None
    assert not pid_alive(after.pid)
    result = runner.invoke(app, ["status", "--var-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "no stack is running" in result.output


@pytest.mark.slow
def test_stopping_during_a_restart_is_prompt_and_leaves_nothing(
    stack: LocalStack, tmp_path: Path
) -> None:
    marker = tmp_path / "hang"
    pid = _add(stack, marker)
    marker.touch()  # the restart will never become healthy
    os.kill(pid, signal.SIGKILL)
    _until(lambda: len(stack.processes()) == 2)  # the restart was spawned and is waiting
    began = time.monotonic()
    stack.stop()
    assert time.monotonic() - began < 5.0
    assert not any(p.is_running for p in stack.processes())
    assert stack.supervisor is not None
    assert stack.supervisor.failed == []


@pytest.mark.slow
def test_a_process_given_up_on_is_down_in_status(stack: LocalStack, tmp_path: Path) -> None:
    assert stack.supervisor is not None
    stack.supervisor.policy = RestartPolicy(
        first_delay=0.1, max_delay=0.2, healthy_after=5.0, give_up_after=3, poll=0.05
    )
    pid = _add(stack, tmp_path / "hang")
    (tmp_path / "hang.fail").touch()  # every restart exits with status 1 at once
    os.kill(pid, signal.SIGKILL)
    _until(lambda: stack.supervisor is not None and stack.supervisor.failed == ["fake"])
    (fake,) = _status(tmp_path).processes
    assert fake.state == "failed"
    assert not fake.up
    assert fake.last_exit is not None
    assert "could not start: fake exited (code 1) before HTTP 200" in fake.last_exit
    result = CliRunner().invoke(app, ["status", "--var-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "GAVE UP" in result.output
    assert "!!! GAVE UP on fake" in (tmp_path / "log" / "supervisor.log").read_text()


def test_a_state_file_left_by_a_killed_up_is_reported_as_down(tmp_path: Path) -> None:
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead = int(gone.stdout)
    record = ProcessRecord("ingest", "service", dead, time.time(), 0, "running", None, None, None)
    write_state(
        state_path(tmp_path),
        StackState(dead, time.time(), "127.0.0.1:1", "http://127.0.0.1:1", [record]),
    )
    found = _status(tmp_path)
    assert not found.supervisor_alive
    assert found.down == ["ingest"]
    assert found.lag_error is not None  # nothing listens there
    result = CliRunner().invoke(app, ["status", "--var-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert f"the supervisor (pid {dead}) is gone" in result.output
