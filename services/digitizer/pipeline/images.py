"""Step 3: open an untrusted image safely, check its pages against the limits, decode it.

Every function here opens the bytes with exactly one Pillow format (the one the magic bytes
named), inside :func:`pil_guard`, and turns any Pillow failure into a :class:`Rejected`.
"""

from __future__ import annotations

import io
import math
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Final, Literal, TypeAlias

from PIL import ExifTags, Image, ImageOps, TiffImagePlugin, UnidentifiedImageError

from .identify import KIND_NAMES
from .limits import Limits
from .outcome import Kind, PageInfo, Rejected, page_info

ImageKind: TypeAlias = Literal["jpeg", "png", "tiff"]

PIL_FORMATS: Final[dict[ImageKind, str]] = {"jpeg": "JPEG", "png": "PNG", "tiff": "TIFF"}

#: How far past the page limit a TIFF's pages are still counted, for the rejection detail.
TIFF_COUNT_CAP: Final = 10_000

_X_RESOLUTION: Final = 282
_TRANSPOSED_ORIENTATIONS: Final = frozenset({5, 6, 7, 8})
_SAFE_MESSAGE = re.compile(r"[A-Za-z0-9 ,.;:()/_=+-]{1,160}")


@dataclass(frozen=True)
class ImageCheck:
    """What the header-only inspection found: the pages, upright, in file order."""

    pages: tuple[PageInfo, ...]


@contextmanager
def pil_guard() -> Iterator[None]:
    """Silence Pillow's warnings about odd metadata, but make a decompression bomb an error.

    ``warnings.catch_warnings`` is process-global state: run the pipeline in a process pool
    (as the digitizer does), not in several threads of one process.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        yield


def open_image(data: bytes, kind: ImageKind) -> Image.Image:
    """Open (header only) with the single Pillow format ``kind`` names. May raise."""
    return Image.open(io.BytesIO(data), formats=[PIL_FORMATS[kind]])


def rejection_for(exc: Exception, kind: Kind) -> Rejected:
    """A precise rejection for an exception raised while reading a file of ``kind``."""
    name = KIND_NAMES[kind]
    if isinstance(exc, Image.DecompressionBombError | Image.DecompressionBombWarning):
        return Rejected("image_too_large", f"{name} exceeds the decompression-bomb limit")
    if isinstance(exc, UnidentifiedImageError):
        return Rejected("corrupt_file", f"not a readable {name} file: header not recognised")
    message = str(exc)
    if isinstance(exc, OSError) and "truncated" in message.lower():
        return Rejected("corrupt_file", f"{name} data is truncated")
    # Pillow's messages sometimes quote bytes of the file; only plain ones are passed on.
    suffix = f": {message}" if _SAFE_MESSAGE.fullmatch(message) else ""
    return Rejected("corrupt_file", f"{name} could not be decoded ({type(exc).__name__}{suffix})")


def check_image(data: bytes, kind: ImageKind, limits: Limits) -> ImageCheck | Rejected:
    """Inspect every page from its header, then ``verify()`` the file, without decoding pixels.

    Refuses pages over ``limits.max_pixels`` and TIFFs with more than ``limits.max_pages``
    pages (``image_too_large``), and anything Pillow cannot parse (``corrupt_file``).
    """
    try:
        with pil_guard():
            img = open_image(data, kind)
            pages = _inspect_pages(img, kind, limits)
            if isinstance(pages, Rejected):
                return pages
            # verify() must come directly after open, and leaves the image unusable.
            open_image(data, kind).verify()
            return ImageCheck(pages)
    except MemoryError:
        raise
    except Exception as exc:
        return rejection_for(exc, kind)


def _inspect_pages(
    img: Image.Image, kind: ImageKind, limits: Limits
) -> tuple[PageInfo, ...] | Rejected:
    pages: list[PageInfo] = []
    index = 0
    while True:
        if index > 0:
            try:
                img.seek(index)
            except EOFError:
                break
        if index >= limits.max_pages:
            return Rejected(
                "image_too_large",
                f"TIFF has {_count_pages(img, index)} pages, limit {limits.max_pages}",
            )
        width, height = img.size
        if width * height > limits.max_pixels:
            where = f"page {index + 1} is" if kind == "tiff" else "image is"
            return Rejected(
                "image_too_large",
                f"{where} {width}x{height} = {width * height} pixels, "
                f"limit {limits.max_pixels} per page",
            )
        if width <= 0 or height <= 0:
            return Rejected("corrupt_file", f"{KIND_NAMES[kind]} page {index + 1} is empty")
        # Pillow reports a TIFF frame's size already upright (and turns it on load itself);
        # JPEG and PNG report the stored size.
        if kind != "tiff" and orientation(img) in _TRANSPOSED_ORIENTATIONS:
            width, height = height, width
        pages.append(page_info(width, height, page_dpi(img)))
        index += 1
        # JPEG and PNG are one page here (MPO and APNG extras are ignored).
        if kind != "tiff":
            break
    return tuple(pages)


def _count_pages(img: Image.Image, known: int) -> str:
    """The page count of an over-long TIFF, as text; stops counting at TIFF_COUNT_CAP."""
    index = known
    while index < TIFF_COUNT_CAP:
        try:
            img.seek(index + 1)
        except EOFError:
            return str(index + 1)
        except Exception:  # a broken IFD past the limit: the file is too long anyway
            return f"more than {index + 1}"
        index += 1
    return f"more than {index}"


def orientation(img: Image.Image) -> int:
    """The EXIF (or TIFF, or XMP) orientation of the current frame, 1 when absent or invalid."""
    value = img.getexif().get(ExifTags.Base.Orientation, 1)
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def page_dpi(img: Image.Image) -> float | None:
    """The current frame's resolution; a TIFF without XResolution has none (Pillow says 1)."""
    if isinstance(img, TiffImagePlugin.TiffImageFile) and _X_RESOLUTION not in img.tag_v2:
        return None
    return read_dpi(img.info)


