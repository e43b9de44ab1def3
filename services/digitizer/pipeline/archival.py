"""Step 6: an archival PDF of every page of an image file, colour kept, at its own resolution."""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterator, Sequence
from typing import Final

from PIL import Image

from .images import (
    ImageKind,
    flatten,
    iter_pages,
    open_image,
    orientation,
    pil_guard,
    rejection_for,
)
from .jpegstream import clean_jpeg
from .outcome import PageInfo, Rejected
from .pdfwrite import PdfPageImage, write_image_pdf

#: Resolution assumed for pages whose file records none (or an implausibly low one).
DEFAULT_DPI: Final = 200.0
MIN_DPI: Final = 10.0
#: JPEG settings for pages that must be re-encoded (PNG, TIFF, rotated or CMYK JPEG).
JPEG_QUALITY: Final = 90

_ICC_SPACES: Final = {"L": b"GRAY", "RGB": b"RGB "}


def make_archival_pdf(data: bytes, kind: ImageKind, pages: Sequence[PageInfo]) -> bytes | Rejected:
    """A PDF with one page per image page, sized from the page's dpi (or 200).

    An upright L or RGB JPEG is copied in unchanged (no generation loss, no decode) minus its
    metadata segments; other pages are decoded, turned upright and stored as 1-bit Flate (mode
    1), grey JPEG (L) or colour JPEG (everything else, transparency flattened onto white).
    """
    try:
        with pil_guard():
            return write_image_pdf(_pdf_pages(data, kind, pages))
    except MemoryError:
        raise
    except Exception as exc:
        return rejection_for(exc, kind)


def _pdf_pages(data: bytes, kind: ImageKind, pages: Sequence[PageInfo]) -> Iterator[PdfPageImage]:
    if kind == "jpeg":
        direct = _jpeg_passthrough(data, pages[0])
        if direct is not None:
            yield direct
            return
    for info, img in zip(pages, iter_pages(data, kind, len(pages)), strict=True):
        yield _encode_page(img, info)


def _page_points(info: PageInfo) -> tuple[float, float]:
    dpi = info.dpi if info.dpi is not None and info.dpi >= MIN_DPI else DEFAULT_DPI
    return info.width * 72.0 / dpi, info.height * 72.0 / dpi


def _icc_for(img: Image.Image, mode: str) -> bytes | None:
    """The embedded ICC profile, if it describes ``mode``'s colour space."""
    profile = img.info.get("icc_profile")
    if isinstance(profile, bytes) and len(profile) >= 128 and profile[16:20] == _ICC_SPACES[mode]:
        return profile
    return None


def _jpeg_passthrough(data: bytes, info: PageInfo) -> PdfPageImage | None:
    img = open_image(data, "jpeg")
    if img.mode not in ("L", "RGB") or orientation(img) != 1:
        return None
    stream = clean_jpeg(data)
    if stream is None:
        return None
    width, height = _page_points(info)
    return PdfPageImage(
        width=img.width,
        height=img.height,
        color_space="DeviceGray" if img.mode == "L" else "DeviceRGB",
        bits_per_component=8,
        filter="DCTDecode",
        data=stream,
        page_width_pt=width,
        page_height_pt=height,
        icc_profile=_icc_for(img, img.mode),
    )


def _encode_page(img: Image.Image, info: PageInfo) -> PdfPageImage:
    width, height = _page_points(info)
    if img.mode == "1":
        # Pillow packs 1 = white, as PDF's DeviceGray reads one-bit samples.
        return PdfPageImage(
            width=img.width,
            height=img.height,
            color_space="DeviceGray",
            bits_per_component=1,
            filter="FlateDecode",
            data=zlib.compress(img.tobytes(), 6),
            page_width_pt=width,
            page_height_pt=height,
        )
    flat = flatten(img)
    out = io.BytesIO()
    flat.save(out, "JPEG", quality=JPEG_QUALITY, subsampling=0)
    return PdfPageImage(
        width=flat.width,
        height=flat.height,
        color_space="DeviceGray" if flat.mode == "L" else "DeviceRGB",
        bits_per_component=8,
        filter="DCTDecode",
        data=out.getvalue(),
        page_width_pt=width,
        page_height_pt=height,
        icc_profile=_icc_for(img, flat.mode),
    )
