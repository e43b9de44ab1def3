"""Periodic: runs its work at once and then every interval; a failure or a timeout goes to
on_error and never ends the loop; stop cancels it and nothing runs afterwards."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable

from services.common.periodic import Periodic

INTERVAL = 0.01


async def _until(check: Callable[[], bool], within_s: float = 5.0) -> None:
    """Wait (on the event loop) until `check()` is true."""
    deadline = time.monotonic() + within_s
    while not check():
        assert time.monotonic() < deadline, "not reached in time"
        await asyncio.sleep(INTERVAL / 2)


async def test_work_runs_at_once_and_then_every_interval() -> None:
    runs: list[float] = []

    async def work() -> None:
        runs.append(time.monotonic())

    errors: list[Exception] = []
    task = Periodic("count", work, interval=INTERVAL, on_error=errors.append)
    await task.start()
    await _until(lambda: len(runs) >= 1)
    await _until(lambda: len(runs) >= 4)
    await task.stop()
    assert errors == []
    assert all(b - a >= INTERVAL * 0.9 for a, b in itertools.pairwise(runs))


async def test_a_failure_goes_to_on_error_and_the_loop_goes_on() -> None:
    calls = 0

    async def work() -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("first refresh fails")

    errors: list[Exception] = []
    task = Periodic("flaky", work, interval=INTERVAL, on_error=errors.append)
    await task.start()
    await _until(lambda: calls >= 3)
    await task.stop()
    assert [str(e) for e in errors] == ["first refresh fails"]


async def test_work_longer_than_the_timeout_is_abandoned_as_an_error() -> None:
    started = 0

    async def work() -> None:
        nonlocal started
        started += 1
        await asyncio.sleep(60)

    errors: list[Exception] = []
    task = Periodic("slow", work, interval=INTERVAL, on_error=errors.append, timeout=0.02)
    await task.start()
    await _until(lambda: len(errors) >= 2)
    await task.stop()
    assert all(isinstance(e, TimeoutError) for e in errors)
    assert started >= 2


async def test_start_is_once_and_stop_ends_it_for_good() -> None:
    runs = 0

    async def work() -> None:
        nonlocal runs
        runs += 1

    task = Periodic("once", work, interval=INTERVAL, on_error=lambda _e: None)
    await task.stop()  # before start: nothing to do
    await task.start()
    first = task._task
    await task.start()
    assert task._task is first  # a second start does not start a second loop
    await _until(lambda: runs >= 2)
    await task.stop()
    assert first is not None
    assert first.cancelled()
    after = runs
    await asyncio.sleep(INTERVAL * 5)
    assert runs == after
    await task.stop()  # twice: still fine
