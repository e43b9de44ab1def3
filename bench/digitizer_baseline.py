"""The naive Pillow pass: the digitizer benchmark's baseline for the fast path."""

from __future__ import annotations

import hashlib
import io

from PIL import Image, ImageOps

from services.digitizer.pipeline.phash import HASH_HEIGHT, HASH_WIDTH, dhash_bits
from services.digitizer.pipeline.thumbnail import WEBP_METHOD, WEBP_QUALITY


def naive_baseline(data: bytes, thumb_size: int = 256) -> int:
    """Hash and thumbnail a page the obvious way and return its dHash.

    SHA-256, a full-size decode, then every step on the full-size image: EXIF transpose,
    greyscale, a plain LANCZOS resize to the 9x8 hash cells (as common dHash code does), a
    ``thumbnail()`` with Pillow's defaults and its WebP (same settings as the fast path). No
    draft mode; trusted input only (no limits, no error handling).
    """
    hashlib.sha256(data).hexdigest()
    with Image.open(io.BytesIO(data)) as img:
        img.load()
        page = ImageOps.exif_transpose(img)
    cells = page.convert("L").resize((HASH_WIDTH, HASH_HEIGHT), Image.Resampling.LANCZOS)
    thumb = page.convert("RGB")
    thumb.thumbnail((thumb_size, thumb_size))  # Pillow's defaults: BICUBIC, reducing_gap=2
    thumb.save(io.BytesIO(), "WEBP", quality=WEBP_QUALITY, method=WEBP_METHOD)
    return dhash_bits(cells.tobytes())
