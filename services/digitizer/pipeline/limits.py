"""Bounds applied to every untrusted file."""

from __future__ import annotations

from dataclasses import dataclass

MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Resource limits for one file.

    ``max_pixels`` is per page and well under Pillow's own decompression-bomb threshold
    (``Image.MAX_IMAGE_PIXELS``, about 89 million). ``max_seconds`` is not enforced here: the
    caller runs the pipeline in a process pool and gives up on the future after this long.
    """

    max_bytes: int = 50 * MIB
    max_pixels: int = 60_000_000
    max_pages: int = 200
    max_seconds: float = 20.0
    thumb_size: int = 256


DEFAULT_LIMITS = Limits()
