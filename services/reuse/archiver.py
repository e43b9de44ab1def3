"""The event archive: every fact the projection consumes is also written to S3, so the figures
can be rebuilt after the broker's retention has dropped the topics.

What is archived are the normalized facts of `tracker.facts` and `tracker.digitized` (applicant
IDs already replaced by their keyed hash; the `raw` copy of an input event is dropped), never
the publishers' raw events. The archiver is its own consumer group, so it neither slows nor
depends on the projection. Each consumed batch becomes one gzip'd JSON-lines object per root:

    events/<ROOT>/<YYYY>/<MM>/<DD>/<HHMMSSffffff>-<topic>-p<partition>-o<offset>-<id>.jsonl.gz

where the date and time are when the batch was archived (Asia/Ho_Chi_Minh), and partition and
offset are those of the batch's first record of that root. Each line is
`{"topic", "partition", "offset", "fact"}`. Offsets are committed only after the objects are
stored, so a crash gives a redelivery and the same facts archived twice: harmless, because the
projection claims every fact by event_id and applies it once (see `Projection.apply`).
"""

from __future__ import annotations

import asyncio
import functools
import gzip
import io
import uuid
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec
import urllib3.exceptions
from faststream.kafka import KafkaBroker
from faststream.message import StreamMessage
from minio import Minio
from prometheus_client import CollectorRegistry, Counter

from schemas.internal import Fact, decode
from services.common.broker import batch_subscriber
from services.common.retry import TRANSIENT, retry_with_backoff
from services.common.s3 import S3_TRANSIENT, s3_client
from services.common.timeutil import LOCAL_TZ

from .settings import ReuseSettings

PREFIX = "events"
SUFFIX = ".jsonl.gz"
COMPRESSION_LEVEL = 6
_encode_line = msgspec.json.Encoder().encode
_decode_line = msgspec.json.Decoder().decode
Hook = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class ArchivedFact:
    """A fact and where it was read on the internal topic."""

    topic: str
    partition: int
    offset: int
    fact: Fact


def without_raw(fact: Fact) -> Fact:
    """The fact minus `raw` (the publisher's unchanged event, which the projection never
    reads and which must not outlive the broker's retention)."""
    kept: Fact = {k: v for k, v in fact.items() if k != "raw"}  # type: ignore[assignment]
    return kept


def root_prefix(root: str) -> str:
    """Where a root's archive starts: `events/<ROOT>/`."""
    return f"{PREFIX}/{root}/"


def object_key(root: str, first: ArchivedFact, moment: datetime) -> str:
    """The key of one archived batch of a root (see the module docstring)."""
    local = moment.astimezone(LOCAL_TZ)
    return (
        f"{root_prefix(root)}{local:%Y/%m/%d}/{local:%H%M%S%f}-{first.topic}"
        f"-p{first.partition}-o{first.offset}-{uuid.uuid4().hex[:8]}{SUFFIX}"
    )


def encode_object(records: Iterable[ArchivedFact]) -> bytes:
    """gzip'd JSON lines (mtime 0, so equal content gives equal bytes)."""
    lines = b"".join(
        _encode_line(
            {"topic": r.topic, "partition": r.partition, "offset": r.offset, "fact": r.fact}
        )
        + b"\n"
        for r in records
    )
    # Level 6 (zlib's default) compresses JSON lines within a few percent of level 9 at about
    # half the CPU; every fact of every root passes here.
    return gzip.compress(lines, compresslevel=COMPRESSION_LEVEL, mtime=0)


def archived_of_batch(msg: StreamMessage[Any]) -> list[ArchivedFact]:
    """The consumed batch as archive records (a FastStream `decoder`: each record decoded
    once, without FastStream's per-record message objects)."""
    return [
        ArchivedFact(r.topic, r.partition, r.offset, without_raw(decode(r.value)))
        for r in msg.raw_message
    ]


def decode_object(data: bytes) -> Iterator[ArchivedFact]:
    """The records of one archived object, in the order they were consumed."""
    # Split on newlines only: JSON escapes them inside strings, while str.splitlines would
    # also split on characters such as U+2028 that JSON leaves as they are.
    for line in gzip.decompress(data).split(b"\n"):
        if line:
            item: dict[str, Any] = _decode_line(line)
            yield ArchivedFact(item["topic"], item["partition"], item["offset"], item["fact"])


def group_by_root(
    records: Sequence[ArchivedFact], moment: datetime
) -> dict[str, tuple[str, list[ArchivedFact]]]:
    """root -> (object key, its records in consumed order)."""
    groups: dict[str, list[ArchivedFact]] = {}
    for record in records:
        groups.setdefault(record.fact["root"], []).append(record)
    return {root: (object_key(root, recs[0], moment), recs) for root, recs in groups.items()}


