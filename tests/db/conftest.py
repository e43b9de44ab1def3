"""Fresh databases: a SQLite file in a temporary folder, or a new PostgreSQL database on the
server at 127.0.0.1:5432 (dropped afterwards; unreachable means failure, never a skip)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support import pg


@pytest.fixture
def fresh_url(tmp_path: Path) -> Iterator[Callable[[str], str]]:
    """`fresh_url(kind)`: the URL of a new, empty database of that kind."""
    created: list[str] = []
    counter = iter(range(1_000_000))

    def make(kind: str) -> str:
        if kind == "sqlite":
            return f"sqlite+aiosqlite:///{tmp_path / f'db{next(counter)}.db'}"
        name, url = pg.new_database()
        created.append(name)
        return url

    yield make
    for name in created:
        pg.drop(name)
