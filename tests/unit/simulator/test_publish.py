"""The pure parts of publishing: ordering against fakes, truth.json, summary.json."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any, BinaryIO

import pytest

from reuse_tracker.simulator.faults import INVALID_CODES
from reuse_tracker.simulator.generate import Outgoing, Scenario
from reuse_tracker.simulator.publish import (
    INBOX_BUCKET,
    MAX_REQUEST_SIZE,
    PublishError,
    send_all,
    write_outputs,
)
from reuse_tracker.simulator.truth import METRICS


class _Record:
    def __init__(self, fail: bool) -> None:
        self.fail = fail

    def add_errback(self, callback: Any) -> None:
        if self.fail:
            callback(RuntimeError("broker said no"))


class FakeProducer:
    def __init__(self, log: list[tuple[str, str]], fail_on: bytes | None = None) -> None:
        self.log = log
        self.fail_on = fail_on
        self.flushed = False

    def send(self, topic: str, value: bytes, key: bytes) -> _Record:
        self.log.append(("send", value.decode(errors="replace")))
        return _Record(value == self.fail_on)

    def flush(self, timeout: float | None = None) -> None:
        self.flushed = True


class FakeStore:
    def __init__(self, log: list[tuple[str, str]]) -> None:
        self.log = log
        self.objects: dict[str, tuple[bytes, str]] = {}
        self.lock = threading.Lock()

    def put_object(
        self,
        bucket_name: str,
        object_name: str,
        data: BinaryIO,
        length: int,
        content_type: str = "application/octet-stream",
    ) -> None:
        assert bucket_name == INBOX_BUCKET
        body = data.read()
        assert len(body) == length
        with self.lock:
            self.objects[object_name] = (body, content_type)
            self.log.append(("put", object_name))


def _event(n: int, files: int = 0) -> Outgoing:
    value = json.dumps({"n": n, "keys": [f"H44/{n}-{i}.jpg" for i in range(files)]}).encode()
    return Outgoing(
        "dossier-events.H44",
        f"D{n}".encode(),
        value,
        [(f"H44/{n}-{i}.jpg", bytes([n % 256]) * (10 + i), "image/jpeg") for i in range(files)],
    )


def test_files_are_stored_before_the_event_that_names_them() -> None:
    events = [_event(n, files=n % 3) for n in range(200)]
    log: list[tuple[str, str]] = []
    producer, store = FakeProducer(log), FakeStore(log)
    stats = send_all(events, producer, store, progress=False, uploaders=4, ahead=8)
    assert producer.flushed
    sends = [json.loads(text)["n"] for op, text in log if op == "send"]
    assert sends == list(range(200))  # in publish order
    position = {text: i for i, (op, text) in enumerate(log) if op == "put"}
    for i, (op, text) in enumerate(log):
        if op == "send":
            for key in json.loads(text)["keys"]:
                assert position[key] < i
    assert set(store.objects) == {f[0] for e in events for f in e.files}
    assert stats.messages == 200
    assert stats.files == sum(len(e.files) for e in events)
    assert stats.file_bytes == sum(len(f[1]) for e in events for f in e.files)
    assert stats.message_bytes == sum(len(e.value) for e in events)


def test_undelivered_events_fail_the_run() -> None:
    events = [_event(n) for n in range(5)]
    log: list[tuple[str, str]] = []
    with pytest.raises(PublishError, match="1 events were not delivered"):
        send_all(events, FakeProducer(log, fail_on=events[2].value), FakeStore(log), False)


def test_an_s3_failure_stops_before_the_event() -> None:
    class Broken(FakeStore):
        def put_object(self, *args: Any, **kwargs: Any) -> None:
            raise OSError("S3 down")

    log: list[tuple[str, str]] = []
    producer = FakeProducer(log)
    with pytest.raises(OSError, match="S3 down"):
        send_all([_event(0), _event(1, files=1)], producer, Broken(log), progress=False)
    assert [json.loads(text)["n"] for op, text in log if op == "send"] == [0]


def test_the_too_large_event_fits_a_request(stress: Scenario) -> None:
    sizes = [
        len(e.value)
        for e, k in zip(stress.events, stress.kinds, strict=True)
        if k == "invalid:too_large"
    ]
    assert sizes
    assert all(256 * 1024 < s < MAX_REQUEST_SIZE - 4096 for s in sizes)


def _raw_ids(scenario: Scenario) -> set[str]:
    ids = set()
    for event, kind in zip(scenario.events, scenario.kinds, strict=True):
        if kind == "dossier.received":
            applicant = json.loads(event.value)["data"]["applicant"]
            if "id" in applicant:
                ids.add(applicant["id"])
    return ids


def test_outputs_carry_the_truth_and_no_raw_applicant_id(stress: Scenario, tmp_path: Path) -> None:
    truth_path, summary_path = write_outputs(stress, tmp_path / "out")
    truth_text = truth_path.read_text(encoding="utf-8")
    summary_text = summary_path.read_text(encoding="utf-8")
    ids = _raw_ids(stress)
    assert len(ids) > 100
    for raw in ids:
        assert raw not in truth_text
        assert raw not in summary_text

    truth = json.loads(truth_text)
    assert (truth["root"], truth["seed"]) == ("H44", 5)
    assert truth["period"] == {"from": "2026-01-01", "to": "2026-03-31"}
    assert truth["rates"]["correction"] == 0.15
    assert truth["expected_rejections"] == dict(stress.expected_rejections)
    assert set(truth["units"]) == {u.code for u in stress.catalogue.units}
    root = truth["units"]["H44"]
    assert list(root) == ["unit", "from", "to", "total_score", "max_score", "ratio", "metrics"]
    assert [m["code"] for m in root["metrics"]] == [code for code, _, _ in METRICS]
    assert root == json.loads(json.dumps(stress.truth()["H44"]["indicators"]))
    assert truth["missed_reuse"]["H44"] == stress.truth()["H44"]["missed_reuse"]
    assert len(truth["children"]["H44"]) == len(stress.catalogue.units) - 1

    summary = json.loads(summary_text)
    assert summary["events"] == len(stress.events)
    assert sum(summary["events_by_kind"].values()) == len(stress.events)
    assert summary["files"] == sum(len(e.files) for e in stress.events)
    assert summary["file_bytes"] == sum(len(f[1]) for e in stress.events for f in e.files)
    assert summary["invalid"] == sum(stress.expected_rejections[c] for c in INVALID_CODES)
