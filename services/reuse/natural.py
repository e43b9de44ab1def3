"""Natural order of unit codes: H44.2 before H44.10, as a person reads them."""

from __future__ import annotations

import re
from collections.abc import Iterable

_PARTS = re.compile(r"(\d+)")


def natural_key(code: str) -> tuple[tuple[int, int | str], ...]:
    """A sort key comparing digit runs as numbers and the rest as text (H44.2 < H44.10).

    Each part is tagged so numbers and text never compare with each other; a leading zero
    keeps `H44.02` and `H44.2` apart (the shorter run first) so the order stays total.
    """
    key: list[tuple[int, int | str]] = []
    for part in _PARTS.split(code):
        if not part:
            continue
        if part.isdigit():
            key.append((0, int(part)))
            key.append((1, len(part)))
        else:
            key.append((2, part))
    return tuple(key)


def natural_sorted(codes: Iterable[str]) -> list[str]:
    """The codes in natural order."""
    return sorted(codes, key=natural_key)
