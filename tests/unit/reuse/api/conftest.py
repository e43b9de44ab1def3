"""The auditor API over the hand-computed province, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support.pg import fresh_database
from tests.unit.reuse.api.province import Province, served_province


@pytest.fixture(
    scope="session",
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
async def province(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Province]:
    """The hand-computed province, served by the API (with tokens already created)."""
    var_dir = tmp_path_factory.mktemp(f"api-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{var_dir / 'reuse.db'}"
        async with served_province("sqlite", url, var_dir) as p:
            yield p
    else:
        async with (
            fresh_database("tracker_api") as url,
            served_province("postgres", url, var_dir) as p,
        ):
            yield p
