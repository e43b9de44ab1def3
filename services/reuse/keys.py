"""Dossier keys as SQL filters that use the (root, dossier_code) primary keys, and the one
way the reuse service cuts long `IN (…)` lists into statements.

`(root, dossier_code) IN (VALUES …)` reads well but SQLite plans it as a scan of the whole
table (seen in EXPLAIN QUERY PLAN), so every statement of a batch would cost time in
proportion to history. `root = ? AND dossier_code IN (…)`, one statement per root and chunk,
is a primary-key probe per dossier on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import and_
from sqlalchemy.sql.expression import ColumnElement

DossierKey = tuple[str, str]
"""(root, dossier_code): the primary key of a dossier in every reuse table."""
CHUNK = 400
"""Values per `IN (…)` list: well under SQLite's 999 bound parameters of old builds."""

T = TypeVar("T")


def chunks(values: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """`values` in their order, at most `size` at a time: one `IN (…)` list per statement."""
    for i in range(0, len(values), size):
        yield values[i : i + size]


def grouped(
    pairs: Iterable[tuple[str, str]], size: int = CHUNK
) -> Iterator[tuple[str, Sequence[str]]]:
    """(first, seconds) groups of at most `size` distinct seconds, both in sorted order: e.g.
    (root, dossier codes) from dossier keys, or (agency, procedures)."""
    by_first: dict[str, set[str]] = defaultdict(set)
    for first, second in pairs:
        by_first[first].add(second)
    for first in sorted(by_first):
        for seconds in chunks(sorted(by_first[first]), size):
            yield first, seconds


def of(table: Any, root: str, codes: Sequence[str]) -> ColumnElement[bool]:
    """`table.root = root AND table.dossier_code IN codes`."""
    return and_(table.c.root == root, table.c.dossier_code.in_(codes))
