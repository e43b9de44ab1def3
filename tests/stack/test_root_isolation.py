"""Isolation between roots on the running system: two provinces share an applicant and the
same scanned paper (through the real broker, S3, digitizer and reuse service). Every /v1
endpoint answers each role about each root without naming the other root's dossiers, units
or files; missed reuse is found within a root and never across roots."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from minio import Minio

from reuse_tracker.simulator import samples
from reuse_tracker.stack.topics import TopicSpec, ensure_topics
from reuse_tracker.system import progress
from services.reuse.indicators import METRICS
from tests.support import factories as f
from tests.support.kafka_io import producer, send
from tests.support.system import RunningSystem, cli

pytestmark = pytest.mark.stack

ROOTS = ("H46", "H47")  # roots of their own: no other module's figures mix in
APPLICANT = "079203046047"
PERIOD = {"from": "2026-03-01", "to": "2026-03-31"}
ROLES = ("auditor", "province:H46", "province:H47")


def _events(client: Minio) -> list[tuple[str, dict[str, Any]]]:
    """H46 scans the applicant's paper, H47 scans the same paper later, then H46 again."""
    page = samples.a4_page(46)
    out: list[tuple[str, dict[str, Any]]] = []
    scans = (("H46", "H46-D1", "01"), ("H47", "H47-SECRET", "05"), ("H46", "H46-D2", "06"))
    for root in ROOTS:
        out += [
            (root, f.agency(root, None, "province")),
            (root, f.agency(f"{root}.01", root)),
            (root, f.procedure(f"{root}.01")),
        ]
    for root, dossier, day in scans:
        key = f"{root}/2026/03/{day}/{dossier}.jpg"
        client.put_object("inbox", key, io.BytesIO(page), len(page))
        received = f.received(f"{root}.01", dossier, APPLICANT)
        received["data"]["received_at"] = f"2026-03-{day}T08:00:00+07:00"
        scan = f.scanned(f"{root}.01", dossier, f.obj(key, page))
        scan["data"]["scanned_at"] = f"2026-03-{day}T09:00:00+07:00"
        out += [(root, received), (root, scan)]
    return out


@pytest.fixture(scope="module")
def api(system: RunningSystem) -> Iterator[tuple[httpx.Client, dict[str, str]]]:
    """Both roots published and projected; a client and a token per role."""
    bootstrap = system.ports.kafka_bootstrap
    topics = [TopicSpec(f"dossier-events.{r}{tail}") for r in ROOTS for tail in ("", ".rejected")]
    ensure_topics(bootstrap, topics)
    client = Minio(
        f"127.0.0.1:{system.ports.s3}",
        access_key="tracker",
        secret_key="tracker-secret",
        secure=False,
    )
    events = _events(client)
    before = progress(system.ports)
    p = producer(bootstrap)
    for root, event in events:
        send(p, f"dossier-events.{root}", event.get("dossier_code") or event["agency_code"], event)
    p.close()
    deadline = time.monotonic() + 180
    while True:
        now = progress(system.ports)
        if now.handled - before.handled >= len(events) and now.applied >= now.accepted:
            break
        assert time.monotonic() < deadline, f"not processed in time: {now}"
        time.sleep(1.0)
    tokens = {
        role: cli(
            system.config, "token", "create", "--role", role, "--name", f"iso-{role}"
        ).splitlines()[-1]
        for role in ROLES
    }
    with httpx.Client(
        base_url=f"http://127.0.0.1:{system.ports.api}", trust_env=False, timeout=30
    ) as http:
        yield http, tokens


def _requests(unit: str) -> list[tuple[str, dict[str, str]]]:
    base = {"unit": unit, **PERIOD}
    out = [
        ("/v1/indicators", base),
        ("/v1/indicators", {**base, "breakdown": "children"}),
        ("/v1/indicators", {**base, "format": "csv"}),
        ("/v1/reuse", base),
        ("/v1/missed-reuse", {**base, "breakdown": "children"}),
    ]
    return out + [("/v1/explain", {**base, "indicator": m.code}) for m in METRICS]


def test_every_endpoint_and_role_sees_one_root(api: tuple[httpx.Client, dict[str, str]]) -> None:
    http, tokens = api
    for root in ROOTS:
        other = ROOTS[1] if root == ROOTS[0] else ROOTS[0]
        for unit in (root, f"{root}.01"):
            for path, params in _requests(unit):
                for role in ROLES:
                    got = http.get(
                        path, params=params, headers={"Authorization": f"Bearer {tokens[role]}"}
                    )
                    allowed = role in ("auditor", f"province:{root}")
                    assert got.status_code == (200 if allowed else 403), (path, params, role)
                    assert other not in got.text or not allowed, (path, params, role, got.text)
                    assert "SECRET" not in got.text or root == "H47", (path, params, role)


def test_missed_reuse_is_found_within_a_root_only(
    api: tuple[httpx.Client, dict[str, str]],
) -> None:
    http, tokens = api
    auth = {"Authorization": f"Bearer {tokens['auditor']}"}
    h46 = http.get("/v1/missed-reuse", params={"unit": "H46", **PERIOD}, headers=auth).json()
    assert [(r["dossier_code"], r["earlier"]["dossier_code"]) for r in h46["items"]] == [
        ("H46-D2", "H46-D1")
    ]
    h47 = http.get("/v1/missed-reuse", params={"unit": "H47", **PERIOD}, headers=auth).json()
    assert h47["missed_components"] == 0
    assert h47["items"] == []
