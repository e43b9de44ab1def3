"""The hand-computed province (tests/support/small_province.py) behind the auditor API: its
database, a client of the API on it, and tokens of every kind."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from services.common.db import make_engine, make_read_engine
from services.reuse.api import ApiState, router
from services.reuse.indicators import IndicatorReader
from services.reuse.tokens import create_token, revoke_token
from tests.support import small_province as data


@dataclass
class Province:
    """The province's database, an API client on it, and tokens of every kind."""

    kind: str
    url: str
    var_dir: Path
    engine: AsyncEngine
    client: httpx.AsyncClient
    reader: IndicatorReader
    tokens: dict[str, str]

    def auth(self, who: str = "auditor") -> dict[str, str]:
        """The Authorization header of one of the tokens."""
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    @property
    def env(self) -> dict[str, str]:
        """Environment for the CLI to reach this database."""
        return {"TRACKER_DATABASE_URL": self.url} if self.kind == "postgres" else {}


@asynccontextmanager
async def served_province(kind: str, url: str, var_dir: Path) -> AsyncIterator[Province]:
    """Build the data, create tokens and a client; dispose of them afterwards."""
    engine = make_engine(url)
    read_engine = make_read_engine(url)  # what the service serves the API through
    try:
        await data.build(engine)
        found: dict[str, str] = {}
        for who, role in (
            ("auditor", "auditor"),
            ("h44", "province:H44"),
            ("h10", "province:H10"),
            ("revoked", "auditor"),
        ):
            record, found[who] = await create_token(engine, role, who)
            if who == "revoked":
                await revoke_token(engine, record.id)
        reader = IndicatorReader(read_engine)
        app = FastAPI()
        ApiState(read_engine, reader).attach(app)
        app.include_router(router)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as client:
            yield Province(kind, url, var_dir, engine, client, reader, found)
    finally:
        await read_engine.dispose()
        await engine.dispose()
