"""A background task that runs a refresh every `interval` seconds until stopped."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable


class Periodic:
    """Calls `work` now and then every `interval` seconds; a failure goes to `on_error` and
    never ends the loop (the previous snapshot stays exposed until the next success)."""

    def __init__(
        self,
        name: str,
        work: Callable[[], Awaitable[None]],
        *,
        interval: float,
        on_error: Callable[[Exception], None],
        timeout: float | None = None,
    ) -> None:
        self.name = name
        self.work = work
        self.interval = interval
        self.on_error = on_error
        self.timeout = timeout
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            try:
                await asyncio.wait_for(self.work(), timeout=self.timeout)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.on_error(exc)
            await asyncio.sleep(self.interval)

    async def start(self) -> None:
        """Start the task (once)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        """Cancel the task and wait for it."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
