"""Step 4: a 64-bit difference hash (dHash) of a page, stable across rescans of the paper."""

from __future__ import annotations

from typing import Final

from PIL import Image, JpegImagePlugin

from .images import flatten

HASH_WIDTH: Final = 9
HASH_HEIGHT: Final = 8


def dhash64(img: Image.Image) -> int:
    """The 64-bit difference hash of ``img`` as given (orientation is the caller's business).

    Grey levels are averaged down to 9x8 cells; bit ``8*row + col`` (counted from the most
    significant end) is set when cell ``col`` is brighter than cell ``col + 1`` of that row.
    A JPEG that is not decoded yet is decoded in ``draft`` mode, grey and at reduced scale.
    """
    if isinstance(img, JpegImagePlugin.JpegImageFile) and img.tile:
        img.draft("L", (HASH_WIDTH * 8, HASH_HEIGHT * 8))
    gray = flatten(img)
    if gray.mode != "L":
        gray = gray.convert("L")
    # reducing_gap box-averages first, so a large page costs about the same as a small one.
    cells = gray.resize((HASH_WIDTH, HASH_HEIGHT), Image.Resampling.LANCZOS, reducing_gap=3.0)
    return dhash_bits(cells.tobytes())


def dhash_bits(cells: bytes) -> int:
    """The 64 comparison bits of a 9x8 grey image given as its raw bytes, row by row."""
    if len(cells) != HASH_WIDTH * HASH_HEIGHT:
        raise ValueError(f"expected {HASH_WIDTH * HASH_HEIGHT} grey values, got {len(cells)}")
    value = 0
    for row in range(HASH_HEIGHT):
        base = row * HASH_WIDTH
        for col in range(HASH_WIDTH - 1):
            value = (value << 1) | (cells[base + col] > cells[base + col + 1])
    return value


def hamming(a: int, b: int) -> int:
    """The number of differing bits between two hashes."""
    return (a ^ b).bit_count()
