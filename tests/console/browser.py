"""Debian's Chromium, headless, driven by Playwright (whose own browser download needs an
outside origin): the flags keep it from calling anywhere."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager

from playwright.sync_api import Browser, sync_playwright

from reuse_tracker.screenshots import ARGS, CHROMIUM


def chromium_missing() -> str | None:
    """Why Chromium cannot run here, or None."""
    if shutil.which(CHROMIUM) is None:
        return f"{CHROMIUM} is missing: `make chromium` installs Debian's package"
    return None


@contextmanager
def chromium() -> Iterator[Browser]:
    """A headless Chromium for the duration of the block."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()
