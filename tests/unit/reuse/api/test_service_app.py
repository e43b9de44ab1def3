"""The reuse service's own app serves the API: OpenAPI, open /metrics, tokens from its
database (no broker is started: the app's lifespan is not run here)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.common.db import create_tables, make_engine
from services.reuse import app as reuse_app
from services.reuse import tables
from services.reuse.api import ApiState
from services.reuse.settings import ReuseSettings
from services.reuse.tokens import create_token
from tests.unit.reuse.api.statements import WRITE, statements


@pytest.fixture
async def served(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    monkeypatch.setattr(reuse_app, "setup_logging", lambda *_args: None)
    settings = ReuseSettings(var_dir=tmp_path, kafka_bootstrap="127.0.0.1:1")
    engine = make_engine(settings.database_url_for("reuse"))
    await create_tables(engine, tables.metadata)
    _record, token = await create_token(engine, "auditor", "test")
    await engine.dispose()
    app = reuse_app.main(settings)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://reuse.test") as client:
            yield client, token
    finally:
        # The lifespan, whose shutdown disposes of the engines, is not run here: close the
        # read engine's pool the requests used (a collected pool warns of open connections).
        await ApiState.of(app).engine.dispose()


async def test_openapi_describes_the_endpoints(served: tuple[httpx.AsyncClient, str]) -> None:
    client, _token = served
    r = await client.get("/openapi.json")
    assert r.status_code == 200
    spec: dict[str, Any] = r.json()
    assert "Bearer" in spec["info"]["description"]
    assert set(spec["paths"]) == {"/v1/indicators", "/v1/reuse", "/v1/missed-reuse", "/v1/explain"}
    assert spec["components"]["securitySchemes"]["token"] == {
        "type": "http",
        "scheme": "bearer",
        "description": spec["components"]["securitySchemes"]["token"]["description"],
    }
    schemas = spec["components"]["schemas"]
    for name in ("Indicators", "Metric", "ReusePage", "MissedReusePage", "Explanation"):
        assert name in schemas
    assert "from" in schemas["Indicators"]["properties"]
    for path, item in spec["paths"].items():
        op = item["get"]
        assert op["description"], path
        assert op["summary"], path
        assert op["security"] == [{"token": []}], path
        assert {"401", "403", "404", "422"} <= set(op["responses"]), path
        params = {p["name"]: p for p in op["parameters"]}
        assert {"unit", "from", "to"} <= set(params), path
        assert all(p.get("description") for p in params.values()), path
    indicators = spec["paths"]["/v1/indicators"]["get"]
    assert "text/csv" in indicators["responses"]["200"]["content"]
    assert {"breakdown", "format", "denominator"} <= {p["name"] for p in indicators["parameters"]}


@pytest.mark.slow
async def test_metrics_and_health_are_open_the_api_is_not(
    served: tuple[httpx.AsyncClient, str],
) -> None:
    client, token = served
    assert (await client.get("/metrics")).status_code == 200
    # No broker here, so /health says so; what matters is that it asks for no token.
    assert (await client.get("/health")).status_code in (200, 503)
    query = {"unit": "H44", "from": "2026-01-01", "to": "2026-01-31"}
    assert (await client.get("/v1/indicators", params=query)).status_code == 401
    with_token = await client.get(
        "/v1/indicators", params=query, headers={"Authorization": f"Bearer {token}"}
    )
    assert with_token.status_code == 404  # an empty database has seen no unit
    assert (await client.get("/docs")).status_code == 404  # no pages loading outside scripts


async def test_the_services_requests_only_read(served: tuple[httpx.AsyncClient, str]) -> None:
    """The service's own app checks tokens and answers through its read-only engine: no
    INSERT, UPDATE or DELETE while it serves, even for a token never used before."""
    client, token = served
    query = {"unit": "H44", "from": "2026-01-01", "to": "2026-01-31"}
    with statements() as seen:
        for path in ("/v1/indicators", "/v1/reuse", "/v1/missed-reuse", "/v1/explain"):
            extra = {"indicator": "REUSED_DIGITIZED_DATA"} if path == "/v1/explain" else {}
            r = await client.get(
                path, params={**query, **extra}, headers={"Authorization": f"Bearer {token}"}
            )
            assert r.status_code == 404, r.text  # past the token check: the unit is unknown
    assert seen  # the token and the unit were looked up
    assert [s for s in seen if WRITE.match(s)] == []
