"""The console over real HTTP with bearer tokens: its figures are the API's, it refuses what
the API refuses, escapes what publishers send, and guards its forms."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import httpx
import pytest

from services.reuse.console.headers import CSP
from services.reuse.pull import points_lost
from tests.console.server import HOSTILE_NAME, HOSTILE_UNIT, Served
from tests.support import small_province as data
from tests.support.console_pages import figure, metric_cells, table, xlsx_rows

START, END = data.PERIOD
PERIOD = {"from": START.isoformat(), "to": END.isoformat()}


def api(http: httpx.Client, served: Served, path: str, **params: str) -> Any:
    r = http.get(path, params={**PERIOD, **params}, headers=served.auth())
    assert r.status_code == 200, r.text
    return r


def page(http: httpx.Client, served: Served, path: str, **params: str) -> str:
    r = http.get(path, params={**PERIOD, **params}, headers=served.auth())
    assert r.status_code == 200, r.text
    return r.text


def assert_unit_page_equals_api(html: str, body: dict[str, Any], lang: str = "vi") -> None:
    rows = table(html, "indicators")
    shown = {row[1]: metric_cells(row, lang) for row in rows[1:-1]}
    assert list(shown) == [m["code"] for m in body["metrics"]]
    for m in body["metrics"]:
        expected = {k: m[k] for k in ("numerator", "denominator", "ratio", "score")}
        assert shown[m["code"]] == expected, m["code"]
    total_row = rows[-1]
    assert figure(total_row[-2], lang) == body["ratio"]
    assert figure(total_row[-1].split("/")[0], lang) == body["total_score"]


@pytest.mark.parametrize("unit", ["H44", "H44.01", "H44.100", "H44.02", "H44.03"])
def test_every_figure_of_a_unit_page_is_the_apis(
    http: httpx.Client, served: Served, unit: str
) -> None:
    body = api(http, served, "/v1/indicators", unit=unit, breakdown="children").json()
    html = page(http, served, f"/console/units/{unit}")
    assert_unit_page_equals_api(html, body)
    children = table(html, "children")[2:]
    assert [row[0] for row in children] == [u["unit"] for u in body.get("units", [])]
    for row, child in zip(children, body.get("units", []), strict=True):
        cells = row[2:]
        for i, m in enumerate(child["metrics"]):
            got = [figure(c) for c in cells[4 * i : 4 * i + 4]]
            assert got == [m["numerator"], m["denominator"], m["ratio"], m["score"]]
        assert figure(cells[-3]) == child["total_score"]
        assert figure(cells[-2]) == child["ratio"]
        lost = points_lost(child, body["metrics"][0]["denominator"])
        assert figure(cells[-1]) == float(f"{lost:.2f}")


def test_english_labels_and_number_format(http: httpx.Client, served: Served) -> None:
    body = api(http, served, "/v1/indicators", unit="H44").json()
    vi = page(http, served, "/console/units/H44")
    en = page(http, served, "/console/units/H44", lang="en")
    assert_unit_page_equals_api(en, body, "en")
    ratio = f"{body['ratio']:.2f}"
    assert f"{ratio.replace('.', ',')}%" in vi
    assert f"{ratio}%" in en
    assert 'lang="vi"' in vi
    assert "Tỷ lệ khai thác, sử dụng lại thông tin, dữ liệu số hóa" in vi
    assert 'lang="en"' in en
    assert "Digitized data reused" in en


def test_children_are_in_natural_order_in_the_api_and_the_console(
    http: httpx.Client, served: Served
) -> None:
    body = api(http, served, "/v1/indicators", unit="H44", breakdown="children").json()
    order = ["H44.01", "H44.02", "H44.03", "H44.9", "H44.10"]
    assert [u["unit"] for u in body["units"]] == order
    rows = table(page(http, served, "/console/units/H44"), "children")[2:]
    assert [r[0] for r in rows] == order
    down = table(page(http, served, "/console/units/H44", sort="unit", dir="desc"), "children")
    assert [r[0] for r in down[2:]] == order[::-1]
    units = api(
        http, served, "/v1/explain", unit="H44", indicator="ELECTRONIC_CERTIFIED_COPY"
    ).json()["items"]
    assert [u["code"] for u in units] == ["H44", "H44.01", "H44.02", "H44.9", "H44.10", "H44.100"]


def test_sorting_by_points_lost(http: httpx.Client, served: Served) -> None:
    body = api(http, served, "/v1/indicators", unit="H44", breakdown="children").json()
    html = page(http, served, "/console/units/H44", sort="lost", dir="desc")
    shown = [r[0] for r in table(html, "children")[2:]]
    dossiers = body["metrics"][0]["denominator"]
    lost = {u["unit"]: points_lost(u, dossiers) for u in body["units"]}
    assert [lost[u] for u in shown] == sorted(lost.values(), reverse=True)


def test_sorting_by_an_indicator(http: httpx.Client, served: Served) -> None:
    body = api(http, served, "/v1/indicators", unit="H44", breakdown="children").json()
    code = "SO_HOA_GIAY_TO_GIAI_QUYET"
    html = page(http, served, "/console/units/H44", sort=code, dir="desc")
    shown = [r[0] for r in table(html, "children")[2:]]
    scores = {u["unit"]: u["metrics"][1]["score"] for u in body["units"]}
    assert [scores[u] for u in shown] == sorted(
        scores.values(), key=lambda s: (s is not None, s or 0), reverse=True
    )


@pytest.mark.parametrize("indicator", ["REUSED_DIGITIZED_DATA", "CITIZEN_DATA_CONNECTED_FORMALITY"])
def test_explanations_are_the_apis(http: httpx.Client, served: Served, indicator: str) -> None:
    for counted in ("true", "false"):
        expected = api(
            http, served, "/v1/explain", unit="H44", indicator=indicator, counted=counted
        ).json()
        html = page(
            http, served, "/console/units/H44/explain", indicator=indicator, counted=counted
        )
        rows = table(html, "explain")[1:]
        assert [r[0].split(" · ")[0] for r in rows] == [i["code"] for i in expected["items"]]
        assert [r[-1] for r in rows] == [i["reason"] for i in expected["items"]]
        assert f'data-field="numerator">{expected["numerator"]}<' in html
        assert f'data-field="denominator">{expected["denominator"]}<' in html


def test_reuse_and_missed_reuse_tabs_are_the_apis(http: httpx.Client, served: Served) -> None:
    reuse = api(http, served, "/v1/reuse", unit="H44").json()
    html = page(http, served, "/console/units/H44/reuse")
    assert f'data-field="verified">{reuse["verified"]}<' in html
    assert f'data-field="claimed">{reuse["total"] - reuse["verified"]}<' in html
    rows = table(html, "reuse")[1:]
    assert [(r[0], r[3]) for r in rows] == [
        (i["dossier_code"], i["component_code"]) for i in reuse["items"]
    ]
    missed = api(http, served, "/v1/missed-reuse", unit="H44", breakdown="children").json()
    html = page(http, served, "/console/units/H44/missed")
    summary = table(html, "missed-summary")[1:]
    for row, s in zip(summary, [missed, *missed["units"]], strict=True):
        assert row[0].split(" · ")[0] == s["unit"]
        assert figure(row[1]) == s["missed_components"]
        assert figure(row[4]) == s["reuse"]["score"]
        assert figure(row[6]) == s["reuse_without_missed"]["score"]
    assert [r[0] for r in table(html, "missed")[1:]] == [i["dossier_code"] for i in missed["items"]]


def test_trend_months_are_the_apis(http: httpx.Client, served: Served) -> None:
    html = page(http, served, "/console/units/H44/trend")
    rows = table(html, "trend")[1:]
    assert len(rows) == 12
    assert rows[-1][0] == "03/2026"
    march = api(http, served, "/v1/indicators", unit="H44").json()
    assert [figure(c) for c in rows[-1][1:-1]] == [m["score"] for m in march["metrics"]]
    assert figure(rows[-1][-1]) == march["total_score"]
    assert html.count("<svg") == 2
    assert "<script" not in html


def test_downloads_equal_the_apis_csv(http: httpx.Client, served: Served) -> None:
    expected = api(
        http, served, "/v1/indicators", unit="H44", breakdown="children", format="csv"
    ).text
    got = http.get("/console/units/H44/indicators.csv", params=PERIOD, headers=served.auth())
    assert got.status_code == 200
    assert got.text == expected
    assert got.headers["content-disposition"].startswith("attachment;")
    book = http.get("/console/units/H44/indicators.xlsx", params=PERIOD, headers=served.auth())
    assert xlsx_rows(book.content) == list(csv.reader(io.StringIO(expected)))


def test_a_province_token_sees_only_its_tree(http: httpx.Client, served: Served) -> None:
    for path in ("", "/explain", "/reuse", "/missed", "/trend", "/indicators.csv"):
        params = {**PERIOD, "indicator": "REUSED_DIGITIZED_DATA"}
        r = http.get(f"/console/units/H44.01{path}", params=params, headers=served.auth("h10"))
        assert r.status_code == 403, path
        assert "H10" in r.text  # the page says which tree the token reads
        ok = http.get(f"/console/units/H44.01{path}", params=params, headers=served.auth("h44"))
        assert ok.status_code == 200, path
    home = http.get("/console/", headers=served.auth("h44"))
    assert home.status_code == 303
    assert home.headers["location"] == "/console/units/H44"


def test_credentials_are_required(http: httpx.Client, served: Served) -> None:
    r = http.get("/console/units/H44", params=PERIOD)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/console/sign-in?next=%2Fconsole%2Funits%2FH44")
    bad = http.get("/console/units/H44", headers={"Authorization": "Bearer rtk_" + "x" * 43})
    assert bad.status_code == 401
    assert bad.headers["www-authenticate"].startswith("Bearer")
    assert http.get("/console/units/NOPE", headers=served.auth()).status_code == 404
    assert http.get("/console/units/h44<x>", headers=served.auth()).status_code == 404
    assert (
        http.get(
            "/console/units/H44",
            params={"from": "2026-13-01", "to": "2026-03-01"},
            headers=served.auth(),
        ).status_code
        == 422
    )


def test_hostile_names_are_text(http: httpx.Client, served: Served) -> None:
    for path in (f"/console/units/{HOSTILE_UNIT}", "/console/units/H44"):
        html = page(http, served, path)
        assert HOSTILE_NAME not in html
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x" in html
        assert "<script" not in html
        assert "<img" not in html


def test_security_headers(http: httpx.Client, served: Served) -> None:
    for path in ("/console/units/H44", "/console/sign-in", "/console/static/console.css"):
        r = http.get(path, params=PERIOD, headers=served.auth())
        assert r.headers["content-security-policy"] == CSP, path
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["x-content-type-options"] == "nosniff"
    assert http.get("/console/units/H44", headers=served.auth()).headers["cache-control"] == (
        "no-store"
    )
    assert "content-security-policy" not in http.get("/v1/indicators").headers
    root = http.get("/")
    assert (root.status_code, root.headers["location"]) == (307, "/console/")


def sign_in_form(http: httpx.Client) -> tuple[str, str]:
    """GET the sign-in page: the CSRF cookie is set and the form's field returned."""
    html = http.get("/console/sign-in").text
    marker = 'name="csrf" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)], html


