"""The console in real headless Chromium: an auditor signs in, opens the province, sorts,
goes down two levels, opens an explanation, switches the period and downloads the table; a
province token is refused another province; a hostile unit name stays text. Every figure
read off the screen is compared with the API's answer to the same query."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Dialog, Page

from tests.console.browser import chromium, chromium_missing
from tests.console.server import HOSTILE_NAME, HOSTILE_UNIT, Served
from tests.support.console_pages import figure, metric_cells, xlsx_rows

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Chromium, or a loud failure saying how to install it (never a skip)."""
    missing = chromium_missing()
    if missing:
        pytest.fail(missing)
    with chromium() as found:
        yield found


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context (no cookies) and its page; alerts fail the test."""
    context = browser.new_context(accept_downloads=True, locale="vi-VN")
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    dialogs: list[str] = []

    def refuse(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    tab.on("dialog", refuse)
    yield tab
    context.close()
    assert not dialogs, f"a script ran: {dialogs}"


def api_json(served: Served, path: str, **params: str) -> Any:
    with httpx.Client(base_url=served.base, trust_env=False, timeout=30) as http:
        r = http.get(path, params=params, headers=served.auth())
        assert r.status_code == 200, r.text
        return r.json() if "json" in r.headers["content-type"] else r.text


def sign_in(page: Page, served: Served, who: str) -> None:
    page.goto(served.base + "/console/")
    assert "/console/sign-in" in page.url
    page.get_by_label("Mã truy cập (token)").fill(served.tokens[who])
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_load_state()


def screen_metrics(page: Page) -> dict[str, dict[str, float | None]]:
    rows = page.locator("#indicators tbody tr")
    out = {}
    for i in range(rows.count()):
        cells = [c.strip() for c in rows.nth(i).locator("th, td").all_inner_texts()]
        out[cells[1]] = metric_cells(cells)
    return out


def assert_screen_equals_api(page: Page, served: Served, unit: str, period: dict[str, str]) -> None:
    body = api_json(served, "/v1/indicators", unit=unit, **period)
    shown = screen_metrics(page)
    assert list(shown) == [m["code"] for m in body["metrics"]]
    for m in body["metrics"]:
        assert shown[m["code"]] == {
            k: m[k] for k in ("numerator", "denominator", "ratio", "score")
        }, (unit, m["code"])
    total = page.locator('#total [data-field="total_score"]').inner_text()
    assert figure(total) == body["total_score"]


def child_codes(page: Page) -> list[str]:
    return page.locator("#children tbody tr th a").all_inner_texts()


def test_an_auditor_reads_the_province_down_to_the_dossiers(
    page: Page, served: Served, tmp_path: Path
) -> None:
    sign_in(page, served, "auditor")
    page.get_by_role("link", name="H44", exact=True).click()
    assert page.url.startswith(served.base + "/console/units/H44")

    # switch the period: custom dates through the form (no JavaScript needed)
    page.locator("#from").fill("2026-03-01")
    page.locator("#to").fill("2026-03-31")
    page.get_by_role("button", name="Xem").click()
    page.wait_for_load_state()
    assert "from=2026-03-01" in page.url
    assert "to=2026-03-31" in page.url
    assert_screen_equals_api(page, served, "H44", MARCH)
    assert "01/03/2026 – 31/03/2026" in page.locator(".period .current").inner_text()

    # a preset switches the period too
    page.get_by_role("link", name="Từ đầu năm").click()
    assert "from=2026-01-01" in page.url
    year = dict(p.split("=") for p in page.url.split("?")[1].split("&"))
    assert_screen_equals_api(page, served, "H44", {"from": year["from"], "to": year["to"]})
    page.goto(page.url.replace(year["from"], "2026-03-01").replace(year["to"], "2026-03-31"))

    # sort the children by the reuse score, then back by code
    body = api_json(served, "/v1/indicators", unit="H44", breakdown="children", **MARCH)
    natural = [u["unit"] for u in body["units"]]
    assert child_codes(page) == natural
    header = page.locator("#children thead th", has_text="REUSED_DIGITIZED_DATA").get_by_role(
        "link"
    )
    header.click()
    header = page.locator("#children thead th", has_text="REUSED_DIGITIZED_DATA")
    assert header.get_attribute("aria-sort") == "ascending"
    header.get_by_role("link").click()
    assert (
        page.locator("#children thead th", has_text="REUSED_DIGITIZED_DATA").get_attribute(
            "aria-sort"
        )
        == "descending"
    )
    scores = {u["unit"]: u["metrics"][2]["score"] for u in body["units"]}
    shown = child_codes(page)
    assert sorted(shown) == sorted(natural)
    values = [scores[u] for u in shown]
    assert values == sorted(values, key=lambda s: (s is not None, s or 0), reverse=True)

    # down two levels: H44 -> H44.01 -> H44.100
    page.locator("#children").get_by_role("link", name="H44.01", exact=True).click()
    assert_screen_equals_api(page, served, "H44.01", MARCH)
    page.locator("#children").get_by_role("link", name="H44.100", exact=True).click()
    assert_screen_equals_api(page, served, "H44.100", MARCH)
    crumbs = page.locator(".crumbs li").all_inner_texts()
    assert [c.split(" · ")[0] for c in crumbs] == ["H44", "H44.01", "H44.100"]
    page.locator(".crumbs").get_by_role("link", name="H44 · Đơn vị H44").click()

    # open the explanation of the reuse numerator: the dossiers and why
    row = page.locator('#indicators tr[data-code="REUSED_DIGITIZED_DATA"]')
    row.locator("td").nth(1).get_by_role("link").click()
    expected = api_json(
        served,
        "/v1/explain",
        unit="H44",
        indicator="REUSED_DIGITIZED_DATA",
        counted="true",
        **MARCH,
    )
    rows = page.locator("#explain tbody tr")
    assert rows.count() == len(expected["items"]) == expected["numerator"]
    for i, item in enumerate(expected["items"]):
        cells = rows.nth(i).locator("th, td").all_inner_texts()
        assert cells[0].strip() == item["code"]
        assert cells[-1].strip() == item["reason"]
    page.get_by_role("link", name="Không được tính").click()
    missing = api_json(
        served,
        "/v1/explain",
        unit="H44",
        indicator="REUSED_DIGITIZED_DATA",
        counted="false",
        **MARCH,
    )
    assert page.locator("#explain tbody tr").count() == len(missing["items"]) > 0

    # download the table as CSV and Excel: both are the API's CSV
    page.get_by_role("link", name="Chỉ số", exact=True).click()
    api_csv = api_json(
        served, "/v1/indicators", unit="H44", breakdown="children", format="csv", **MARCH
    )
    with page.expect_download() as got:
        page.get_by_role("link", name="Tải CSV").click()
    saved = tmp_path / "table.csv"
    got.value.save_as(saved)
    assert saved.read_text(encoding="utf-8") == api_csv
    with page.expect_download() as got:
        page.get_by_role("link", name="Tải Excel").click()
    book = tmp_path / "table.xlsx"
    got.value.save_as(book)
    assert xlsx_rows(book.read_bytes()) == list(csv.reader(io.StringIO(api_csv)))

    # the reuse and missed-reuse tabs, then sign out
    page.get_by_role("link", name="Bỏ lỡ tái sử dụng").click()
    missed = api_json(served, "/v1/missed-reuse", unit="H44", **MARCH)
    first = page.locator("#missed-summary tbody tr").first.locator("td").all_inner_texts()
    assert figure(first[0]) == missed["missed_components"]
    assert figure(first[5]) == missed["reuse_without_missed"]["score"]
    page.get_by_role("button", name="Đăng xuất").click()
    assert "/console/sign-in" in page.url
    page.goto(served.base + "/console/units/H44")
    assert "/console/sign-in" in page.url


def test_a_province_token_is_refused_another_province(page: Page, served: Served) -> None:
    sign_in(page, served, "h10")
    assert page.url.startswith(served.base + "/console/units/H10")
    for path in (
        "/console/units/H44",
        "/console/units/H44.01/explain?indicator=ORIGINAL_RESULT_AVAILABLE",
    ):
        answer = page.goto(served.base + path)
        assert answer is not None
        assert answer.status == 403, path
        assert "H10" in page.locator("main").inner_text()
        assert page.locator("#indicators").count() == 0


def test_a_hostile_unit_name_is_text(page: Page, served: Served) -> None:
    sign_in(page, served, "h44")
    page.goto(served.base + "/console/units/H44?from=2026-03-01&to=2026-03-31")
    row = page.locator(f'#children tr[data-unit="{HOSTILE_UNIT}"]')
    assert row.locator("td.name").inner_text() == HOSTILE_NAME
    assert page.locator("main img, main script").count() == 0
    page.goto(served.base + f"/console/units/{HOSTILE_UNIT}?from=2026-03-01&to=2026-03-31")
    assert HOSTILE_NAME in page.locator("h1").inner_text()
    assert page.title().startswith(HOSTILE_UNIT)


def test_the_keyboard_reaches_and_sorts_everything(page: Page, served: Served) -> None:
    sign_in(page, served, "auditor")
    page.goto(served.base + "/console/units/H44?from=2026-03-01&to=2026-03-31")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")
    header = page.locator("#children thead th", has_text="SO_HOA_GIAY_TO_GIAI_QUYET")
    header.get_by_role("link").focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    sorted_header = page.locator("#children thead th", has_text="SO_HOA_GIAY_TO_GIAI_QUYET")
    assert sorted_header.get_attribute("aria-sort") == "ascending"
    assert page.locator("#children caption, #indicators caption").count() >= 1
    assert page.locator("#indicators tbody th[scope=row]").count() == 7
