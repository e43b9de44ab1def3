"""What the running system shows at the end of a reliability run: the province's figures, the
refusals on its rejected topic, and a wait until both are complete."""

from __future__ import annotations

import asyncio
import time
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import create_async_engine

from services.reuse.indicators import IndicatorReader
from tests.support.kafka_io import read_all

from .expected import Expected, applied_ids
from .harness import Harness

# The province the reliability suites publish.
ROOT = "H44"
PERIOD = (date(2026, 1, 1), date(2026, 6, 30))


def unit_figures(h: Harness) -> dict[str, Any]:
    """Every unit's indicators over PERIOD, as the reuse service computes them."""

    async def go() -> dict[str, Any]:
        engine = create_async_engine(h.database_url("reuse"))
        try:
            return await IndicatorReader(engine).indicators_for_tree(ROOT, *PERIOD)
        finally:
            await engine.dispose()

    return asyncio.run(go())


def refusals(h: Harness) -> dict[bytes, set[str]]:
    """Each refused message value and the error codes it was refused with."""
    out: dict[bytes, set[str]] = {}
    for m in read_all(h.ports.kafka_bootstrap, f"dossier-events.{ROOT}.rejected"):
        code = dict(m.headers).get("error.code", b"").decode()
        out.setdefault(m.value or b"", set()).add(code)
    return out


def settle(h: Harness, expected: Expected, timeout: float) -> None:
    """Wait until every accepted event is applied and every refusal is in the topic."""
    deadline = time.monotonic() + timeout
    while True:
        applied = applied_ids(h)
        missing = len(expected.accepted_ids - applied)
        refused = len(set(expected.refused) - set(refusals(h)))
        if not missing and not refused:
            return
        if time.monotonic() > deadline:
            tails = "\n".join(f"--- {p.name}\n{p.tail(15)}" for p in h.stack.processes()[-6:])
            raise AssertionError(
                f"not settled after {timeout:.0f} s: {missing} accepted events not applied, "
                f"{refused} refusals missing\n{tails}"
            )
        time.sleep(3)