def test_sign_in_and_out_need_the_csrf_field(http: httpx.Client, served: Served) -> None:
    csrf, _ = sign_in_form(http)
    token = served.tokens["auditor"]
    refused = http.post("/console/sign-in", data={"token": token})
    assert refused.status_code == 403
    assert "rt_session" not in refused.cookies
    forged = http.post(
        "/console/sign-in",
        data={"token": token, "csrf": csrf},
        headers={"Origin": "http://evil.example"},
    )
    assert forged.status_code == 403
    wrong = http.post("/console/sign-in", data={"token": "rtk_nope", "csrf": csrf})
    assert wrong.status_code == 401
    done = http.post(
        "/console/sign-in", data={"token": token, "csrf": csrf, "next": "//evil.example/"}
    )
    assert done.status_code == 303
    assert done.headers["location"] == "/console/"
    cookie = done.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "SameSite=Strict" in cookie
    assert token not in cookie.split(";")[0].split("=", 1)[1].split(".")[1]
    assert http.get("/console/units/H44", params=PERIOD).status_code == 200
    assert http.post("/console/sign-out", data={}).status_code == 403
    out = http.post("/console/sign-out", data={"csrf": csrf})
    assert out.status_code == 303
    assert http.get("/console/units/H44", params=PERIOD).status_code == 303


