"""Sends a scenario: files into the S3 inbox first, then each event, with a progress bar."""

from __future__ import annotations

import io
import json
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from minio import Minio
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..stack.kafka_client import KafkaProducer
from .generate import Scenario


@dataclass(frozen=True)
class PublishStats:
    """What was sent."""

    messages: int
    files: int
    file_bytes: int


def publish(
    scenario: Scenario,
    bootstrap: str,
    s3_endpoint: str,
    access_key: str,
    secret_key: str,
    progress: bool = True,
) -> PublishStats:
    """Put every file into `inbox`, then send its event; wait for every acknowledgement."""
    url = urlparse(s3_endpoint)
    s3 = Minio(url.netloc, access_key=access_key, secret_key=secret_key,
               secure=url.scheme == "https")
    producer = KafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        linger_ms=5,
        max_request_size=2 << 20,  # the too_large test event (> 256 KiB) must reach the broker
        enable_idempotence=False,  # the local broker has no InitProducerId
    )
    files = file_bytes = 0
    bar = Progress(
        TextColumn("publishing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        disable=not progress, transient=True,
    )
    try:
        with bar:
            task = bar.add_task("publishing", total=len(scenario.events))
            for message in scenario.events:
                for key, data, content_type in message.files:
                    s3.put_object("inbox", key, io.BytesIO(data), len(data),
                                  content_type=content_type)
                    files += 1
                    file_bytes += len(data)
                producer.send(message.topic, key=message.key, value=message.value)
                bar.advance(task)
            producer.flush(timeout=120)
    finally:
        producer.close()
    return PublishStats(len(scenario.events), files, file_bytes)


def _summary(scenario: Scenario) -> dict[str, Any]:
    return {
        "root": scenario.root,
        "seed": scenario.seed,
        "messages": len(scenario.events),
        "by_kind": dict(Counter(scenario.kinds)),
        "files": sum(len(m.files) for m in scenario.events),
        "file_bytes": sum(len(d) for m in scenario.events for _k, d, _t in m.files),
    }


def write_outputs(scenario: Scenario, out_dir: Path) -> None:
    """`truth.json` (indicators per unit, as the API shows them) and `summary.json`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    full = scenario.truth()
    truth = {
        "root": scenario.root,
        "seed": scenario.seed,
        "period": {"from": scenario.period[0].isoformat(), "to": scenario.period[1].isoformat()},
        "rates": asdict(scenario.rates),
        "expected_rejections": dict(scenario.expected_rejections),
        "units": {code: entry["indicators"] for code, entry in full.items()},
        "missed_reuse": {code: entry.get("missed_reuse", 0) for code, entry in full.items()},
    }
    (out_dir / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1))
    (out_dir / "summary.json").write_text(json.dumps(_summary(scenario), indent=1))
