"""The module-level router reads its state from the app: attached, it is what the endpoints
use; missing, a request fails loudly rather than answering from some other database."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from services.common.db import make_engine
from services.reuse.api import ApiState, router
from services.reuse.api.state import Api
from services.reuse.indicators import IndicatorReader

QUERY = {"unit": "H44", "from": "2026-01-01", "to": "2026-01-31"}


async def test_an_app_without_the_state_is_a_wiring_error() -> None:
    app = FastAPI()
    app.include_router(router)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as client:
        with pytest.raises(RuntimeError, match="attach"):
            await client.get("/v1/indicators", params=QUERY, headers={"Authorization": "Bearer x"})


async def test_the_state_attached_is_the_one_read() -> None:
    engine = make_engine("sqlite+aiosqlite:///:memory:")
    try:
        state = ApiState(engine, default_policy="completed")
        app = FastAPI()
        state.attach(app)

        @app.get("/state")
        async def read(api: Api) -> dict[str, str]:
            assert api is state
            return {"default": api.policy(None), "asked": api.policy("received")}

        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as client:
            got = (await client.get("/state")).json()
        assert got == {"default": "completed", "asked": "received"}
        assert isinstance(state.source, IndicatorReader)
        assert state.source.engine is engine
    finally:
        await engine.dispose()
