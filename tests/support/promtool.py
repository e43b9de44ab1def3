"""The promtool binary for tests: found on PATH, or a loud failure saying how to get it."""

from __future__ import annotations

import shutil

import pytest


def promtool() -> str:
    """Path of promtool; fails the test (never skips) when it is missing."""
    found = shutil.which("promtool")
    if found is None:
        pytest.fail(
            "promtool is not on PATH: `make prometheus` (run by `make test`) installs Debian's "
            "prometheus package"
        )
    return found


def prometheus() -> str:
    """Path of the prometheus server; fails the test when it is missing."""
    found = shutil.which("prometheus")
    if found is None:
        pytest.fail("prometheus is not on PATH: `make prometheus` installs Debian's package")
    return found
