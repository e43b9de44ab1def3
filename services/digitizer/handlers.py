"""The digitizer step: claim check, verify and normalize, store once, announce the outcome.

For each file event: fetch the named inbox object, check size and SHA-256, run the file
pipeline in a worker process (bounded in time), store the original and its derivatives
content-addressed, record the submission, and hand the fact on with its outcome. A refused
file also goes back to the publisher's rejected topic, unchanged, with the reason.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import Executor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from schemas.internal import Fact, FileOutcome, encode
from schemas.rejection import rejection_headers
from schemas.topics import rejected_topic
from services.common.broker import Outgoing
from services.common.db import insert_ignore

from . import tables
from .archive import ObjectMissing, ObjectStore, archive_key
from .metrics import DigitizerMetrics
from .pipeline import Limits, Processed, Rejected, process_file

log = logging.getLogger(__name__)
Publish = Callable[[list[Outgoing]], Awaitable[int]]


@dataclass(frozen=True)
class Verdict:
    """A fact with the outcome of its file, ready to record and announce."""

    fact: Fact
    outcome: FileOutcome
    processed: Processed | None = None
    original: bytes | None = None


def _rejected(fact: Fact, code: str, detail: str) -> FileOutcome:
    # A refused file still leaves an e-result when the result also has a file_url.
    return {
        "status": "rejected",
        "code": code,
        "detail": detail,
        "e_result": is_e_result(fact, False),
    }


def is_e_result(fact: Fact, stored: bool) -> bool:
    """A `result.issued` with `electronic: true` whose file was stored or that has a file_url.

    A declared electronic result whose only file was refused is not an e-result: the
    reuse service counts what the digitizer flagged, nothing else.
    """
    data = fact["data"]
    return (
        fact["event_type"] == "result.issued"
        and bool(data.get("electronic"))
        and (stored or bool(data.get("file_url")))
    )


class DigitizerProcessor:
    """Processes batches of file facts; raises on S3, database or broker failure."""

    def __init__(
        self,
        engine: AsyncEngine,
        store: ObjectStore,
        publish: Publish,
        metrics: DigitizerMetrics,
        *,
        pool_factory: Callable[[], Executor],
        digitized_topic: str,
        limits: Limits,
        max_seconds: float,
        concurrency: int = 1,
    ) -> None:
        self.engine = engine
        self.store = store
        self.publish = publish
        self.metrics = metrics
        self.pool_factory = pool_factory
        self.pool = pool_factory()
        self.digitized_topic = digitized_topic
        self.limits = limits
        self.max_seconds = max_seconds
        # Files examined at once: one per worker, so a file's time bound is spent working,
        # not queueing, and at most this many files are held in memory.
        self.slots = asyncio.Semaphore(max(1, concurrency))

    def close(self) -> None:
        """Stop the worker processes (the file each one is on is finished first)."""
        self.pool.shutdown(wait=True, cancel_futures=True)

    def _replace_pool(self, broken: Executor) -> None:
        """Kill `broken`'s workers and start a fresh pool, unless that was done already."""
        if self.pool is not broken:
            return
        # Taken before shutdown(), which drops the executor's table of processes (Python 3.11
        # has no public way to kill a pool's workers).
        processes = list((getattr(broken, "_processes", None) or {}).values())
        broken.shutdown(wait=False, cancel_futures=True)
        for proc in processes:
            proc.kill()
        self.pool = self.pool_factory()

    async def _run_pipeline(
        self, data: bytes, content_type: str, sha256: str
    ) -> Processed | Rejected:
        loop = asyncio.get_running_loop()
        own_failures = 0
        while True:
            pool = self.pool
            try:
                future = loop.run_in_executor(
                    pool, process_file, data, content_type, sha256, self.limits
                )
                return await asyncio.wait_for(future, self.max_seconds)
            except TimeoutError:
                # A worker stuck on a hostile file is not reusable: replace the whole pool.
                self._replace_pool(pool)
                return Rejected("corrupt_file", f"processing took longer than {self.max_seconds} s")
            except BrokenProcessPool:
                if self.pool is not pool:
                    continue  # another file's time-out replaced the pool: try again on the new one
                # A worker died under this file (killed, out of memory, crashed in a decoder).
                self._replace_pool(pool)
                own_failures += 1
                if own_failures >= 2:
                    return Rejected("corrupt_file", "a worker process died reading the file")

    async def examine(self, fact: Fact) -> Verdict:
        """Decide the outcome of one file fact (no writes)."""
        data = fact["data"]
        obj = data.get("object")
        if fact["event_type"] == "result.issued" and obj is None:
            return Verdict(fact, {"status": "none", "e_result": is_e_result(fact, False)})
        assert isinstance(obj, dict)
        key = str(obj["key"])
        if not key.startswith(fact["root"] + "/") or ".." in key.split("/"):
            return Verdict(
                fact, _rejected(fact, "invalid_object_key", f"key must be under {fact['root']}/")
            )
        limit = self.limits.max_bytes
        if int(obj["size"]) > limit:
            return Verdict(
                fact, _rejected(fact, "image_too_large", f"file is over the {limit}-byte limit")
            )
        try:
            blob = await asyncio.to_thread(self.store.fetch, key, limit)
        except ObjectMissing:
            return Verdict(
                fact, _rejected(fact, "object_missing", "no object under the key in inbox")
            )
        if len(blob) > limit:
            return Verdict(
                fact, _rejected(fact, "image_too_large", f"object is over the {limit}-byte limit")
            )
        if len(blob) != int(obj["size"]):
            return Verdict(
                fact,
                _rejected(
                    fact,
                    "checksum_mismatch",
                    f"object has {len(blob)} bytes, event says {obj['size']}",
                ),
            )
        with self.metrics.file_seconds.time():
            result = await self._run_pipeline(blob, str(obj["content_type"]), str(obj["sha256"]))
        if isinstance(result, Rejected):
            return Verdict(fact, _rejected(fact, result.code, result.detail))
        dpis = [p.dpi for p in result.pages if p.dpi is not None]
        outcome: FileOutcome = {
            "status": "stored",
            "sha256": result.sha256,
            "size": result.size,
            "pages": len(result.pages),
            "min_dpi": min(dpis) if dpis else None,
            "below_standard": any(p.below_standard for p in result.pages),
            # Announced as `phash`, the name the reuse service reads on tracker.digitized.
            "phash": None if result.dhash is None else f"{result.dhash:016x}",
            "archive_key": archive_key(result.sha256),
            "kind": result.kind,
            "pdf_signed": result.pdf_signed,
            "e_result": is_e_result(fact, True),
        }
        return Verdict(fact, outcome, result, blob)

    async def _examine_bounded(self, fact: Fact) -> Verdict:
        async with self.slots:
            return await self.examine(fact)

    async def examine_all(self, facts: Sequence[Fact]) -> list[Verdict]:
        """Examine files side by side (bounded); the first failure cancels the others."""
        tasks = [asyncio.ensure_future(self._examine_bounded(f)) for f in facts]
        try:
            return list(await asyncio.gather(*tasks))
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise

    async def _store(self, verdict: Verdict, content_type: str) -> None:
        processed, original = verdict.processed, verdict.original
        assert processed is not None
        assert original is not None
        sha = processed.sha256
        if await asyncio.to_thread(self.store.exists, archive_key(sha)):
            return  # the same bytes, from any dossier or root, are stored once
        if processed.archival_pdf is not None:
            await asyncio.to_thread(
                self.store.put, archive_key(sha, ".pdf"), processed.archival_pdf, "application/pdf"
            )
        if processed.thumbnail_webp is not None:
            await asyncio.to_thread(
                self.store.put, archive_key(sha, ".webp"), processed.thumbnail_webp, "image/webp"
            )
        # The original last: its presence means the whole set is stored.
        await asyncio.to_thread(self.store.put, archive_key(sha), original, content_type)
        self.metrics.bytes_stored.labels(verdict.fact["root"]).inc(len(original))

    async def process(self, facts: Sequence[Fact]) -> None:
        """Make one batch of file facts durable and announced.

        Steps: drop the facts already recorded (and repeats within the batch); examine the
        rest; store the files that passed; record the documents and submissions and publish
        the announcements and rejections, in one transaction; count.
        """
        todo = await self._unrecorded(facts)
        verdicts = await self.examine_all(todo)
        await self._store_all(verdicts)
        documents = [_document_row(v) for v in verdicts if v.processed is not None]
        submissions = [_submission_row(v) for v in verdicts]
        outgoing = [message for v in verdicts for message in self._messages(v)]
        await self._record_and_publish(documents, submissions, outgoing)
        self._count(verdicts)

    async def _unrecorded(self, facts: Sequence[Fact]) -> list[Fact]:
        """The facts whose submission is not recorded yet, each event once, in batch order."""
        ids = [f["event_id"] for f in facts]
        s = tables.submissions
        async with self.engine.connect() as conn:
            stmt = select(s.c.event_id).where(s.c.event_id.in_(ids))
            seen = set((await conn.execute(stmt)).scalars().all())
        todo: list[Fact] = []
        for f in facts:
            if f["event_id"] not in seen:
                seen.add(f["event_id"])
                todo.append(f)
        return todo

    async def _store_all(self, verdicts: Sequence[Verdict]) -> None:
        """Archive every file that passed, one after the other."""
        for v in verdicts:
            if v.processed is not None:
                obj = v.fact["data"]["object"]
                await self._store(v, str(obj["content_type"]))

    def _messages(self, verdict: Verdict) -> list[Outgoing]:
        """The fact announced with its outcome, and for a refused file its rejection."""
        fact, outcome = verdict.fact, verdict.outcome
        announced: Fact = {k: val for k, val in fact.items() if k != "raw"}  # type: ignore[assignment]
        announced["file"] = outcome
        key = str(fact["dossier_code"]).encode("utf-8")
        # Keyed by root like tracker.facts: one reuse instance applies a root's files.
        root = fact["root"].encode("utf-8")
        messages = [Outgoing(self.digitized_topic, root, encode(announced))]
        if outcome["status"] == "rejected":
            src = fact["source"]
            headers = rejection_headers(
                outcome.get("code", ""),
                outcome.get("detail", ""),
                src["topic"],
                src["partition"],
                src["offset"],
            )
            raw = base64.b64decode(fact.get("raw", ""))
            messages.append(Outgoing(rejected_topic(src["topic"]), key, raw, headers))
        return messages

    async def _record_and_publish(
        self,
        documents: list[dict[str, Any]],
        submissions: list[dict[str, Any]],
        outgoing: list[Outgoing],
    ) -> None:
        """Record the rows and publish the messages; the rows commit only once all are sent."""
        async with self.engine.begin() as conn:
            if documents:
                await conn.execute(insert_ignore(self.engine, tables.documents), documents)
            if submissions:
                await conn.execute(insert_ignore(self.engine, tables.submissions), submissions)
            await self.publish(outgoing)

    def _count(self, verdicts: Sequence[Verdict]) -> None:
        """Add a recorded batch to the metrics."""
        for v in verdicts:
            root = v.fact["root"]
            if v.outcome["status"] == "stored" and v.processed is not None:
                self.metrics.files.labels(root, v.processed.kind).inc()
                self.metrics.pages.labels(root).inc(len(v.processed.pages))
                if v.outcome.get("below_standard"):
                    self.metrics.below_standard.labels(root).inc()
            elif v.outcome["status"] == "rejected":
                self.metrics.rejected.labels(root, v.outcome.get("code", "")).inc()


