"""The console served over HTTP once per session (see server.py)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.console.server import Served, serve_console


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The console and API over the hand-computed province."""
    with serve_console(tmp_path_factory.mktemp("console")) as found:
        yield found


@pytest.fixture
def http(served: Served) -> Iterator[httpx.Client]:
    """A plain HTTP client of the console (no cookies kept between tests)."""
    with httpx.Client(base_url=served.base, trust_env=False, timeout=30) as client:
        yield client
