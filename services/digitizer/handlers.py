"""The digitizer step: claim check, verify and normalize, store once, announce the outcome.

For each file event: fetch the named inbox object, check size and SHA-256, run the file
pipeline in a worker process (bounded in time), store the original and its derivatives
content-addressed, record the submission, and hand the fact on with its outcome. A refused
file also goes back to the publisher's rejected topic, unchanged, with the reason.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from schemas.internal import Fact, FileOutcome, encode
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


def _rejected(code: str, detail: str) -> FileOutcome:
    return {"status": "rejected", "code": code, "detail": detail}


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

    def close(self) -> None:
        """Stop the worker processes."""
        self.pool.shutdown(wait=True, cancel_futures=True)

    async def _run_pipeline(
        self, data: bytes, content_type: str, sha256: str
    ) -> Processed | Rejected:
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(
            self.pool, process_file, data, content_type, sha256, self.limits
        )
        try:
            return await asyncio.wait_for(future, self.max_seconds)
        except TimeoutError:
            # A worker stuck on a hostile file is not reusable: replace the whole pool.
            self.pool.shutdown(wait=False, cancel_futures=True)
            for proc in getattr(self.pool, "_processes", {}).values():
                proc.kill()
            self.pool = self.pool_factory()
            return Rejected("corrupt_file", f"processing took longer than {self.max_seconds} s")

    async def examine(self, fact: Fact) -> Verdict:
        """Decide the outcome of one file fact (no writes)."""
        data = fact["data"]
        obj = data.get("object")
        if fact["event_type"] == "result.issued" and obj is None:
            e_result = bool(data.get("electronic")) and bool(data.get("file_url"))
            return Verdict(fact, {"status": "none", "e_result": e_result})
        assert isinstance(obj, dict)
        key = str(obj["key"])
        if not key.startswith(fact["root"] + "/") or ".." in key.split("/"):
            return Verdict(
                fact, _rejected("invalid_object_key", f"key must be under {fact['root']}/")
            )
        try:
            blob = await asyncio.to_thread(self.store.fetch, key, self.limits.max_bytes)
        except ObjectMissing:
            return Verdict(fact, _rejected("object_missing", "no object under the key in inbox"))
        if len(blob) != int(obj["size"]):
            return Verdict(
                fact,
                _rejected(
                    "checksum_mismatch", f"object has {len(blob)} bytes, event says {obj['size']}"
                ),
            )
        with self.metrics.file_seconds.time():
            result = await self._run_pipeline(blob, str(obj["content_type"]), str(obj["sha256"]))
        if isinstance(result, Rejected):
            return Verdict(fact, _rejected(result.code, result.detail))
        dpis = [p.dpi for p in result.pages if p.dpi is not None]
        outcome: FileOutcome = {
            "status": "stored",
            "sha256": result.sha256,
            "size": result.size,
            "pages": len(result.pages),
            "min_dpi": min(dpis) if dpis else None,
            "below_standard": any(p.below_standard for p in result.pages),
            "phash": None if result.phash is None else f"{result.phash:016x}",
            "archive_key": archive_key(result.sha256),
            "kind": result.kind,
            "pdf_signed": result.pdf_signed,
            "e_result": fact["event_type"] == "result.issued" and bool(data.get("electronic")),
        }
        return Verdict(fact, outcome, result, blob)

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
        """Make one batch of file facts durable and announced."""
        async with self.engine.connect() as conn:
            ids = [f["event_id"] for f in facts]
            done = set(
                (
                    await conn.execute(
                        select(tables.submissions.c.event_id).where(
                            tables.submissions.c.event_id.in_(ids)
                        )
                    )
                )
                .scalars()
                .all()
            )
        todo: list[Fact] = []
        for f in facts:
            if f["event_id"] not in done and f["event_id"] not in {x["event_id"] for x in todo}:
                todo.append(f)
        verdicts = [await self.examine(f) for f in todo]
        for v in verdicts:
            if v.processed is not None:
                obj = v.fact["data"]["object"]
                await self._store(v, str(obj["content_type"]))
        outgoing: list[Outgoing] = []
        docs: list[dict[str, Any]] = []
        subs: list[dict[str, Any]] = []
        for v in verdicts:
            fact, outcome = v.fact, v.outcome
            subs.append(
                {
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
            )
            if v.processed is not None:
                docs.append(
                    {
                        "sha256": v.processed.sha256,
                        "kind": v.processed.kind,
                        "size": v.processed.size,
                        "pages": len(v.processed.pages),
                        "min_dpi": outcome.get("min_dpi"),
                        "below_standard": bool(outcome.get("below_standard")),
                        "phash": outcome.get("phash"),
                        "pdf_signed": v.processed.pdf_signed,
                        "archive_key": archive_key(v.processed.sha256),
                        "first_root": fact["root"],
                    }
                )
            announced: Fact = {k: val for k, val in fact.items() if k != "raw"}  # type: ignore[assignment]
            announced["file"] = outcome
            key = str(fact["dossier_code"]).encode("utf-8")
            outgoing.append(Outgoing(self.digitized_topic, key, encode(announced)))
            if outcome["status"] == "rejected":
                src = fact["source"]
                outgoing.append(
                    Outgoing(
                        f"{src['topic']}.rejected",
                        key,
                        base64.b64decode(fact.get("raw", "")),
                        {
                            "error.code": outcome.get("code", ""),
                            "error.detail": outcome.get("detail", "")[:500],
                            "source.topic": src["topic"],
                            "source.partition": str(src["partition"]),
                            "source.offset": str(src["offset"]),
                        },
                    )
                )
        async with self.engine.begin() as conn:
            if docs:
                await conn.execute(insert_ignore(self.engine, tables.documents), docs)
            if subs:
                await conn.execute(insert_ignore(self.engine, tables.submissions), subs)
            await self.publish(outgoing)
        for v in verdicts:
            root = v.fact["root"]
            if v.outcome["status"] == "stored" and v.processed is not None:
                self.metrics.files.labels(root, v.processed.kind).inc()
                self.metrics.pages.labels(root).inc(len(v.processed.pages))
                if v.outcome.get("below_standard"):
                    self.metrics.below_standard.labels(root).inc()
            elif v.outcome["status"] == "rejected":
                self.metrics.rejected.labels(root, v.outcome.get("code", "")).inc()
