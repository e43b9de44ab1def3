"""Auditor requests only read: they issue no write statement, answer while a writer holds the
lock, see the last committed state, and tokens' last use is still recorded (in the
background), on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from services.common.db import make_engine, make_read_engine
from services.reuse.api import ApiState, router
from services.reuse.token_usage import TokenUsage
from services.reuse.tokens import create_token, list_tokens, tokens
from tests.support import small_province as data
from tests.unit.reuse.api.province import Province
from tests.unit.reuse.api.statements import WRITE, statements

START, END = data.PERIOD
PERIOD = {"from": START.isoformat(), "to": END.isoformat()}
# One request per endpoint of the API.
REQUESTS: tuple[tuple[str, dict[str, str]], ...] = (
    ("/v1/indicators", {"unit": "H44", **PERIOD, "breakdown": "children"}),
    ("/v1/reuse", {"unit": "H44", **PERIOD}),
    ("/v1/missed-reuse", {"unit": "H44", **PERIOD, "breakdown": "children"}),
    ("/v1/explain", {"unit": "H44", **PERIOD, "indicator": "REUSED_DIGITIZED_DATA"}),
)
FIRST_PATH, FIRST_PARAMS = REQUESTS[0]


@asynccontextmanager
async def served(province: Province) -> AsyncIterator[tuple[httpx.AsyncClient, TokenUsage]]:
    """The API as the service builds it: a read-only engine, last uses noted in memory."""
    read_engine = make_read_engine(province.url)
    usage = TokenUsage(province.engine, interval=3600)
    app = FastAPI()
    ApiState(read_engine, on_token_use=usage.seen).attach(app)
    app.include_router(router)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as client:
            yield client, usage
    finally:
        await read_engine.dispose()


async def _token_id(engine: AsyncEngine, name: str) -> int:
    return next(r.id for r in await list_tokens(engine) if r.name == name)


@pytest.mark.slow
async def test_a_request_issues_no_write_and_the_last_use_is_recorded_later(
    province: Province,
) -> None:
    async with served(province) as (client, usage):
        with statements() as seen:
            for path, params in REQUESTS:
                r = await client.get(path, params=params, headers=province.auth())
                assert r.status_code == 200, (path, r.text)
            revoked = province.auth("revoked")
            refused = await client.get(FIRST_PATH, params=FIRST_PARAMS, headers=revoked)
            assert refused.status_code == 401
        assert any(s.lstrip().upper().startswith("SELECT") for s in seen)
        assert [s for s in seen if WRITE.match(s)] == []
        assert usage.pending == 1  # the auditor's token; never the revoked one
        with statements() as flushed:
            assert await usage.flush() == 1
        assert any(WRITE.match(s) for s in flushed)  # the write happens here, off the request
    auditor = await _token_id(province.engine, "auditor")
    listed = {r.id: r for r in await list_tokens(province.engine)}
    used = listed[auditor].last_used_at
    assert used is not None
    assert abs(datetime.now(UTC) - datetime.fromisoformat(used)) < timedelta(minutes=5)
    assert all(r.last_used_at is None for r in listed.values() if r.name == "revoked")


async def test_the_read_engine_refuses_to_write(province: Province) -> None:
    read_engine = make_read_engine(province.url)
    try:
        async with read_engine.connect() as conn:
            with pytest.raises(DBAPIError):
                await conn.execute(update(tokens).values(name=tokens.c.name))
    finally:
        await read_engine.dispose()


@pytest.mark.slow
async def test_requests_answer_while_a_writer_holds_the_lock(province: Province) -> None:
    """A writer mid-transaction (it has written, not committed) delays no request, and no
    request sees its uncommitted token; once committed, the token works."""
    async with served(province) as (client, _usage), province.engine.connect() as writer:
        await writer.begin()
        await writer.execute(update(tokens).values(name=tokens.c.name))  # locks every token
        _record, uncommitted = await create_token_in(writer)
        began = time.monotonic()
        answers = await asyncio.gather(
            *(client.get(p, params=q, headers=province.auth()) for p, q in REQUESTS * 5)
        )
        assert [a.status_code for a in answers] == [200] * len(answers)
        unseen = await client.get(FIRST_PATH, params=FIRST_PARAMS, headers=bearer(uncommitted))
        assert unseen.status_code == 401  # reads see only what is committed
        assert time.monotonic() - began < 10  # the old UPDATE waited 30 s, then failed
        await writer.commit()
        seen = await client.get(FIRST_PATH, params=FIRST_PARAMS, headers=bearer(uncommitted))
        assert seen.status_code == 200


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def create_token_in(conn: Any) -> tuple[int, str]:
    """A token inserted in `conn`'s open transaction (create_token opens its own)."""
    from services.reuse.tokens import new_token, token_hash

    token = new_token()
    await conn.execute(
        tokens.insert().values(
            name="in-flight",
            role="auditor",
            token_sha256=token_hash(token),
            created_at="2026-01-01T00:00:00+00:00",
        )
    )
    found = (
        await conn.execute(select(tokens.c.id).where(tokens.c.token_sha256 == token_hash(token)))
    ).scalar_one()
    return int(found), token


async def test_a_sqlite_read_sees_one_snapshot(province: Province) -> None:
    """On SQLite every statement of one connection block reads the same committed state,
    even when a commit lands between them."""
    if province.kind != "sqlite":
        # PostgreSQL reads in READ COMMITTED: each statement sees the last commit, which the
        # other tests cover; the snapshot claim is SQLite's (make_read_engine).
        return
    read_engine = make_read_engine(province.url)
    count = select(text("count(*)")).select_from(tokens)
    try:
        async with read_engine.connect() as conn:
            before = (await conn.execute(count)).scalar_one()
            await create_token(province.engine, "auditor", "snapshot")
            assert (await conn.execute(count)).scalar_one() == before
        async with read_engine.connect() as conn:
            assert (await conn.execute(count)).scalar_one() == before + 1
    finally:
        await read_engine.dispose()


# -- TokenUsage on its own -------------------------------------------------------------------


async def test_last_use_failures_are_kept_counted_and_never_go_backwards(
    province: Province,
) -> None:
    if province.kind == "sqlite":
        locked_out = make_engine(province.url, busy_timeout=0.2)
    else:
        locked_out = make_engine(province.url, connect_args={"command_timeout": 0.5})
    errors: list[Exception] = []
    usage = TokenUsage(locked_out, interval=3600, on_error=errors.append)
    auditor = await _token_id(province.engine, "auditor")
    # No last use yet, so the write below must wait for the row (PostgreSQL skips a row that
    # its WHERE already rules out, without waiting for its lock).
    async with province.engine.begin() as conn:
        await conn.execute(update(tokens).values(last_used_at=None))
    try:
        async with province.engine.connect() as writer:
            await writer.begin()
            await writer.execute(update(tokens).values(name=tokens.c.name))
            usage.seen(auditor)
            await usage.stop()  # the final flush fails: logged and counted, not raised
            assert len(errors) == 1
            assert usage.pending == 1  # kept for the next round
            await writer.rollback()
        assert await usage.flush() == 1
        assert usage.pending == 0
        stored = {r.id: r.last_used_at for r in await list_tokens(province.engine)}[auditor]
        assert stored is not None
        # An older note (another instance's, written late) never replaces a newer last use.
        usage._pending[auditor] = "2000-01-01T00:00:00+00:00"
        assert await usage.flush() == 1
        again = {r.id: r.last_used_at for r in await list_tokens(province.engine)}[auditor]
        assert again == stored
    finally:
        await locked_out.dispose()
