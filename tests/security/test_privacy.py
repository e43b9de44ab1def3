"""Privacy after a whole run in production mode: no raw applicant ID in any database file,
log, key file, metrics output or CLI output, and the hashing key never in a log. Production
mode refuses to start without an explicit hashing key.

The S3 store's own data (`var/s3`) is left out of the scan on purpose: it holds the broker's
copy of the publishers' topics and the publishers' inbox, i.e. their input as they sent it.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import MetaData, select
from sqlalchemy.ext.asyncio import create_async_engine

from reuse_tracker.simulator import Rates, generate, publish, write_outputs
from services.ingest.settings import IngestSettings
from tests.support.reliability.expected import applied_ids, expected_of
from tests.support.reliability.harness import Harness, running_system

pytestmark = pytest.mark.stack

ROOT = "H44"
PERIOD = (date(2026, 1, 1), date(2026, 3, 31))
S3_KEYS = ("prod-services", "prod-" + secrets.token_hex(12))
HASH_KEY = secrets.token_hex(32)


def _raw_ids(values: list[bytes]) -> set[str]:
    ids: set[str] = set()
    for value in values:
        try:
            event = json.loads(value)
        except ValueError:
            continue
        if isinstance(event, dict) and event.get("event_type") == "dossier.received":
            raw = (event.get("data") or {}).get("applicant", {}).get("id")
            if isinstance(raw, str):
                ids.add(raw)
    return ids


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Harness, set[str]]]:
    """A province published to the system in production mode, processed to the end."""
    base = tmp_path_factory.mktemp("privacy")
    scenario = generate(ROOT, 80, 5, Rates(), PERIOD)
    write_outputs(scenario, base / "sim")
    raw_ids = _raw_ids([e.value for e in scenario.events])
    assert len(raw_ids) > 40
    env = {"TRACKER_MODE": "production", "TRACKER_HASH_KEY": HASH_KEY}
    with running_system(base / "var", roots=(ROOT,), extra_env=env, s3_keys=S3_KEYS) as h:
        publish(scenario, h.ports.kafka_bootstrap, h.ports.s3_endpoint, *S3_KEYS, progress=False)
        wanted = expected_of(scenario).accepted_ids
        deadline = time.monotonic() + 240
        while not wanted <= applied_ids(h):
            assert time.monotonic() < deadline, "the province was not processed in time"
            time.sleep(2)
        yield h, raw_ids


def _scanned_files(var_dir: Path) -> list[Path]:
    s3 = var_dir / "s3"
    return [p for p in var_dir.rglob("*") if p.is_file() and s3 not in p.parents]


def _database_dump(h: Harness) -> str:
    import asyncio

    async def dump(url: str) -> list[str]:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as conn:
                meta = MetaData()
                await conn.run_sync(meta.reflect)
                out: list[str] = []
                for table in meta.sorted_tables:
                    out.extend(repr(tuple(r)) for r in (await conn.execute(select(table))).all())
                return out
        finally:
            await engine.dispose()

    rows: list[str] = []
    for service in ("ingest", "digitizer", "reuse"):
        rows += asyncio.run(dump(h.database_url(service)))
    return "\n".join(rows)


def _cli(h: Harness, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "reuse_tracker", *args, "--var-dir", str(h.config.var_dir)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env={"PATH": "/usr/bin:/bin"},
    )
    return done.stdout + done.stderr


def test_no_raw_applicant_id_anywhere_the_tracker_writes(run: tuple[Harness, set[str]]) -> None:
    h, raw_ids = run
    dump = _database_dump(h)
    assert dump.count("\n") > 500, "the database dump should not be empty"
    outputs: dict[str, str] = {"database rows": dump}
    for port in (h.ports.ingest_http, h.ports.digitizer_http, h.ports.api):
        outputs[f"metrics :{port}"] = httpx.get(
            f"http://127.0.0.1:{port}/metrics", trust_env=False, timeout=10
        ).text
    for fmt in ("json", "csv", "table"):
        outputs[f"cli {fmt}"] = _cli(
            h,
            "indicators",
            "--unit",
            ROOT,
            "--from",
            PERIOD[0].isoformat(),
            "--to",
            PERIOD[1].isoformat(),
            "--breakdown",
            "children",
            "--format",
            fmt,
        )
    files = _scanned_files(h.config.var_dir)
    assert any(p.suffix == ".db" for p in files)
    assert any(p.suffix == ".log" for p in files)
    found: list[str] = []
    for raw in sorted(raw_ids):
        found += [where for where, text in outputs.items() if raw in text]
        found += [str(p) for p in files if raw.encode() in p.read_bytes()]
    assert not found, f"raw applicant IDs found in: {sorted(set(found))}"


def test_the_hashing_key_is_never_logged_nor_stored_in_clear(
    run: tuple[Harness, set[str]],
) -> None:
    h, _ = run
    assert not (h.config.var_dir / "hash.key").exists(), "production mode must not make a key"
    needles = (HASH_KEY.encode(), HASH_KEY.upper().encode(), bytes.fromhex(HASH_KEY))
    leaked = [
        str(p)
        for p in _scanned_files(h.config.var_dir)
        if any(n in p.read_bytes() for n in needles)
    ]
    assert not leaked


def test_production_mode_requires_a_hashing_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_MODE", "production")
    monkeypatch.setenv("TRACKER_S3_ACCESS_KEY", S3_KEYS[0])
    monkeypatch.setenv("TRACKER_S3_SECRET_KEY", S3_KEYS[1])
    monkeypatch.delenv("TRACKER_HASH_KEY", raising=False)
    with pytest.raises(ValidationError, match="TRACKER_HASH_KEY"):
        IngestSettings()
    monkeypatch.setenv("TRACKER_HASH_KEY", HASH_KEY)
    settings = IngestSettings()
    assert HASH_KEY not in repr(settings)
    assert HASH_KEY not in str(settings.model_dump())


def test_a_refused_configuration_quotes_no_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_MODE", "production")
    monkeypatch.setenv("TRACKER_HASH_KEY", HASH_KEY)
    monkeypatch.delenv("TRACKER_S3_ACCESS_KEY", raising=False)
    monkeypatch.delenv("TRACKER_S3_SECRET_KEY", raising=False)
    with pytest.raises(ValidationError) as refused:
        IngestSettings()  # the local S3 credentials are refused in production
    text = str(refused.value)
    assert "TRACKER_S3_SECRET_KEY" in text
    assert HASH_KEY[-8:] not in text


def _start_ingest(tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "TRACKER_MODE": "production",
        "TRACKER_VAR_DIR": str(tmp_path),
        "TRACKER_KAFKA_BOOTSTRAP": "127.0.0.1:9",  # never reached: it must stop before
        **extra,
    }
    return subprocess.run(
        [sys.executable, "-m", "services.ingest"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )


def test_the_ingest_service_refuses_to_start_without_the_key(tmp_path: Path) -> None:
    done = _start_ingest(
        tmp_path, TRACKER_S3_ACCESS_KEY=S3_KEYS[0], TRACKER_S3_SECRET_KEY=S3_KEYS[1]
    )
    assert done.returncode != 0
    assert "TRACKER_HASH_KEY" in done.stderr
    assert S3_KEYS[1][-8:] not in done.stderr + done.stdout
    assert not (tmp_path / "hash.key").exists()
    done = _start_ingest(tmp_path, TRACKER_HASH_KEY=HASH_KEY)  # local S3 keys: refused too
    assert done.returncode != 0
    assert HASH_KEY[-8:] not in done.stderr + done.stdout
