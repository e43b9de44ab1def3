"""How `reuse-tracker up` ends, on a real process: Ctrl-C stops a supervised stack cleanly
and promptly; a second Ctrl-C, while a stubborn process delays the stop, kills everything at
once and exits with status 130."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reuse_tracker.stack.slots import stack_slot
from reuse_tracker.stack.status import pid_alive

# Runs `up`'s wait-and-stop around a supervised stack with one stand-in service.
UP = """
import sys
from pathlib import Path
import typer
from reuse_tracker.cli import _run_until_signal
from reuse_tracker.stack import LocalStack, StackConfig, StackPorts
from reuse_tracker.stack.supervisor import RestartPolicy

var_dir, slot, service, mode = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
ports = StackPorts.for_tests(slot)
policy = RestartPolicy(first_delay=0.05, give_up_after=2) if mode == "failing" else RestartPolicy()
stack = LocalStack(StackConfig(var_dir=var_dir, ports=ports, restart=policy))
proc = stack.add_service(
    "stand-in",
    [sys.executable, "-c", service, str(ports.api), str(var_dir)],
    health_url=f"http://127.0.0.1:{ports.api}/health",
)
print(proc.pid, flush=True)
try:
    _run_until_signal(stack)
except typer.Exit as exc:
    sys.exit(exc.exit_code)
"""

# Answers /health; with "stubborn" it ignores SIGTERM, so a clean stop waits 10 s for it;
# with "failing", every start after the first exits at once.
SERVICE = """
import http.server, os, signal, sys
if "{mode}" == "stubborn":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
started = os.path.join(sys.argv[2], "started-once")
if "{mode}" == "failing" and os.path.exists(started):
    sys.exit(1)
open(started, "w").close()
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
"""


def _up(tmp_path: Path, mode: str) -> tuple[subprocess.Popen[str], int]:
    up = subprocess.Popen(
        [
            sys.executable,
            "-c",
            UP,
            str(tmp_path),
            str(stack_slot("supervision")),
            SERVICE.replace("{mode}", mode),
            mode,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert up.stdout is not None
    line = up.stdout.readline()
    assert line.strip().isdigit(), line + up.stdout.read()
    # Signals are handled once it says so (on a busy machine that can take a while).
    ready = up.stdout.readline()
    assert "Press Ctrl-C to stop" in ready, ready + up.stdout.read()
    return up, int(line)


@pytest.mark.slow
def test_ctrl_c_stops_everything_cleanly_and_promptly(tmp_path: Path) -> None:
    up, child = _up(tmp_path, "polite")
    began = time.monotonic()
    up.send_signal(signal.SIGINT)
    out, _ = up.communicate(timeout=30)
    assert up.returncode == 0, out
    assert time.monotonic() - began < 10.0  # the interpreter's own exit included
    assert "stopping" in out
    assert not pid_alive(child)
    assert not (tmp_path / "stack-state.json").exists()


@pytest.mark.slow
def test_a_second_ctrl_c_kills_everything_at_once(tmp_path: Path) -> None:
    up, child = _up(tmp_path, "stubborn")
    up.send_signal(signal.SIGINT)
    time.sleep(1.0)  # stopping, and waiting for the stubborn process
    assert up.poll() is None
    assert pid_alive(child)
    forced = time.monotonic()
    up.send_signal(signal.SIGINT)
    while pid_alive(child):
        # Well within the 10 s a SIGTERM-deaf process costs a clean stop.
        assert time.monotonic() - forced < 3.0, "the second Ctrl-C did not kill it"
        time.sleep(0.05)
    out, _ = up.communicate(timeout=30)
    assert up.returncode == 130, out
    assert "killed every process" in out


@pytest.mark.slow
def test_up_exits_with_status_1_after_giving_up_on_a_process(tmp_path: Path) -> None:
    up, child = _up(tmp_path, "failing")
    os.kill(child, signal.SIGKILL)  # its restarts all exit at once: given up after two
    log = tmp_path / "log" / "supervisor.log"
    deadline = time.monotonic() + 20
    while "GAVE UP" not in (log.read_text() if log.exists() else ""):
        assert time.monotonic() < deadline, "never gave up"
        time.sleep(0.1)
    up.send_signal(signal.SIGINT)
    out, _ = up.communicate(timeout=30)
    assert up.returncode == 1, out
    assert "!!! GAVE UP on stand-in" in out
    assert "gave up on stand-in" in out
