"""A fast stand-in for page rendering in tests (tiny JPEGs, real result PDFs)."""

from __future__ import annotations

import io
import random

from PIL import Image

from reuse_tracker.simulator.pages import PageSpec, result_pdf


def tiny_page(spec: PageSpec) -> bytes:
    """A 16x22 JPEG that differs by paper, jitter and rotation (deterministic)."""
    if spec.kind == "pdf":
        return result_pdf(spec.text_seed, spec.title, spec.stamp)
    rng = random.Random(f"{spec.text_seed}/{spec.jitter}")
    image = Image.new("L", (16, 22), 255)
    image.putdata([rng.randint(0, 255) for _ in range(16 * 22)])
    out = io.BytesIO()
    exif = Image.Exif()
    if spec.rotate_exif is not None:
        exif[0x0112] = spec.rotate_exif
    image.save(out, format="JPEG", quality=85, exif=exif.tobytes())
    return out.getvalue()
