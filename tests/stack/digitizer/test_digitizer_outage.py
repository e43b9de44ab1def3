"""The S3 store stops during a run: the digitizer backs off without acknowledging, and once the
store is back every file event is announced exactly once and every file stored once."""

from __future__ import annotations

import time
from typing import Any

import pytest

from reuse_tracker.simulator import samples
from reuse_tracker.system import scrape
from tests.support.kafka_io import wait_for

from .harness import DigitizerStack, sha256

pytestmark = pytest.mark.stack

S3_ERRORS = "tracker_digitizer_dependency_errors_total"
OUTAGE_SECONDS = 6.0


def _s3_errors(ds: DigitizerStack) -> float:
    return scrape(ds.ports.digitizer_http).get(S3_ERRORS, 0.0)


def _announced(ds: DigitizerStack, events: list[dict[str, Any]]) -> set[str]:
    wanted = {e["event_id"] for e in events}
    return wanted & set(ds.outcomes())


def test_an_s3_outage_loses_nothing_and_stores_nothing_twice(dstack: DigitizerStack) -> None:
    pages = [samples.a4_page(60 + i, jitter=i % 2) for i in range(7)]
    events = [dstack.file_event(f"outage-{i}.jpg", p, "image/jpeg") for i, p in enumerate(pages)]
    # The same paper from another dossier, arriving while the store is down.
    events.append(dstack.file_event("outage-again.jpg", pages[0], "image/jpeg"))
    before, during, late = events[:2], events[2:6], events[6:]
    dstack.publish(before)
    wait_for("the first files", lambda: _announced(dstack, before), lambda a: len(a) == 2)
    errors = _s3_errors(dstack)

    dstack.stack.stop_s3()
    try:
        dstack.publish(during)
        wait_for(
            "the digitizer to meet the stopped store",
            lambda: _s3_errors(dstack),
            lambda n: n > errors,
            timeout=60,
        )
        time.sleep(OUTAGE_SECONDS / 2)
        dstack.publish(late)  # events keep arriving while the store is down
        time.sleep(OUTAGE_SECONDS / 2)
        assert _announced(dstack, during + late) == set(), "nothing is announced without S3"
        pending = {e["event_id"] for e in during + late}
        recorded = {r["event_id"] for r in dstack.rows("digitizer_submissions")}
        assert not pending & recorded, "nothing is recorded without S3"
    finally:
        dstack.stack.start_s3()

    outcomes = wait_for(
        "every file after the store came back",
        dstack.outcomes,
        lambda found: {e["event_id"] for e in events} <= set(found),
        timeout=120,
    )
    for event in events:
        facts = outcomes[event["event_id"]]
        assert len(facts) == 1, "announced exactly once"
        assert facts[0]["file"]["status"] == "stored", facts[0]["file"]
    wanted = {e["event_id"] for e in events}
    rows = [r["event_id"] for r in dstack.rows("digitizer_submissions")]
    assert sorted(i for i in rows if i in wanted) == sorted(wanted)
    shas = {sha256(p) for p in pages}
    documents = [r["sha256"] for r in dstack.rows("digitizer_documents") if r["sha256"] in shas]
    assert sorted(documents) == sorted(shas), "one document row per distinct file"
    keys = [k for k in dstack.archive_keys() if k.split("/")[-1][:64] in shas]
    assert len(keys) == 3 * len(shas), "original, archival PDF and thumbnail, once each"
    assert _s3_errors(dstack) > errors
