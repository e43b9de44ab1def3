"""Realistic applicant IDs (12-digit CCCD, 10-digit tax codes) and the opaque digests kept."""

from __future__ import annotations

import hashlib
import random

__all__ = ["IdFactory", "digest", "stable_int"]


def stable_int(*parts: object, bits: int = 31) -> int:
    """A stable non-negative integer from ``parts`` (unlike ``hash``, equal across runs)."""
    raw = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return int.from_bytes(raw[:8], "big") >> (64 - bits)


def digest(*parts: object) -> str:
    """An opaque, stable identifier for ``parts`` (never the raw value)."""
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:24]


_PROVINCE_CCCD = {"H44": "025"}  # Phú Thọ's place-of-birth code in the CCCD number
_PROVINCE_TAX = {"H44": "26"}  # Phú Thọ's tax department prefix


class IdFactory:
    """Distinct citizen IDs (CCCD) and tax codes for one province, from a seeded RNG."""

    def __init__(self, root: str, rng: random.Random) -> None:
        self._rng = rng
        self._province = _PROVINCE_CCCD.get(root, f"0{stable_int('cccd', root) % 96 + 1:02d}")
        self._tax = _PROVINCE_TAX.get(root, f"{stable_int('tax', root) % 90 + 10:02d}")
        self._used: set[str] = set()

    def _fresh(self, make: str) -> str:
        while True:
            value = make.format(*(self._rng.randint(0, 9) for _ in range(12)))
            if value not in self._used:
                self._used.add(value)
                return value

    def citizen(self) -> str:
        """A 12-digit CCCD: province, century-and-sex digit, birth year, six digits."""
        century_sex = self._rng.choice("0123")
        year = self._rng.randint(0, 99) if century_sex in "01" else self._rng.randint(0, 7)
        return self._fresh(f"{self._province}{century_sex}{year:02d}" + "{}" * 6)

    def tax_code(self) -> str:
        """A 10-digit enterprise tax code (mã số thuế) of the province."""
        return self._fresh(self._tax + "{}" * 8)
