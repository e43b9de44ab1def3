"""The running reuse service answers the auditor API with tokens made by the command line,
with the figures the command line prints, on SQLite and PostgreSQL.

It publishes to H10 after test_ingest.py, whose counters must see only its own events: the
module's name keeps it after that one in the session's order.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.province_api import QUERY, ROOT
from tests.support.system import RunningSystem, bearer, cli

pytestmark = pytest.mark.stack


def test_indicators_equal_what_the_cli_prints(
    system: RunningSystem, api: tuple[httpx.Client, dict[str, str]]
) -> None:
    client, tokens = api
    args = ["--unit", ROOT, "--from", QUERY["from"], "--to", QUERY["to"]]
    r = client.get("/v1/indicators", params=QUERY, headers=bearer(tokens["auditor"]))
    assert r.status_code == 200, r.text
    assert r.json() == json.loads(cli(system.config, "indicators", *args, "--format", "json"))
    assert r.json()["metrics"][0]["denominator"] > 50
    children = {**QUERY, "breakdown": "children"}
    r = client.get("/v1/indicators", params=children, headers=bearer(tokens["auditor"]))
    cli_args = [*args, "--breakdown", "children"]
    assert r.json() == json.loads(cli(system.config, "indicators", *cli_args, "--format", "json"))
    assert len(r.json()["units"]) > 3
    r = client.get(
        "/v1/indicators", params={**children, "format": "csv"}, headers=bearer(tokens["auditor"])
    )
    assert r.text == cli(system.config, "indicators", *cli_args, "--format", "csv")


def test_reuse_edges_match_the_reuse_indicator(api: tuple[httpx.Client, dict[str, str]]) -> None:
    client, tokens = api
    auth = bearer(tokens["auditor"])
    figures = client.get("/v1/indicators", params=QUERY, headers=auth).json()
    reused = next(m for m in figures["metrics"] if m["code"] == "REUSED_DIGITIZED_DATA")
    rows: list[dict[str, Any]] = []
    while True:
        page = client.get(
            "/v1/reuse", params={**QUERY, "limit": 100, "offset": len(rows)}, headers=auth
        ).json()
        rows += page["items"]
        if not page["items"]:
            break
    assert len(rows) == page["total"] > 0
    assert len({r["dossier_code"] for r in rows}) == reused["numerator"]
    assert all(r["unit"].split(".")[0] == ROOT for r in rows)


def test_explain_counts_equal_the_indicators(api: tuple[httpx.Client, dict[str, str]]) -> None:
    client, tokens = api
    auth = bearer(tokens["auditor"])
    figures = client.get("/v1/indicators", params=QUERY, headers=auth).json()
    for metric in figures["metrics"]:
        body = client.get(
            "/v1/explain", params={**QUERY, "indicator": metric["code"], "limit": 1}, headers=auth
        ).json()
        assert (body["numerator"], body["denominator"]) == (
            metric["numerator"],
            metric["denominator"],
        ), metric["code"]
    missed = client.get("/v1/missed-reuse", params=QUERY, headers=auth)
    assert missed.status_code == 200, missed.text
    summary = missed.json()
    assert summary["reuse"]["numerator"] == figures["metrics"][2]["numerator"]


def test_tokens_and_roles(api: tuple[httpx.Client, dict[str, str]]) -> None:
    client, tokens = api
    assert client.get("/v1/indicators", params=QUERY).status_code == 401
    revoked = client.get("/v1/indicators", params=QUERY, headers=bearer(tokens["gone"]))
    assert revoked.status_code == 401
    assert revoked.headers["www-authenticate"].startswith("Bearer")
    other = client.get("/v1/indicators", params=QUERY, headers=bearer(tokens["h44"]))
    assert other.status_code == 403
    bad = client.get(
        "/v1/indicators", params={**QUERY, "from": "2026-07-01"}, headers=bearer(tokens["h44"])
    )
    assert bad.status_code == 422
    assert client.get("/metrics").status_code == 200
    assert client.get("/openapi.json").status_code == 200


HOSTILE = (
    "H10' OR '1'='1",
    "H10; DROP TABLE reuse_dossiers; --",
    "' UNION SELECT applicant_hash FROM reuse_dossiers --",
    "../../../etc/passwd",
    "..%2f..%2fvar%2fhash.key",
    "H10\x00",
    "%00",
    "A" * 5000,
)
ENDPOINTS = {
    "/v1/indicators": ("unit", "from", "to", "breakdown", "format", "denominator"),
    "/v1/reuse": ("unit", "from", "to", "limit", "offset"),
    "/v1/missed-reuse": ("unit", "from", "to", "limit", "offset", "denominator"),
    "/v1/explain": ("unit", "from", "to", "indicator", "counted", "limit", "offset"),
}


def test_injection_and_traversal_attempts_are_refused_and_change_nothing(
    api: tuple[httpx.Client, dict[str, str]],
) -> None:
    client, tokens = api
    auth = bearer(tokens["auditor"])
    base = {**QUERY, "indicator": "REUSED_DIGITIZED_DATA"}
    before = client.get("/v1/indicators", params={**QUERY, "breakdown": "children"}, headers=auth)
    tried = 0
    for path, names in ENDPOINTS.items():
        for name in names:
            for value in HOSTILE:
                answer = client.get(path, params={**base, name: value}, headers=auth)
                tried += 1
                assert 400 <= answer.status_code < 500, (path, name, value[:40], answer.text)
    for path in ("/v1/../../etc/passwd", "/v1/indicators/../../var/hash.key", "/%2e%2e/etc"):
        assert client.get(path, headers=auth).status_code == 404, path
    after = client.get("/v1/indicators", params={**QUERY, "breakdown": "children"}, headers=auth)
    assert after.json() == before.json()
    assert tried == sum(len(n) for n in ENDPOINTS.values()) * len(HOSTILE)


def test_schemathesis_finds_no_server_error(api: tuple[httpx.Client, dict[str, str]]) -> None:
    """schemathesis generates requests (valid and invalid) from /openapi.json against the
    running service: none may end in a server error."""
    client, tokens = api
    done = subprocess.run(
        [
            str(Path(sys.executable).with_name("schemathesis")),
            "run",
            str(client.base_url).rstrip("/") + "/openapi.json",
            "--header",
            f"Authorization: Bearer {tokens['auditor']}",
            "--checks",
            "not_a_server_error",
            "--max-examples",
            "20",
            "--request-timeout",
            "30",
            "--seed",
            "20261121",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"},
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "Tested: 4" in done.stdout, done.stdout[-3000:]  # every operation was exercised
