"""The files a scenario puts into the inbox: page scans (JPEG) and small result PDFs.

Rendering pages is the slow part of a scenario, so the generator first collects
:class:`PageSpec` values and renders the distinct ones at the end, in a small process pool.
"""

from __future__ import annotations

import io
import multiprocessing
import random
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Literal

from PIL import Image, ImageDraw

__all__ = ["PageSpec", "Renderer", "render_all", "render_page", "result_pdf"]


@dataclass(frozen=True)
class PageSpec:
    """One file to render.

    ``scan``: a 200-dpi A4 JPEG of paper ``text_seed`` (``jitter`` > 0 rescans the same paper).
    ``pdf``: a one-page result PDF titled ``title``, dated ``stamp`` (Unix seconds).
    """

    kind: Literal["scan", "pdf"]
    text_seed: int
    jitter: int = 0
    rotate_exif: int | None = None
    title: str = ""
    stamp: int = 0

    @property
    def content_type(self) -> str:
        """The MIME type of the rendered bytes."""
        return "image/jpeg" if self.kind == "scan" else "application/pdf"


Renderer = Callable[[PageSpec], bytes]


def result_pdf(text_seed: int, title: str, stamp: int) -> bytes:
    """A small, valid, deterministic one-page PDF (an A4 page image at 50 dpi)."""
    rng = random.Random(text_seed)
    image = Image.new("L", (413, 585), 255)
    draw = ImageDraw.Draw(image)
    draw.text((40, 30), "CONG HOA XA HOI CHU NGHIA VIET NAM", fill=0)
    draw.text((40, 60), "KET QUA GIAI QUYET THU TUC HANH CHINH", fill=0)
    draw.text((40, 90), title[:60], fill=0)
    y = 130
    while y < 540:
        draw.line((40, y, 40 + rng.randint(120, 330), y), fill=rng.randint(0, 90), width=2)
        y += rng.randint(14, 22)
    out = io.BytesIO()
    image.save(
        out,
        format="PDF",
        resolution=50.0,
        title=title,
        creationDate=time.gmtime(stamp),
        modDate=time.gmtime(stamp),
    )
    return out.getvalue()


def render_page(spec: PageSpec) -> bytes:
    """Render one spec with the digitizer's sample page generator (or a result PDF)."""
    if spec.kind == "pdf":
        return result_pdf(spec.text_seed, spec.title, spec.stamp)
    from .samples import a4_page

    return a4_page(spec.text_seed, dpi=200, rotate_exif=spec.rotate_exif, jitter=spec.jitter)


def render_all(
    specs: Sequence[PageSpec], renderer: Renderer = render_page, workers: int = 2
) -> list[bytes]:
    """Render every spec, in order; in ``workers`` processes when there is enough to do.

    ``renderer`` must be a module-level function (it is pickled to the workers).
    """
    if workers <= 1 or len(specs) < 8:
        return [renderer(s) for s in specs]
    # spawn: the caller may hold threads (progress bars, clients); forking those is unsafe.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        chunk = max(1, min(16, len(specs) // (workers * 8)))
        return list(pool.map(renderer, specs, chunksize=chunk))