def read_dpi(info: dict[str | tuple[int, int], object]) -> float | None:
    """The resolution Pillow read (JFIF density, EXIF, pHYs, TIFF tags), rounded to a whole dpi.

    When the two axes differ the lower counts. None when absent, zero or not a number.
    """
    raw = info.get("dpi")
    if not isinstance(raw, tuple) or len(raw) != 2:
        return None
    values: list[float] = []
    for item in raw:
        try:
            value = float(item)
        except (TypeError, ValueError, OverflowError):
            return None
        if math.isfinite(value) and value >= 1:
            values.append(value)
    if len(values) != 2:
        return None
    return float(round(min(values)))


def upright(img: Image.Image) -> Image.Image:
    """The loaded frame turned as its orientation tag says (a new image), or ``img`` itself.

    Call after ``load()``: Pillow turns TIFF frames while loading and drops their tag, so
    they come back unchanged here.
    """
    if orientation(img) == 1:
        return img
    return ImageOps.exif_transpose(img)


def flatten(img: Image.Image) -> Image.Image:
    """The image in mode L or RGB: transparency composited onto white, 16-bit scaled to 8-bit.

    Returns ``img`` itself when it already is L or RGB.
    """
    mode = img.mode
    if mode in ("L", "RGB"):
        return img
    if mode == "1":
        return img.convert("L")
    if mode.startswith("I;16"):
        return img.convert("I").point(lambda v: v / 257).convert("L")
    if mode in ("I", "F"):
        low, high = img.getextrema()
        if not isinstance(low, int | float) or not isinstance(high, int | float):
            raise ValueError(f"unexpected extrema for mode {mode}")
        offset = float(low)
        span = float(high) - offset or 1.0
        return img.point(lambda v: (v - offset) * (255.0 / span)).convert("L")
    if mode in ("LA", "La"):
        white = Image.new("L", img.size, 255)
        white.paste(img.convert("L"), mask=img.convert("LA").getchannel("A"))
        return white
    if mode in ("RGBA", "RGBa", "PA") or (mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", img.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return img.convert("RGB")


def preview_target(width: int, height: int, box: int) -> tuple[int, int]:
    """The size of ``width`` x ``height`` scaled to fit in ``box`` x ``box`` (never enlarged)."""
    scale = min(1.0, box / width, box / height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def decode_preview(data: bytes, kind: ImageKind, box: int) -> Image.Image | Rejected:
    """The first page, upright, in mode L or RGB, at least as large as a ``box`` thumbnail.

    JPEG is decoded at reduced scale (``draft``: 1/2, 1/4 or 1/8), which still reads the whole
    entropy-coded stream, so truncation is caught; other formats are decoded fully and then
    box-reduced by a whole factor. This one small image feeds both the hash and the thumbnail.
    """
    try:
        with pil_guard():
            img = open_image(data, kind)
            width, height = img.size
            target = preview_target(width, height, box)
            orientation(img)  # read (and cache) the tag before the decode
            if kind == "jpeg":
                img.draft("RGB", target)
            img.load()
            flat = flatten(upright(img))
            want = preview_target(flat.width, flat.height, box)
            factor = max(1, min(flat.width // want[0], flat.height // want[1]))
            if factor > 1:
                return flat.reduce(factor)
            return flat.copy() if flat is img else flat  # detached from the file object
    except MemoryError:
        raise
    except Exception as exc:
        return rejection_for(exc, kind)


def iter_pages(data: bytes, kind: ImageKind, count: int) -> Iterator[Image.Image]:
    """Fully decode the first ``count`` pages, each upright, in its own mode. May raise.

    A yielded image may be reused by the next page: use it before asking for the next.
    Run inside :func:`pil_guard`.
    """
    img = open_image(data, kind)
    for index in range(count):
        if index:
            img.seek(index)
        orientation(img)  # read (and cache) the tag before the decode
        img.load()
        yield upright(img)
