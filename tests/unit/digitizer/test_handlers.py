"""The digitizer's decisions that need no broker or S3: e-result flags and the worker pool.

The whole path (claim check, storage, announcements) runs against the real stack in
tests/stack/digitizer/.
"""

from __future__ import annotations

import hashlib
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from reuse_tracker.simulator import samples
from schemas.internal import Fact
from services.common.broker import Outgoing
from services.common.db import make_engine
from services.digitizer.archive import ObjectStore
from services.digitizer.handlers import DigitizerProcessor, is_e_result
from services.digitizer.metrics import DigitizerMetrics
from services.digitizer.pipeline import Limits, Processed, Rejected
from services.digitizer.workers import make_pool


def _fact(event_type: str, **data: Any) -> Fact:
    return {
        "event_id": "e1",
        "event_type": event_type,
        "root": "H44",
        "agency_code": "H44.01",
        "dossier_code": "H44.01-260302-0001",
        "occurred_at": "2026-03-02T08:15:00+07:00",
        "source_system": "test",
        "data": data,
        "source": {"topic": "dossier-events.H44", "partition": 0, "offset": 0},
    }


@pytest.mark.parametrize(
    ("event_type", "data", "stored", "expected"),
    [
        ("result.issued", {"electronic": True}, True, True),
        ("result.issued", {"electronic": True, "file_url": "https://x/kq"}, False, True),
        ("result.issued", {"electronic": True}, False, False),  # its file was refused
        ("result.issued", {"electronic": False}, True, False),
        ("result.issued", {"electronic": False, "file_url": "https://x/kq"}, False, False),
        ("result.scanned", {"electronic": True}, True, False),
        ("component.scanned", {}, True, False),
    ],
)
def test_e_result_rules(
    event_type: str, data: dict[str, Any], stored: bool, expected: bool
) -> None:
    assert is_e_result(_fact(event_type, **data), stored) is expected


async def _no_publish(_messages: list[Outgoing]) -> int:
    return 0


@pytest.fixture
async def processor(tmp_path: Path) -> AsyncIterator[DigitizerProcessor]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'd.db'}")
    # Never contacted by these tests: only the pool is exercised.
    store = ObjectStore.connect("http://127.0.0.1:9", "k", "s", "inbox", "archive")
    proc = DigitizerProcessor(
        engine,
        store,
        _no_publish,
        DigitizerMetrics(CollectorRegistry()),
        pool_factory=lambda: make_pool(1),
        digitized_topic="tracker.digitized",
        limits=Limits(),
        max_seconds=60.0,
    )
    try:
        yield proc
    finally:
        proc.close()
        await engine.dispose()


def _workers(proc: DigitizerProcessor) -> list[Any]:
    return list((getattr(proc.pool, "_processes", None) or {}).values())


@pytest.mark.slow
async def test_a_file_over_its_time_is_refused_and_the_pool_replaced(
    processor: DigitizerProcessor,
) -> None:
    page = samples.a4_page(1)
    sha = hashlib.sha256(page).hexdigest()
    processor.max_seconds = 0.001  # less than a spawned worker needs to start
    old_pool = processor.pool
    result = await processor._run_pipeline(page, "image/jpeg", sha)
    assert result == Rejected("corrupt_file", "processing took longer than 0.001 s")
    assert processor.pool is not old_pool
    processor.max_seconds = 60.0
    assert isinstance(await processor._run_pipeline(page, "image/jpeg", sha), Processed)


@pytest.mark.slow
async def test_a_dead_worker_is_replaced_and_the_file_done_again(
    processor: DigitizerProcessor,
) -> None:
    page = samples.a4_page(2)
    sha = hashlib.sha256(page).hexdigest()
    assert isinstance(await processor._run_pipeline(page, "image/jpeg", sha), Processed)
    old_pool = processor.pool
    for worker in _workers(processor):
        os.kill(worker.pid, signal.SIGKILL)
        worker.join(10)
    result = await processor._run_pipeline(page, "image/jpeg", sha)
    assert isinstance(result, Processed)
    assert processor.pool is not old_pool


@pytest.mark.slow
def test_workers_ignore_stop_signals() -> None:
    pool = make_pool(1)
    try:
        assert pool.submit(signal.getsignal, signal.SIGTERM).result(60) == signal.SIG_IGN
        assert pool.submit(signal.getsignal, signal.SIGINT).result(60) == signal.SIG_IGN
    finally:
        pool.shutdown()


def _file_fact(size: int) -> Fact:
    obj = {"key": "H44/a.jpg", "sha256": "0" * 64, "size": size, "content_type": "image/jpeg"}
    return _fact("component.scanned", component_code="TP1", object=obj)


async def test_a_declared_size_over_the_limit_is_refused_unread(
    processor: DigitizerProcessor,
) -> None:
    # The store points at a closed port: any read would fail, so none happened.
    verdict = await processor.examine(_file_fact(processor.limits.max_bytes + 1))
    assert (verdict.outcome["status"], verdict.outcome.get("code")) == (
        "rejected",
        "image_too_large",
    )


class _BigInbox:
    """Stands in for the inbox: every object is larger than what the event declared."""

    def fetch(self, key: str, max_bytes: int) -> bytes:
        return bytes(max_bytes + 1)


async def test_an_object_over_the_limit_is_refused_as_too_large(
    processor: DigitizerProcessor,
) -> None:
    processor.store = _BigInbox()  # type: ignore[assignment]
    processor.limits = Limits(max_bytes=1000)
    verdict = await processor.examine(_file_fact(500))
    assert verdict.outcome.get("code") == "image_too_large"
