"""When each auditor token was last used: noted in memory by requests, written in the background.

Writing `last_used_at` while answering a request made a read take the database's write lock:
on SQLite it then waited behind the projection's batches and failed with `database is
locked`. Checking a token now only reads; the request notes (token, time) here, and a
background task writes the notes every `interval` seconds in one short transaction, under
the projection's own lock so that in this process it never competes with a batch, and with a
short busy timeout against other processes. A failed write is logged and counted, and its
notes are kept for the next round; no request ever sees it.

Why this and not a separate table or file: on SQLite any table of the file shares its one
write lock, and a second file is one more thing to back up and migrate, for a figure that is
informational (revocation, the part that matters for security, is read on every request).
The price is that `token list` shows the last use to within `interval` seconds, and a crash
loses at most the last interval's notes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import bindparam, or_, update
from sqlalchemy.ext.asyncio import AsyncEngine

from services.common.periodic import Periodic

from .tokens import tokens

log = logging.getLogger(__name__)

# How long the background write waits for another process's write lock before giving up
# until the next round.
BUSY_TIMEOUT_S = 2.0

# One statement for every noted token; it never moves a last use backwards (another instance
# may have written a later one).
_RECORD = (
    update(tokens)
    .where(
        tokens.c.id == bindparam("token_id"),
        or_(tokens.c.last_used_at.is_(None), tokens.c.last_used_at < bindparam("used_at")),
    )
    .values(last_used_at=bindparam("used_at"))
)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class TokenUsage:
    """Last uses noted by requests (`seen`), written every `interval` seconds (`flush`)."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        interval: float,
        lock: asyncio.Lock | None = None,
        on_error: Callable[[Exception], None] | None = None,
    ) -> None:
        self.engine = engine
        self.lock = lock
        self.on_error = on_error
        self._pending: dict[int, str] = {}
        self._periodic = Periodic(
            "token-usage", self._flush_due, interval=interval, on_error=self._failed
        )

    @property
    def pending(self) -> int:
        """How many tokens have a last use not written yet."""
        return len(self._pending)

    def seen(self, token_id: int) -> None:
        """Note that the token was used now (memory only: never blocks, never fails)."""
        self._pending[token_id] = _now()

    async def flush(self) -> int:
        """Write every noted last use; how many tokens. On failure the notes are kept (newer
        notes made meanwhile win) and the error is raised."""
        if not self._pending:
            return 0
        batch, self._pending = self._pending, {}
        rows = [{"token_id": k, "used_at": v} for k, v in batch.items()]
        try:
            async with self.lock or contextlib.nullcontext(), self.engine.begin() as conn:
                await conn.execute(_RECORD, rows)
        except BaseException:
            for token_id, used_at in batch.items():
                self._pending.setdefault(token_id, used_at)
            raise
        return len(rows)

    async def _flush_due(self) -> None:
        await self.flush()

    def _failed(self, exc: Exception) -> None:
        log.warning("could not record the last use of API tokens (kept for later): %r", exc)
        if self.on_error is not None:
            self.on_error(exc)

    async def start(self) -> None:
        """Start writing every `interval` seconds."""
        await self._periodic.start()

    async def stop(self) -> None:
        """Stop the task and write what is still noted (a failure is only logged)."""
        await self._periodic.stop()
        try:
            await self.flush()
        except Exception as exc:
            self._failed(exc)
