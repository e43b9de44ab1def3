"""Keyed hashing of applicant IDs: the raw value never leaves intake."""

from __future__ import annotations

import hashlib
import hmac


class ApplicantHasher:
    """HMAC-SHA256 of a normalized personal ID or tax code under a secret key."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 32:
            raise ValueError("the applicant hashing key must be at least 32 bytes")
        self._key = key

    def __repr__(self) -> str:
        return "ApplicantHasher(key=<redacted>)"

    def hash(self, raw_id: str) -> str:
        """The keyed hash of an ID; spaces, dashes and letter case do not change it."""
        if raw_id.isascii() and raw_id.isalnum():  # the usual case, without a pass per char
            normalized = raw_id.upper()
        else:
            normalized = "".join(ch for ch in raw_id if ch.isalnum()).upper()
        return hmac.new(self._key, normalized.encode("utf-8"), hashlib.sha256).hexdigest()
