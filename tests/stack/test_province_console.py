"""The console on the running reuse service (the real app factory, SQLite and PostgreSQL):
its pages show the API's figures for the same query, with the same tokens and roles.

It reuses test_province_api.py's province H10 (publishing it again changes nothing: ingest
drops the duplicates), so it runs alone or after that module.
"""

from __future__ import annotations

import httpx
import pytest

from tests.support.console_pages import figure, metric_cells, table
from tests.support.province_api import QUERY, ROOT
from tests.support.system import bearer

pytestmark = pytest.mark.stack

PERIOD = {"from": QUERY["from"], "to": QUERY["to"]}


def test_the_console_shows_the_apis_figures(api: tuple[httpx.Client, dict[str, str]]) -> None:
    client, tokens = api
    auth = bearer(tokens["auditor"])
    body = client.get(
        "/v1/indicators", params={**QUERY, "breakdown": "children"}, headers=auth
    ).json()
    page = client.get(f"/console/units/{ROOT}", params=PERIOD, headers=auth)
    assert page.status_code == 200, page.text
    rows = table(page.text, "indicators")[1:-1]
    assert {r[1]: metric_cells(r) for r in rows} == {
        m["code"]: {k: m[k] for k in ("numerator", "denominator", "ratio", "score")}
        for m in body["metrics"]
    }
    assert figure(table(page.text, "indicators")[-1][-1].split("/")[0]) == body["total_score"]
    children = [r[0] for r in table(page.text, "children")[2:]]
    assert children == [u["unit"] for u in body["units"]]
    assert len(children) > 3
    csv_page = client.get(f"/console/units/{ROOT}/indicators.csv", params=PERIOD, headers=auth)
    csv_api = client.get(
        "/v1/indicators", params={**QUERY, "breakdown": "children", "format": "csv"}, headers=auth
    )
    assert csv_page.text == csv_api.text


def test_the_console_refuses_what_the_api_refuses(
    api: tuple[httpx.Client, dict[str, str]],
) -> None:
    client, tokens = api
    path = f"/console/units/{ROOT}"
    assert client.get(path, params=PERIOD, headers=bearer(tokens["h44"])).status_code == 403
    assert client.get(path, params=PERIOD, headers=bearer(tokens["gone"])).status_code == 401
    signed_out = client.get(path, params=PERIOD)
    assert signed_out.status_code == 303
    assert signed_out.headers["location"].startswith("/console/sign-in")
    assert client.get("/").headers["location"] == "/console/"
    assert "script-src" not in signed_out.headers["content-security-policy"]
