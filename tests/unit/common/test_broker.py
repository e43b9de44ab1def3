"""Every service consumes in batches with the same subscriber settings (`batch_subscriber`)."""

from __future__ import annotations

from pathlib import Path

from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.subscriber.usecase import BatchSubscriber
from prometheus_client import CollectorRegistry
from pydantic import SecretStr

from services.common.broker import batch_subscriber, make_broker
from services.digitizer.app import main as digitizer
from services.digitizer.settings import DigitizerSettings
from services.ingest.app import main as ingest
from services.ingest.settings import IngestSettings
from services.reuse.app import main as reuse
from services.reuse.settings import ReuseSettings


def _check(subscriber: object, group_id: str, max_records: int) -> None:
    assert isinstance(subscriber, BatchSubscriber)
    assert subscriber.group_id == group_id
    assert subscriber.max_records == max_records
    # A failed batch is left unacknowledged, to be delivered again.
    assert subscriber.ack_policy is AckPolicy.NACK_ON_ERROR
    # A new consumer group skips nothing published before it first started.
    assert subscriber._connection_args["auto_offset_reset"] == "earliest"


def test_batch_subscriber() -> None:
    broker = make_broker("127.0.0.1:9", "test", CollectorRegistry())
    subscriber = batch_subscriber(
        broker, "a", "b", group_id="g", max_records=7, title="t", description="d"
    )
    _check(subscriber, "g", 7)
    assert list(subscriber.topic_names) == ["a", "b"]


def test_every_service_subscriber(tmp_path: Path) -> None:
    ingest_settings = IngestSettings(var_dir=tmp_path, hash_key=SecretStr("00" * 32))
    digitizer_settings = DigitizerSettings(var_dir=tmp_path)
    reuse_settings = ReuseSettings(var_dir=tmp_path)
    brokers: list[tuple[KafkaBroker, int]] = [
        (ingest(ingest_settings).state.broker, ingest_settings.ingest_batch),
        (digitizer(digitizer_settings).state.broker, digitizer_settings.digitizer_batch),
        (reuse(reuse_settings).state.broker, reuse_settings.reuse_batch),
    ]
    groups = []
    for broker, size in brokers:
        for subscriber in broker.subscribers:
            assert isinstance(subscriber, BatchSubscriber)
            expected = (
                reuse_settings.archive_batch if "archive" in str(subscriber.group_id) else size
            )
            _check(subscriber, str(subscriber.group_id), expected)
            groups.append(subscriber.group_id)
    assert len(groups) == len(set(groups)) == 5
