"""An auditor API over any list of facts, on SQLite or PostgreSQL, with tokens of every role."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from fastapi import FastAPI

from schemas.internal import Fact
from services.common.db import create_tables, make_engine
from services.reuse import tables
from services.reuse import tokens as _tokens  # noqa: F401 - registers reuse_tokens
from services.reuse.api import ApiState, router
from services.reuse.projection import Projection
from services.reuse.tokens import create_token
from tests.support.pg import fresh_database


@dataclass
class Served:
    """A client on the API and a bearer token per role name (`auditor`, `province:H44`...)."""

    client: httpx.AsyncClient
    tokens: dict[str, str]

    async def get(self, path: str, role: str, **params: str) -> httpx.Response:
        """GET with the token of `role`."""
        headers = {"Authorization": f"Bearer {self.tokens[role]}"}
        return await self.client.get(path, params=params, headers=headers)


@asynccontextmanager
async def database(kind: str, tmp: Path) -> AsyncIterator[str]:
    """A fresh database URL of either kind."""
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp / 'served.db'}"
    else:
        async with fresh_database("tracker_served") as url:
            yield url


@asynccontextmanager
async def served(
    url: str, batches: Sequence[Sequence[Fact]], roles: Sequence[str]
) -> AsyncIterator[Served]:
    """Project the batches into a new database at `url` and serve the API over it."""
    engine = make_engine(url)
    try:
        await create_tables(engine, tables.metadata)
        projection = Projection(engine)
        for batch in batches:
            await projection.apply(list(batch))
        found = {role: (await create_token(engine, role, role))[1] for role in roles}
        app = FastAPI()
        ApiState(engine).attach(app)
        app.include_router(router)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as client:
            yield Served(client, found)
    finally:
        await engine.dispose()
