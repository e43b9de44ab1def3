"""Dossier keys as SQL filters that use the (root, dossier_code) primary keys.

`(root, dossier_code) IN (VALUES …)` reads well but SQLite plans it as a scan of the whole
table (seen in EXPLAIN QUERY PLAN), so every statement of a batch would cost time in
proportion to history. `root = ? AND dossier_code IN (…)`, one statement per root and chunk,
is a primary-key probe per dossier on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import and_
from sqlalchemy.sql.expression import ColumnElement

DossierKey = tuple[str, str]
CHUNK = 400
"""Dossier codes per statement: well under SQLite's 999 bound parameters of old builds."""


def chunks(keys: Iterable[DossierKey], size: int = CHUNK) -> Iterator[tuple[str, list[str]]]:
    """(root, dossier codes) groups of at most `size` codes, in sorted order (any pairs
    work: grouped by their first element)."""
    by_root: dict[str, set[str]] = defaultdict(set)
    for root, code in keys:
        by_root[root].add(code)
    for root in sorted(by_root):
        codes = sorted(by_root[root])
        for i in range(0, len(codes), size):
            yield root, codes[i : i + size]


def of(table: Any, root: str, codes: list[str]) -> ColumnElement[bool]:
    """`table.root = root AND table.dossier_code IN codes`."""
    return and_(table.c.root == root, table.c.dossier_code.in_(codes))
