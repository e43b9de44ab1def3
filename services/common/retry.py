"""Back off and retry when a dependency (database, S3, broker) fails, instead of spinning."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from aiokafka.errors import KafkaError
from sqlalchemy.exc import DBAPIError, OperationalError

T = TypeVar("T")
log = logging.getLogger(__name__)

TRANSIENT: tuple[type[BaseException], ...] = (
    OperationalError,
    DBAPIError,
    KafkaError,
    OSError,
    TimeoutError,
    ConnectionError,
)


async def retry_with_backoff(
    op: Callable[[], Awaitable[T]],
    *,
    what: str,
    transient: tuple[type[BaseException], ...] = TRANSIENT,
    on_error: Callable[[BaseException], None] | None = None,
    first_delay: float = 0.2,
    max_delay: float = 15.0,
) -> T:
    """Run `op` until it succeeds, sleeping with capped exponential backoff on transient errors.

    Only errors listed in `transient` are retried; anything else propagates. Cancellation
    (service shutdown) propagates at once, so nothing is acknowledged that was not done.
    """
    delay = first_delay
    attempt = 0
    while True:
        try:
            return await op()
        except transient as exc:
            attempt += 1
            if on_error is not None:
                on_error(exc)
            log.warning(
                "%s failed (attempt %d, %s); retrying in %.1fs",
                what,
                attempt,
                type(exc).__name__,
                delay,
            )
            await asyncio.sleep(delay * (0.75 + random.random() / 2))
            delay = min(max_delay, delay * 2)
