"""Step 1: size bound and SHA-256, before any parsing."""

from __future__ import annotations

import hashlib
import hmac

from .limits import Limits
from .outcome import Rejected


def check_checksum(data: bytes, expected_sha256: str | None, limits: Limits) -> str | Rejected:
    """Return the lowercase hex SHA-256 of ``data``, or why it is refused.

    Files over ``limits.max_bytes`` are refused before hashing (``image_too_large``); a digest
    other than ``expected_sha256`` (compared case-insensitively) is ``checksum_mismatch``.
    """
    if len(data) > limits.max_bytes:
        return Rejected(
            "image_too_large",
            f"file is {len(data)} bytes, over the limit of {limits.max_bytes} bytes",
        )
    digest = hashlib.sha256(data).hexdigest()
    if expected_sha256 is not None:
        expected = expected_sha256.strip().lower()
        if not hmac.compare_digest(digest.encode(), expected.encode("ascii", "replace")):
            shown = expected if _is_hex64(expected) else "a value that is not 64 hex digits"
            return Rejected(
                "checksum_mismatch",
                f"sha256 of the bytes is {digest}, the event declared {shown}",
            )
    return digest


def _is_hex64(value: str) -> bool:
    return len(value) == 64 and all(c in "0123456789abcdef" for c in value)
