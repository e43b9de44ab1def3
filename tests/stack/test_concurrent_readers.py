"""Reads never fail because of writes: 20 auditor API clients query every endpoint in a loop
while a heavy replay goes through the real pipeline on SQLite (the default database), and
every answer is a 200; once the replay is applied, the API answers the ground truth.

Each client has its own auditor token, so the tokens' first and later uses are recorded
during the load too. As the load starts, another connection holds the reuse database's write
lock for longer than any busy timeout (as a long projection statement or a rebuild does):
requests must go on answering meanwhile, which they did not when checking a token wrote.
The province's units are published first (so every unit asked for exists and a 404 would be
a real error); the load starts before the bulk of the stream and stops once reuse has
applied it all, so the clients run through the whole time the projection writes. Bounded to
about two minutes on this 2-core machine, most of it generating and applying the stream.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from reuse_tracker.simulator import Rates, Scenario, generate
from reuse_tracker.stack.slots import stack_ports
from reuse_tracker.system import SystemConfig, progress, wait_until_processed
from services.common.db import WRITER_BUSY_TIMEOUT_S, make_engine
from services.reuse.tokens import create_token
from services.reuse.vocabulary import INDICATOR_CODES
from tests.support.system import cli, ground_truth, publish_scenario, started

pytestmark = pytest.mark.stack

ROOT = "H44"
PERIOD = (date(2026, 1, 1), date(2026, 6, 30))
DOSSIERS = 1000
CLIENTS = 20
APPLY_TIMEOUT_S = 240.0  # the bound of the replay; it takes about a minute here
TOKEN_USAGE_INTERVAL_S = 2  # so that `token list` shows the last use soon after the load
LOCK_HOLD_S = WRITER_BUSY_TIMEOUT_S + 5  # longer than a writer waits for the lock
ISO_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00")


@pytest.fixture(scope="module")
def readers_system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SystemConfig]:
    """The system on SQLite, on its own ports, with last uses written every 2 s."""
    cfg = SystemConfig(
        var_dir=tmp_path_factory.mktemp("readers"),
        ports=stack_ports("readers"),
        roots=(ROOT,),
        extra_env={"TRACKER_TOKEN_USAGE_INTERVAL": str(TOKEN_USAGE_INTERVAL_S)},
    )
    with started(cfg):
        yield cfg


async def _tokens(cfg: SystemConfig) -> list[str]:
    """One auditor token per client (each one's first use and last uses are recorded)."""
    engine = make_engine(f"sqlite+aiosqlite:///{(cfg.var_dir / 'reuse.db').resolve()}")
    try:
        made = [await create_token(engine, "auditor", f"reader-{i:02d}") for i in range(CLIENTS)]
    finally:
        await engine.dispose()
    return [token for _record, token in made]


def _split_registrations(scenario: Scenario) -> tuple[Scenario, Scenario, list[str]]:
    """The leading unit registrations, the rest of the stream, and the units registered."""
    head = 0
    while scenario.kinds[head] in ("agency.registered", "duplicate:agency.registered"):
        head += 1
    units = sorted({json.loads(e.value)["agency_code"] for e in scenario.events[:head]} - {ROOT})
    first = dataclasses.replace(scenario, events=scenario.events[:head])
    rest = dataclasses.replace(scenario, events=scenario.events[head:])
    return first, rest, units


def _hold_write_lock(database: Path, seconds: float, held: threading.Event) -> None:
    """Take the database's write lock (BEGIN IMMEDIATE), keep it `seconds`, let it go."""
    conn = sqlite3.connect(database, timeout=60, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        held.set()
        time.sleep(seconds)
        conn.execute("ROLLBACK")
    finally:
        held.clear()
        conn.close()


def _requests(client: int, units: list[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """An endless, varied series of requests over the four endpoints."""
    period = {"from": PERIOD[0].isoformat(), "to": PERIOD[1].isoformat()}
    n = client
    while True:
        unit = ROOT if n % 3 == 0 else units[n % len(units)]
        scope = {"unit": unit, **period}
        children = {"breakdown": "children"} if unit == ROOT else {}
        page = {"limit": 50, "offset": (n % 4) * 50}
        code = INDICATOR_CODES[n % len(INDICATOR_CODES)]
        yield "/v1/indicators", {**scope, **children}
        yield "/v1/reuse", {**scope, **page}
        yield "/v1/missed-reuse", {**scope, **children, **page}
        yield "/v1/explain", {**scope, "indicator": code, **page}
        n += CLIENTS


@dataclass
class Tally:
    """What the clients got."""

    statuses: Counter[int] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)  # the first few, for the message
    while_writing: int = 0  # answers received before the whole replay was applied
    while_locked: int = 0  # answers received while another connection held the write lock
    slowest_s: float = 0.0

    def note(self, what: str) -> None:
        if len(self.errors) < 10:
            self.errors.append(what)


async def _client(
    index: int,
    base: str,
    token: str,
    units: list[str],
    applied: asyncio.Event,
    locked: threading.Event,
    tally: Tally,
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, trust_env=False, timeout=120) as http:
        for path, params in _requests(index, units):
            if applied.is_set():
                return
            began = time.monotonic()
            try:
                r = await http.get(path, params=params, headers=headers)
            except httpx.HTTPError as exc:
                tally.statuses[0] += 1
                tally.note(f"{path} {params}: {exc!r}")
                continue
            tally.slowest_s = max(tally.slowest_s, time.monotonic() - began)
            tally.statuses[r.status_code] += 1
            if r.status_code != 200:
                tally.note(f"{path} {params}: {r.status_code} {r.text[:300]}")
            if not applied.is_set():
                tally.while_writing += 1
            if locked.is_set():
                tally.while_locked += 1


async def test_twenty_readers_during_a_replay_see_no_error_and_then_the_truth(
    readers_system: SystemConfig,
) -> None:
    cfg = readers_system
    began = time.monotonic()
    scenario = generate(ROOT, DOSSIERS, 31, Rates(), PERIOD)
    truth = ground_truth(scenario, cfg.var_dir / "sim")
    registrations, rest, units = _split_registrations(scenario)
    assert len(units) > 50
    publish_scenario(cfg.ports, registrations)
    wait_until_processed(cfg.ports, len(registrations.events), timeout=60)
    tokens = await _tokens(cfg)
    generated_s = time.monotonic() - began

    base = f"http://127.0.0.1:{cfg.ports.api}"
    applied = asyncio.Event()
    locked = threading.Event()
    tally = Tally()
    holder = asyncio.create_task(
        asyncio.to_thread(_hold_write_lock, cfg.var_dir / "reuse.db", LOCK_HOLD_S, locked)
    )
    assert await asyncio.to_thread(locked.wait, 30)
    clients = [
        asyncio.create_task(_client(i, base, tokens[i], units, applied, locked, tally))
        for i in range(CLIENTS)
    ]
    replay_began = time.monotonic()
    try:
        await asyncio.to_thread(publish_scenario, cfg.ports, rest)
        done = await asyncio.to_thread(
            wait_until_processed, cfg.ports, len(scenario.events), APPLY_TIMEOUT_S
        )
    finally:
        applied.set()
        await asyncio.gather(*clients)
        await holder
    replay_s = time.monotonic() - replay_began
    wal = cfg.var_dir / "reuse.db-wal"
    wal_mb = wal.stat().st_size / 2**20 if wal.exists() else 0.0

    answered = sum(tally.statuses.values())
    print(
        f"\n{len(scenario.events)} events ({done.applied} facts) applied in {replay_s:.0f} s "
        f"(generated in {generated_s:.0f} s) under {CLIENTS} readers: {answered} answers "
        f"({answered / replay_s:.0f}/s, {tally.while_writing} while writing, "
        f"{tally.while_locked} while the lock was held {LOCK_HOLD_S:.0f} s), statuses "
        f"{dict(tally.statuses)}, slowest {tally.slowest_s:.1f} s; WAL {wal_mb:.1f} MiB"
    )
    assert tally.statuses == Counter({200: answered}), tally.errors
    assert tally.while_writing >= 10 * CLIENTS  # the load really ran alongside the writes
    assert tally.while_locked >= 5 * CLIENTS  # and went on while the write lock was taken
    assert progress(cfg.ports).applied == done.applied

    # The figures equal the simulator's ground truth, through the API.
    headers = {"Authorization": f"Bearer {tokens[0]}"}
    period = {"from": PERIOD[0].isoformat(), "to": PERIOD[1].isoformat()}
    async with httpx.AsyncClient(base_url=base, trust_env=False, timeout=60) as http:
        for unit, expected in truth["units"].items():
            r = await http.get("/v1/indicators", params={"unit": unit, **period}, headers=headers)
            assert r.status_code == 200, r.text
            assert r.json() == expected, unit
        missed = await http.get(
            "/v1/missed-reuse", params={"unit": ROOT, **period}, headers=headers
        )
        assert missed.status_code == 200, missed.text
        assert missed.json()["missed_components"] == truth["missed_reuse"][ROOT]

    # The tokens' last uses were written in the background: `token list` shows them.
    await asyncio.sleep(TOKEN_USAGE_INTERVAL_S + 1)
    listed = cli(cfg, "token", "list", env={"COLUMNS": "250"}).splitlines()
    for i in range(CLIENTS):
        row = next(line for line in listed if f" reader-{i:02d} " in line)
        created, last_used = ISO_TIME.findall(row)  # and no revocation time
        assert created <= last_used
