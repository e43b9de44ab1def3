"""Screenshots of the running console (`make screenshots`), for the README.

Debian's Chromium, headless, through Playwright (whose own browser download needs an outside
origin): the province page and one unit's page, signed in with a bearer token.
"""

from __future__ import annotations

from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PROVINCE_FILE = "console-province.png"
UNIT_FILE = "console-unit.png"


def take(province_url: str, token: str, unit: str, out_dir: Path) -> list[Path]:
    """Save the province page (`province_url`) and the page of `unit` (same period) as PNG
    files in `out_dir`; returns their paths."""
    from playwright.sync_api import sync_playwright

    out_dir.mkdir(parents=True, exist_ok=True)
    base, _, query = province_url.partition("?")
    unit_url = f"{base.rsplit('/', 1)[0]}/{unit}?{query}"
    saved = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = browser.new_context(
                viewport={"width": 1360, "height": 900},
                extra_http_headers={"Authorization": f"Bearer {token}"},
                locale="vi-VN",
            )
            page = context.new_page()
            for url, name in ((province_url, PROVINCE_FILE), (unit_url, UNIT_FILE)):
                answer = page.goto(url)
                if answer is None or answer.status != 200:
                    raise RuntimeError(f"{url} answered {answer and answer.status}")
                path = out_dir / name
                page.screenshot(path=str(path), full_page=False)
                saved.append(path)
        finally:
            browser.close()
    return saved