def test_a_tampered_session_cookie_is_refused(http: httpx.Client, served: Served) -> None:
    csrf, _ = sign_in_form(http)
    http.post("/console/sign-in", data={"token": served.tokens["h10"], "csrf": csrf})
    value = http.cookies["rt_session"]
    payload, mac = value.split(".")
    http.cookies.set("rt_session", payload + "." + mac[:-2] + ("AA" if mac[-2:] != "AA" else "BB"))
    assert http.get("/console/units/H44", params=PERIOD).status_code == 303


def links(html: str) -> list[str]:
    """Every href of the page, unescaped."""
    return [h.replace("&amp;", "&") for h in re.findall(r'href="([^"]*)"', html)]


def test_period_and_language_links_keep_what_the_page_shows(
    http: httpx.Client, served: Served
) -> None:
    html = page(
        http,
        served,
        "/console/units/H44/explain",
        indicator="REUSED_DIGITIZED_DATA",
        counted="false",
    )
    kept = [h for h in links(html) if "from=2026-01-01" in h or "lang=en" in h]
    assert len(kept) >= 2
    for href in kept:
        assert href.startswith("/console/units/H44/explain?"), href
        assert "indicator=REUSED_DIGITIZED_DATA" in href
        assert "counted=false" in href
        assert http.get(href, headers=served.auth()).status_code == 200
    assert '<input type="hidden" name="indicator" value="REUSED_DIGITIZED_DATA">' in html
    sorted_page = page(http, served, "/console/units/H44", sort="lost", dir="desc")
    english = next(h for h in links(sorted_page) if "lang=en" in h)
    assert "sort=lost" in english
    assert "dir=desc" in english


def test_pages_are_compressed_and_the_api_is_not(http: httpx.Client, served: Served) -> None:
    gz = {"Accept-Encoding": "gzip", **served.auth()}
    r = http.get("/console/units/H44", params=PERIOD, headers=gz)
    assert r.headers["content-encoding"] == "gzip"
    assert r.headers["content-security-policy"] == CSP
    assert (
        "content-encoding"
        not in http.get(
            "/v1/indicators", params={**PERIOD, "unit": "H44", "breakdown": "children"}, headers=gz
        ).headers
    )