def _submission_row(verdict: Verdict) -> dict[str, Any]:
    """The submission of one file event, stored or not."""
    fact, outcome = verdict.fact, verdict.outcome
    return {
        "event_id": fact["event_id"],
        "root": fact["root"],
        "event_type": fact["event_type"],
        "dossier_code": fact["dossier_code"],
        "component_code": fact["data"].get("component_code"),
        "result_code": fact["data"].get("result_code"),
        "sha256": outcome.get("sha256"),
        "status": outcome["status"],
        "rejection_code": outcome.get("code"),
    }


def _document_row(verdict: Verdict) -> dict[str, Any]:
    """The stored document of a file that passed (written once per content)."""
    processed, outcome = verdict.processed, verdict.outcome
    assert processed is not None
    return {
        "sha256": processed.sha256,
        "kind": processed.kind,
        "size": processed.size,
        "pages": len(processed.pages),
        "min_dpi": outcome.get("min_dpi"),
        "below_standard": bool(outcome.get("below_standard")),
        "dhash": outcome.get("phash"),
        "pdf_signed": processed.pdf_signed,
        "page_dpi": json.dumps([p.dpi for p in processed.pages]),
        "archival_size": _size(processed.archival_pdf),
        "thumbnail_size": _size(processed.thumbnail_webp),
        "archive_key": archive_key(processed.sha256),
        "first_root": verdict.fact["root"],
    }


def _size(data: bytes | None) -> int | None:
    return None if data is None else len(data)
