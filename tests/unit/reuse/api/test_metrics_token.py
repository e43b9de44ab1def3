"""/metrics with TRACKER_METRICS_TOKEN: a bearer token is required and checked; without the
variable /metrics stays open (it is meant for a private scrape network)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from services.reuse import app as reuse_app
from services.reuse.settings import ReuseSettings

TOKEN = "scrape-" + "s" * 40


async def _client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> httpx.AsyncClient:
    monkeypatch.setattr(reuse_app, "setup_logging", lambda *_args: None)
    settings = ReuseSettings(var_dir=tmp_path, kafka_bootstrap="127.0.0.1:1")
    transport = httpx.ASGITransport(app=reuse_app.main(settings))
    return httpx.AsyncClient(transport=transport, base_url="http://reuse.test")


@pytest.fixture
async def guarded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    monkeypatch.setenv("TRACKER_METRICS_TOKEN", TOKEN)
    async with await _client(tmp_path, monkeypatch) as client:
        yield client


async def test_the_scrape_token_is_required(guarded: httpx.AsyncClient) -> None:
    missing = await guarded.get("/metrics")
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert TOKEN not in missing.text
    wrong = await guarded.get("/metrics", headers={"Authorization": "Bearer " + "x" * 47})
    assert wrong.status_code == 401
    basic = await guarded.get("/metrics", headers={"Authorization": f"Basic {TOKEN}"})
    assert basic.status_code == 401
    right = await guarded.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert right.status_code == 200
    assert "tracker_" in right.text


async def test_the_token_can_come_from_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = tmp_path / "metrics-token"
    secret.write_text(TOKEN + "\n")
    monkeypatch.delenv("TRACKER_METRICS_TOKEN", raising=False)
    monkeypatch.setenv("TRACKER_METRICS_TOKEN_FILE", str(secret))
    async with await _client(tmp_path, monkeypatch) as client:
        assert (await client.get("/metrics")).status_code == 401
        ok = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert ok.status_code == 200


async def test_without_the_variable_metrics_stay_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRACKER_METRICS_TOKEN", raising=False)
    monkeypatch.delenv("TRACKER_METRICS_TOKEN_FILE", raising=False)
    async with await _client(tmp_path, monkeypatch) as client:
        assert (await client.get("/metrics")).status_code == 200
