"""Rebuilding a root's projection from the event archive (see archiver.py).

The archived facts go through `Projection.apply`, the same code as live processing, so the
rebuilt tables give the same indicators. A fact archived twice (redelivery) is applied once,
because the projection claims each event_id.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine

from schemas.internal import Fact

from . import tables as t
from .keys import chunks
from .projection import Projection

# Tables with a `root` column that are not derived from facts, so a rebuild keeps them.
NOT_PROJECTION = frozenset({"reuse_tokens"})


def projection_tables() -> list[str]:
    """The reuse tables a rebuild of one root empties (every table with a `root` column)."""
    return [
        table.name
        for table in t.metadata.sorted_tables
        if "root" in table.c and table.name not in NOT_PROJECTION
    ]


async def wipe_root(engine: AsyncEngine, root: str) -> dict[str, int]:
    """Delete a root's rows from every projection table; returns rows deleted per table."""
    deleted: dict[str, int] = {}
    async with engine.begin() as conn:
        for name in reversed(projection_tables()):
            table = t.metadata.tables[name]
            result = await conn.execute(delete(table).where(table.c.root == root))
            deleted[name] = int(result.rowcount or 0)
    return deleted


class Replayer:
    """Applies archived facts in batches; with `unclaim`, first releases their event_ids
    (kept in `reuse_events` from the live run) the first time each is seen in this replay."""

    def __init__(self, engine: AsyncEngine, *, unclaim: bool) -> None:
        self.engine = engine
        self.projection = Projection(engine)
        self.unclaim = unclaim
        self.seen: set[str] = set()
        self.read = 0
        self.applied = 0

    async def apply(self, facts: Sequence[Fact]) -> int:
        """Apply one batch; returns how many facts were new to the projection."""
        self.read += len(facts)
        if self.unclaim:
            await self._release(f["event_id"] for f in facts)
        applied = await self.projection.apply(facts)
        self.applied += applied
        return applied

    async def _release(self, event_ids: Iterable[str]) -> None:
        fresh = sorted(set(event_ids) - self.seen)
        if not fresh:
            return
        self.seen.update(fresh)
        async with self.engine.begin() as conn:
            for part in chunks(fresh):
                await conn.execute(delete(t.events).where(t.events.c.event_id.in_(part)))

    @property
    def duplicates(self) -> int:
        """Facts read but not applied (archived more than once)."""
        return self.read - self.applied