class EventArchive:
    """The archive bucket (blocking minio calls: run them in a thread)."""

    def __init__(self, client: Minio, bucket: str) -> None:
        self.client = client
        self.bucket = bucket

    @classmethod
    def from_settings(cls, settings: ReuseSettings) -> EventArchive:
        """The archive on the configured S3 endpoint and bucket (the common S3 timeouts: a
        store that does not answer fails the attempt quickly and the backoff retries it)."""
        client = s3_client(
            settings.s3_endpoint,
            settings.s3_access_key,
            settings.s3_secret_key.get_secret_value(),
            region=settings.s3_region,
        )
        return cls(client, settings.event_archive_bucket)

    def exists(self) -> bool:
        """Whether the bucket is there (it is created with the others, not by the service)."""
        return bool(self.client.bucket_exists(self.bucket))

    def put(self, key: str, data: bytes) -> None:
        """Store one object."""
        self.client.put_object(
            self.bucket, key, io.BytesIO(data), len(data), content_type="application/gzip"
        )

    def keys(self, root: str) -> list[str]:
        """Every archived object of a root, oldest first (keys sort by archive time)."""
        return sorted(
            obj.object_name
            for obj in self.client.list_objects(
                self.bucket, prefix=root_prefix(root), recursive=True
            )
            if obj.object_name is not None and obj.object_name.endswith(SUFFIX)
        )

    def read(self, key: str) -> list[ArchivedFact]:
        """The records of one object."""
        response = self.client.get_object(self.bucket, key)
        try:
            return list(decode_object(response.read()))
        finally:
            response.close()
            response.release_conn()


class ArchiveMetrics:
    """What the archiver wrote. Labels are bounded: root only."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.facts = Counter(
            "tracker_reuse_archived_facts_total",
            "Facts written to the event archive (a redelivered fact counts again).",
            ["root"],
            registry=registry,
        )
        self.objects = Counter(
            "tracker_reuse_archive_objects_total",
            "Objects written to the event archive.",
            ["root"],
            registry=registry,
        )
        self.errors = Counter(
            "tracker_reuse_archive_errors_total",
            "Failed attempts to write the event archive (retried with backoff).",
            registry=registry,
        )


class Archiver:
    """Writes each consumed batch to the archive before its offsets are committed."""

    def __init__(self, archive: EventArchive, metrics: ArchiveMetrics) -> None:
        self.archive = archive
        self.metrics = metrics

    async def store(self, records: Sequence[ArchivedFact], moment: datetime) -> int:
        """Archive one batch (one object per root); returns how many facts were written."""
        for root, (key, recs) in group_by_root(records, moment).items():
            # Encoding and compressing thousands of facts takes tens of milliseconds: done in
            # the thread with the upload, so the projection's batches do not wait for it.
            await self._put(key, functools.partial(encode_object, recs))
            self.metrics.facts.labels(root).inc(len(recs))
            self.metrics.objects.labels(root).inc()
        return len(records)

    async def _put(self, key: str, encode: Callable[[], bytes]) -> None:
        await retry_with_backoff(
            lambda: asyncio.to_thread(lambda: self.archive.put(key, encode())),
            what="archive batch",
            transient=S3_TRANSIENT,
            on_error=lambda _e: self.metrics.errors.inc(),
        )

    async def check_bucket(self) -> None:
        """Refuse to start when the archive bucket is missing (nothing would be archived)."""
        exists = await retry_with_backoff(
            lambda: asyncio.to_thread(self.archive.exists),
            what="archive bucket check",
            transient=(*TRANSIENT, urllib3.exceptions.HTTPError),
        )
        if not exists:
            raise RuntimeError(
                f"the event archive bucket {self.archive.bucket!r} does not exist: create it "
                "(infra/compose creates it; locally the stack does) or set "
                "TRACKER_EVENT_ARCHIVE_BUCKET"
            )


def attach_archiver(
    broker: KafkaBroker, settings: ReuseSettings, registry: CollectorRegistry
) -> list[Hook]:
    """Subscribe the archiver (own consumer group) to both topics the projection reads;
    returns its start-up hooks. Does nothing when TRACKER_EVENT_ARCHIVE=false."""
    if not settings.event_archive:
        return []
    archiver = Archiver(EventArchive.from_settings(settings), ArchiveMetrics(registry))

    @batch_subscriber(
        broker,
        settings.facts_topic,
        settings.digitized_topic,
        group_id=settings.archive_group,
        max_records=settings.archive_batch,
        decoder=archived_of_batch,
        title="archive",
        description="Every fact the projection reads, to S3 per root and day.",
    )
    async def on_batch(records: list[Any]) -> None:
        await archiver.store(records, datetime.now(LOCAL_TZ))

    return [archiver.check_bucket]
