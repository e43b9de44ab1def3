"""Send a scenario to Kafka and the S3 inbox; write its truth.json and summary.json."""

from __future__ import annotations

import io
import json
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from reuse_tracker.simulator.generate import Outgoing, Scenario

__all__ = [
    "INBOX_BUCKET",
    "MAX_REQUEST_SIZE",
    "PublishError",
    "PublishStats",
    "publish",
    "send_all",
    "summary",
    "truth_document",
    "write_outputs",
]

INBOX_BUCKET = "inbox"
MAX_REQUEST_SIZE = 2 * 1024 * 1024
"""Large enough for the too_large (> 256 KiB) test event to reach the broker and be refused."""


@dataclass(frozen=True)
class PublishStats:
    """What was sent: messages (events, duplicates and invalid ones included) and files."""

    messages: int
    files: int
    file_bytes: int
    message_bytes: int
    seconds: float


class PublishError(RuntimeError):
    """Some events could not be delivered to the broker."""


class Producer(Protocol):
    """The part of ``kafka.KafkaProducer`` used here."""

    def send(self, topic: str, value: bytes, key: bytes) -> Any:
        """Queue one record; returns a future with ``add_errback``."""

    def flush(self, timeout: float | None = None) -> None:
        """Wait until every queued record is acknowledged."""


class ObjectStore(Protocol):
    """The part of ``minio.Minio`` used here."""

    def put_object(
        self,
        bucket_name: str,
        object_name: str,
        data: BinaryIO,
        length: int,
        content_type: str = ...,
    ) -> Any:
        """Store one object."""


def _progress(enabled: bool) -> Progress:
    console = Console(stderr=True)
    return Progress(
        TextColumn("[bold]publishing[/bold]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=not console.is_terminal,
        disable=not enabled,
    )


def send_all(
    events: Sequence[Outgoing],
    producer: Producer,
    store: ObjectStore,
    progress: bool = True,
    uploaders: int = 4,
    ahead: int = 16,
) -> PublishStats:
    """Put each event's files into the inbox, then send the event; flush at the end.

    Uploads run in ``uploaders`` threads up to ``ahead`` files in advance, but an event is
    sent only once its own files are stored.
    """
    began = time.perf_counter()
    failures: list[BaseException] = []
    pending: dict[int, list[Future[Any]]] = {}
    in_flight = 0
    next_upload = 0
    files = message_bytes = file_bytes = 0

    def put(key: str, data: bytes, content_type: str) -> Any:
        return store.put_object(INBOX_BUCKET, key, io.BytesIO(data), len(data), content_type)

    with ThreadPoolExecutor(max_workers=max(1, uploaders)) as pool, _progress(progress) as bar:
        task = bar.add_task("publishing", total=len(events))
        for i, event in enumerate(events):
            while next_upload < len(events) and (next_upload <= i or in_flight < ahead):
                futures = [pool.submit(put, *f) for f in events[next_upload].files]
                if futures:
                    pending[next_upload] = futures
                    in_flight += len(futures)
                next_upload += 1
            for future in pending.pop(i, []):
                future.result()  # an S3 failure stops the run before its event is sent
                in_flight -= 1
            record = producer.send(event.topic, value=event.value, key=event.key)
            add_errback: Callable[..., Any] | None = getattr(record, "add_errback", None)
            if add_errback is not None:
                add_errback(failures.append)
            files += len(event.files)
            file_bytes += sum(len(f[1]) for f in event.files)
            message_bytes += len(event.value)
            bar.advance(task)
        producer.flush()
    if failures:
        raise PublishError(f"{len(failures)} events were not delivered; first: {failures[0]!r}")
    seconds = time.perf_counter() - began
    return PublishStats(len(events), files, file_bytes, message_bytes, seconds)


def publish(
    scenario: Scenario,
    bootstrap: str,
    s3_endpoint: str,
    access_key: str,
    secret_key: str,
    progress: bool = True,
) -> PublishStats:
    """Publish a scenario: files into bucket ``inbox`` first, then the events, in order."""
    from reuse_tracker.stack.kafka_client import KafkaProducer
    from services.common.s3 import s3_client

    store = s3_client(s3_endpoint, access_key, secret_key)
    producer = KafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        linger_ms=5,
        compression_type=None,
        max_request_size=MAX_REQUEST_SIZE,
        # Tansu has no InitProducerId; duplicates are the consumer's business anyway.
        enable_idempotence=False,
    )
    try:
        return send_all(scenario.events, producer, store, progress)
    finally:
        producer.close()


def truth_document(scenario: Scenario) -> dict[str, Any]:
    """The content of truth.json.

    ``units``: for every unit, the exact indicator object the API must answer for it over the
    period (without ``units``); ``missed_reuse`` and ``dossiers_in_period`` by unit;
    ``children`` of each unit; and how the scenario was made.
    """
    start, end = scenario.period
    full = scenario.truth()
    return {
        "root": scenario.root,
        "seed": scenario.seed,
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "rates": scenario.rates.as_dict(),
        "expected_rejections": dict(sorted(scenario.expected_rejections.items())),
        "dossiers_generated": len(scenario.dossiers),
        "units": {code: entry["indicators"] for code, entry in full.items()},
        "missed_reuse": {code: entry["missed_reuse"] for code, entry in full.items()},
        "dossiers_in_period": {code: entry["dossiers"] for code, entry in full.items()},
        "children": {code: entry["children"] for code, entry in full.items()},
    }


def summary(scenario: Scenario) -> dict[str, Any]:
    """The content of summary.json: counts of events by kind, files and bytes."""
    by_kind = Counter(scenario.kinds)
    content_types = Counter(f[2] for e in scenario.events for f in e.files)
    return {
        "root": scenario.root,
        "topic": scenario.topic,
        "events": len(scenario.events),
        "events_by_kind": dict(sorted(by_kind.items())),
        "duplicates": sum(n for k, n in by_kind.items() if k.startswith("duplicate:")),
        "invalid": sum(n for k, n in by_kind.items() if k.startswith("invalid:")),
        "event_bytes": sum(len(e.value) for e in scenario.events),
        "files": sum(content_types.values()),
        "files_by_content_type": dict(sorted(content_types.items())),
        "file_bytes": sum(len(f[1]) for e in scenario.events for f in e.files),
        "expected_rejections": dict(sorted(scenario.expected_rejections.items())),
        "timings_seconds": {k: round(v, 3) for k, v in scenario.timings.items()},
    }


def write_outputs(scenario: Scenario, out_dir: Path) -> tuple[Path, Path]:
    """Write ``truth.json`` and ``summary.json`` into ``out_dir`` (no raw applicant ID)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    truth_path = out_dir / "truth.json"
    summary_path = out_dir / "summary.json"
    for path, content in (
        (truth_path, truth_document(scenario)),
        (summary_path, summary(scenario)),
    ):
        path.write_text(json.dumps(content, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return truth_path, summary_path
