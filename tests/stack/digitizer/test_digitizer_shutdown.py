"""SIGTERM to the digitizer: the batch in progress is finished, or handed back unacknowledged
and done after the restart; never lost, never announced twice."""

from __future__ import annotations

import signal
import time
from typing import Any

import pytest

from reuse_tracker.simulator import samples
from reuse_tracker.system import scrape
from services.digitizer.app import STOPPED_MESSAGE
from tests.support.kafka_io import wait_for

from .harness import GRACE_SECONDS, DigitizerStack

pytestmark = pytest.mark.stack

FILES_EXAMINED = "tracker_digitizer_file_seconds_count"
S3_ERRORS = "tracker_digitizer_dependency_errors_total"


def _metric(ds: DigitizerStack, name: str) -> float:
    return scrape(ds.ports.digitizer_http).get(name, 0.0)


def _stop_digitizer(ds: DigitizerStack) -> float:
    """SIGTERM to the digitizer's process group; returns how long it took to exit.

    The pool's workers get the signal too (as from a process manager stopping the group) and
    must not die of it.
    """
    process = ds.digitizer()
    started = time.monotonic()
    code = process.stop(timeout=GRACE_SECONDS + 20)
    took = time.monotonic() - started
    # uvicorn shuts the app down, then raises the signal again so its parent sees it.
    assert code in (0, -signal.SIGTERM), f"killed ({code}), not stopped:\n{process.tail()}"
    assert STOPPED_MESSAGE in process.tail(400), "the shutdown ran to its end"
    assert "BrokenProcessPool" not in process.tail(400)
    return took


def _exactly_once_after_restart(ds: DigitizerStack, events: list[dict[str, Any]]) -> None:
    ds.start_digitizer()
    wanted = {e["event_id"] for e in events}
    outcomes = wait_for(
        "every file after the restart",
        ds.outcomes,
        lambda found: wanted <= set(found),
        timeout=120,
    )
    for event in events:
        facts = outcomes[event["event_id"]]
        assert len(facts) == 1, "announced exactly once"
        assert facts[0]["file"]["status"] == "stored", facts[0]["file"]
    recorded = [r["event_id"] for r in ds.rows("digitizer_submissions")]
    assert sorted(i for i in recorded if i in wanted) == sorted(wanted)


def test_sigterm_while_the_store_is_down_hands_the_batch_back(dstack: DigitizerStack) -> None:
    events = [
        dstack.file_event(f"term-{i}.jpg", samples.a4_page(80 + i), "image/jpeg") for i in range(3)
    ]
    errors = _metric(dstack, S3_ERRORS)
    dstack.stack.stop_s3()
    try:
        dstack.publish(events)
        wait_for(
            "the digitizer to hold the batch, retrying",
            lambda: _metric(dstack, S3_ERRORS),
            lambda n: n > errors,
            timeout=60,
        )
        took = _stop_digitizer(dstack)
        # It waits out its grace period for the stuck batch, then gives up on it.
        assert took < GRACE_SECONDS + 10
        wanted = {e["event_id"] for e in events}
        assert not wanted & set(dstack.outcomes())
        assert not wanted & {r["event_id"] for r in dstack.rows("digitizer_submissions")}
    finally:
        dstack.stack.start_s3()
    # Had the offsets been committed, these events would never come back.
    _exactly_once_after_restart(dstack, events)


def test_sigterm_while_busy_finishes_or_hands_back_every_file(dstack: DigitizerStack) -> None:
    # Large pages (400 dpi PNG, half a second of work each) keep both workers busy for a while.
    events = [
        dstack.file_event(f"busy-{i}.png", samples.png_page(90 + i, dpi=400), "image/png")
        for i in range(8)
    ]
    examined = _metric(dstack, FILES_EXAMINED)
    dstack.publish(events)
    wait_for(
        "the digitizer to be inside a batch",
        lambda: _metric(dstack, FILES_EXAMINED),
        lambda n: n > examined,
        timeout=60,
    )
    _stop_digitizer(dstack)
    wanted = {e["event_id"] for e in events}
    announced = wanted & set(dstack.outcomes())
    recorded = wanted & {r["event_id"] for r in dstack.rows("digitizer_submissions")}
    # A batch is finished (recorded and announced) or not touched at all: nothing half done.
    assert announced == recorded
    _exactly_once_after_restart(dstack, events)
