"""Publishes a simulated province in a background thread, riding out broker restarts and S3
outages: files are put again until the store answers, and the producer retries in order.

The producer is aiokafka's (as in the services): kafka-python's leaves the sockets of
connection attempts refused during a broker restart to the garbage collector, and the suite
turns the resulting ResourceWarning into an error wherever it happens to surface.
"""

from __future__ import annotations

import asyncio
import io
import threading
import time

from aiokafka import AIOKafkaProducer
from minio import Minio

from reuse_tracker.simulator import Outgoing, Scenario
from reuse_tracker.simulator.publish import INBOX_BUCKET, MAX_REQUEST_SIZE


class Publisher(threading.Thread):
    """Sends every event of a scenario (its files first); `sent` counts events handed over."""

    def __init__(
        self,
        scenario: Scenario,
        bootstrap: str,
        s3_endpoint: str,
        *,
        pace: float | None = None,
        give_up_after: float = 300,
    ) -> None:
        super().__init__(daemon=True, name="publisher")
        self.scenario = scenario
        self.bootstrap = bootstrap
        self.store = Minio(
            s3_endpoint.removeprefix("http://"),
            access_key="tracker",
            secret_key="tracker-secret",
            secure=False,
        )
        self.pace = pace  # events per second at most (None: as fast as possible)
        self.give_up_after = give_up_after
        self.sent = 0
        self.put_retries = 0
        self.resent = 0
        self.failures: list[BaseException] = []
        self.finished = threading.Event()

    def _put(self, key: str, data: bytes, content_type: str) -> None:
        deadline = time.monotonic() + self.give_up_after
        while True:
            try:
                self.store.put_object(
                    INBOX_BUCKET, key, io.BytesIO(data), len(data), content_type=content_type
                )
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise
                self.put_retries += 1
                time.sleep(0.5)

    async def _publish(self) -> None:
        producer = AIOKafkaProducer(
            bootstrap_servers=self.bootstrap,
            acks="all",
            enable_idempotence=False,  # Tansu has no InitProducerId
            linger_ms=5,
            max_request_size=MAX_REQUEST_SIZE,
            # aiokafka keeps one batch in flight per partition, so a retry after a broker
            # restart cannot overtake later events (a repeat is fine: ingest dedupes).
            request_timeout_ms=int(self.give_up_after * 1000),
            retry_backoff_ms=250,
            metadata_max_age_ms=5000,
        )
        await producer.start()
        began = time.monotonic()
        pending: list[tuple[Outgoing, asyncio.Future[object]]] = []
        try:
            for event in self.scenario.events:
                if self.pace:
                    # Spread publishing out, so the faults fall while it goes on.
                    ahead = began + self.sent / self.pace - time.monotonic()
                    if ahead > 0:
                        await asyncio.sleep(ahead)
                for key, data, content_type in event.files:
                    await asyncio.to_thread(self._put, key, data, content_type)
                pending.append(
                    (event, await producer.send(event.topic, event.value, key=event.key))
                )
                self.sent += 1
                if len(pending) >= 200:
                    await self._confirm(producer, pending)
                    pending = []
            await self._confirm(producer, pending)
        finally:
            await producer.stop()

    async def _confirm(
        self,
        producer: AIOKafkaProducer,
        pending: list[tuple[Outgoing, asyncio.Future[object]]],
    ) -> None:
        """Wait for the acknowledgements; send again what the broker refused (a broker in
        the middle of a restart answers some requests with errors aiokafka does not retry)."""
        deadline = time.monotonic() + self.give_up_after
        while pending:
            results = await asyncio.gather(*(f for _e, f in pending), return_exceptions=True)
            failed = [
                e for (e, _f), r in zip(pending, results, strict=True) if isinstance(r, Exception)
            ]
            if not failed:
                return
            errors = [r for r in results if isinstance(r, Exception)]
            if time.monotonic() > deadline:
                raise errors[0]
            self.resent += len(failed)
            await asyncio.sleep(1.0)
            pending = [(e, await producer.send(e.topic, e.value, key=e.key)) for e in failed]

    def run(self) -> None:
        try:
            asyncio.run(self._publish())
        except BaseException as exc:
            self.failures.append(exc)
        finally:
            self.finished.set()
