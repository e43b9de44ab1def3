"""retry_with_backoff: transient errors are retried with capped, jittered exponential backoff;
anything else, cancellation included, propagates at once."""

from __future__ import annotations

import asyncio
import logging
import types
from collections.abc import Awaitable, Callable

import pytest

from services.common import retry
from services.common.retry import retry_with_backoff


def _flaky(failures: list[BaseException], result: int = 42) -> Callable[[], Awaitable[int]]:
    """An operation that raises each of `failures` in turn, then returns `result`."""
    calls = iter(failures)

    async def op() -> int:
        failure = next(calls, None)
        if failure is not None:
            raise failure
        return result

    return op


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The delays retry_with_backoff sleeps (without sleeping), with the jitter factor at 1."""
    delays: list[float] = []

    async def sleep(seconds: float) -> None:
        delays.append(seconds)

    monkeypatch.setattr(retry, "asyncio", types.SimpleNamespace(sleep=sleep))
    jitter = types.SimpleNamespace(random=lambda: 0.5)  # 0.75 + 0.5 / 2 = 1
    monkeypatch.setattr(retry, "random", jitter)
    return delays


async def test_transient_errors_are_retried_until_success(slept: list[float]) -> None:
    seen: list[BaseException] = []
    failures: list[BaseException] = [OSError("down"), TimeoutError(), ConnectionError()]
    result = await retry_with_backoff(_flaky(failures), what="op", on_error=seen.append)
    assert result == 42
    assert seen == failures
    assert slept == pytest.approx([0.2, 0.4, 0.8])


async def test_the_delay_doubles_up_to_its_cap(slept: list[float]) -> None:
    op = _flaky([OSError()] * 5)
    await retry_with_backoff(op, what="op", first_delay=1.0, max_delay=3.0)
    assert slept == pytest.approx([1.0, 2.0, 3.0, 3.0, 3.0])


async def test_other_errors_propagate_without_a_retry(slept: list[float]) -> None:
    seen: list[BaseException] = []
    with pytest.raises(ValueError, match="bad"):
        await retry_with_backoff(_flaky([ValueError("bad")]), what="op", on_error=seen.append)
    assert seen == []
    assert slept == []


async def test_only_the_listed_errors_are_transient(slept: list[float]) -> None:
    op = _flaky([KeyError("k")])
    assert await retry_with_backoff(op, what="op", transient=(KeyError,)) == 42
    with pytest.raises(OSError, match="not listed"):
        await retry_with_backoff(_flaky([OSError("not listed")]), what="op", transient=(KeyError,))
    assert len(slept) == 1


async def test_cancellation_propagates_at_once(slept: list[float]) -> None:
    with pytest.raises(asyncio.CancelledError):
        await retry_with_backoff(_flaky([asyncio.CancelledError()]), what="op")
    assert slept == []


@pytest.mark.parametrize(("draw", "factor"), [(0.0, 0.75), (0.999999, 1.25)])
async def test_jitter_stays_within_a_quarter_of_the_delay(
    monkeypatch: pytest.MonkeyPatch, slept: list[float], draw: float, factor: float
) -> None:
    monkeypatch.setattr(retry, "random", types.SimpleNamespace(random=lambda: draw))
    await retry_with_backoff(_flaky([OSError()]), what="op", first_delay=2.0)
    assert slept == pytest.approx([2.0 * factor], abs=1e-5)


async def test_each_retry_is_logged_with_what_failed(
    slept: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger=retry.__name__):
        await retry_with_backoff(_flaky([OSError(), TimeoutError()]), what="store the file")
    assert [r.getMessage() for r in caplog.records] == [
        "store the file failed (attempt 1, OSError); retrying in 0.2s",
        "store the file failed (attempt 2, TimeoutError); retrying in 0.4s",
    ]
