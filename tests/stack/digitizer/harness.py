"""A small stack for the digitizer tests: SeaweedFS, Tansu in memory, ingest and digitizer.

The broker keeps its data in memory, not in SeaweedFS, so that stopping the S3 store stops
only the file store. Files are published through the real input topic, so ingest checks them
first, as in production.
"""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx
from minio import Minio

from reuse_tracker.stack import LocalStack, ManagedProcess, StackPorts
from reuse_tracker.system import SystemConfig, start_service
from tests.support import factories as f
from tests.support.kafka_io import producer, read_all, send

ROOT = "H52"
UNIT = f"{ROOT}.03"
TOPIC = f"dossier-events.{ROOT}"
REJECTED = f"{TOPIC}.rejected"
DIGITIZED = "tracker.digitized"
# The digitizer's grace period on SIGTERM, shortened so the shutdown tests stay quick.
GRACE_SECONDS = 5.0


@dataclass
class DigitizerStack:
    """The running parts and helpers to feed and inspect them."""

    stack: LocalStack
    config: SystemConfig
    _counter: list[int] = field(default_factory=lambda: [0])

    @property
    def ports(self) -> StackPorts:
        return self.config.ports

    # -- feeding ----------------------------------------------------------------------------

    def s3(self) -> Minio:
        """A minio client for the stack's S3 store."""
        return Minio(
            f"127.0.0.1:{self.ports.s3}",
            access_key="tracker",
            secret_key="tracker-secret",
            secure=False,
            region="us-east-1",
        )

    def put(self, key: str, data: bytes) -> None:
        """Put a file into the inbox, as a publisher does before its event."""
        self.s3().put_object("inbox", key, io.BytesIO(data), len(data))

    def dossier(self) -> str:
        """A fresh dossier code."""
        self._counter[0] += 1
        return f"{UNIT}-260302-{self._counter[0]:04d}"

    def file_event(
        self,
        name: str,
        data: bytes,
        content_type: str,
        *,
        event_type: str = "component.scanned",
        dossier: str | None = None,
        upload: bool = True,
        **extra: Any,
    ) -> dict[str, Any]:
        """An event naming `data`, uploaded under `<ROOT>/<name>` unless `upload` is false."""
        key = f"{ROOT}/2026/03/02/{name}"
        if upload:
            self.put(key, data)
        obj = f.obj(key, data, content_type)
        obj.update(extra.pop("object_changes", {}))
        dossier = dossier or self.dossier()
        if event_type == "component.scanned":
            return f.scanned(UNIT, dossier, obj)
        stamp = "issued_at" if event_type == "result.issued" else "scanned_at"
        data_: dict[str, Any] = {"result_code": f"KQ-{dossier}", stamp: f.T0, "object": obj}
        data_.update(extra)
        return f.envelope(event_type, UNIT, dossier, data_)

    def publish(self, events: Iterable[dict[str, Any]]) -> None:
        """Send events to the root's input topic and wait for the broker's acknowledgements."""
        p = producer(self.ports.kafka_bootstrap)
        try:
            for event in events:
                send(p, TOPIC, event.get("dossier_code") or event["agency_code"], event)
        finally:
            p.close()

    # -- inspecting -------------------------------------------------------------------------

    def outcomes(self) -> dict[str, list[dict[str, Any]]]:
        """Every fact on tracker.digitized, by event_id (a list, to see any repeat)."""
        found: dict[str, list[dict[str, Any]]] = {}
        for m in read_all(self.ports.kafka_bootstrap, DIGITIZED):
            fact = json.loads(m.value)
            found.setdefault(fact["event_id"], []).append(fact)
        return found

    def rejections(self) -> list[tuple[dict[str, str], bytes]]:
        """Every message on the root's rejected topic: headers and value."""
        return [
            ({k: v.decode() for k, v in m.headers}, m.value)
            for m in read_all(self.ports.kafka_bootstrap, REJECTED)
        ]

    def rows(self, table: str, service: str = "digitizer") -> list[dict[str, Any]]:
        """Every row of one of a service's tables (SQLite file under the var dir)."""
        path = self.config.var_dir / f"{service}.db"
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30) as conn:
            conn.row_factory = sqlite3.Row
            return [dict(r) for r in conn.execute(f"SELECT * FROM {table}")]  # noqa: S608

    def archive_keys(self) -> dict[str, int]:
        """Every object in the archive bucket and its size."""
        return {
            str(o.object_name): int(o.size or 0)
            for o in self.s3().list_objects("archive", recursive=True)
        }

    def metrics_text(self) -> str:
        """The digitizer's /metrics page."""
        url = f"http://127.0.0.1:{self.ports.digitizer_http}/metrics"
        return httpx.get(url, trust_env=False, timeout=5.0).text

    # -- the digitizer process --------------------------------------------------------------

    def digitizer(self) -> ManagedProcess:
        """The digitizer process started last."""
        return [s.process for s in self.stack.services if s.name == "digitizer"][-1]

    def start_digitizer(self) -> None:
        """Start the digitizer again (after a stop) and wait until it is healthy."""
        start_service(self.stack, self.config, "digitizer")


def sha256(data: bytes) -> str:
    """Lowercase hex SHA-256."""
    return hashlib.sha256(data).hexdigest()


def start_digitizer_stack(config: SystemConfig, stack: LocalStack) -> DigitizerStack:
    """Start the infrastructure, then ingest and the digitizer."""
    stack.start_infra()
    try:
        for name in ("ingest", "digitizer"):
            start_service(stack, config, name)
    except BaseException:
        stack.stop()
        raise
    return DigitizerStack(stack, config)
