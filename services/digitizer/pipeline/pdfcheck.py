"""Step 7: check a PDF with pypdf: readable, not encrypted, page count, signature fields."""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass
from typing import Final

from pypdf import PageObject, PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, PdfObject

from .limits import Limits
from .outcome import PageInfo, Rejected, page_info

#: Form fields visited at most while looking for a signature (a guard against huge trees).
MAX_FIELDS: Final = 10_000


@dataclass(frozen=True)
class PdfCheck:
    """What the PDF check found: page sizes (points, i.e. pixels at 72 dpi) and signing."""

    pages: tuple[PageInfo, ...]
    signed: bool


def check_pdf(data: bytes, limits: Limits) -> PdfCheck | Rejected:
    """Parse the PDF leniently and refuse what the archive cannot take.

    Encrypted: ``unsupported_file``; more than ``limits.max_pages`` pages: ``image_too_large``;
    no pages, or anything pypdf fails on: ``corrupt_file``. pypdf's own complaints go to its
    logger; Python warnings are kept inside.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                return Rejected("unsupported_file", "encrypted PDF")
            count = len(reader.pages)
            if count == 0:
                return Rejected("corrupt_file", "PDF has no pages")
            if count > limits.max_pages:
                return Rejected(
                    "image_too_large", f"PDF has {count} pages, limit {limits.max_pages}"
                )
            pages: list[PageInfo] = []
            for number, page in enumerate(reader.pages, start=1):
                size = _page_size(page)
                if size is None:
                    return Rejected("corrupt_file", f"PDF page {number} has an invalid size")
                pages.append(page_info(size[0], size[1], None))
            return PdfCheck(tuple(pages), has_signature(reader))
    except MemoryError:
        raise
    except Exception as exc:
        return Rejected("corrupt_file", f"unreadable PDF ({type(exc).__name__})")


def _page_size(page: PageObject) -> tuple[int, int] | None:
    """The visible (crop box) size of a page as it is shown, in points times /UserUnit."""
    box = page.cropbox
    unit = float(page.user_unit)
    width = abs(float(box.width)) * unit
    height = abs(float(box.height)) * unit
    if not (math.isfinite(width) and math.isfinite(height)) or width < 1 or height < 1:
        return None
    if page.rotation % 180 == 90:
        width, height = height, width
    return round(width), round(height)


def has_signature(reader: PdfReader) -> bool:
    """Whether the AcroForm holds a signature field (/FT /Sig, inherited down /Kids) with a value.

    A field whose /V is a signature dictionary is a signature; an empty signature field is only
    a place for one and does not count.
    """
    root = _resolve(reader.trailer.get("/Root"))
    if not isinstance(root, DictionaryObject):
        return False
    form = _resolve(root.get("/AcroForm"))
    if not isinstance(form, DictionaryObject):
        return False
    fields = _resolve(form.get("/Fields"))
    if not isinstance(fields, ArrayObject):
        return False
    stack: list[tuple[PdfObject, object]] = [(item, None) for item in fields]
    seen: set[tuple[int, int]] = set()
    visited = 0
    while stack and visited < MAX_FIELDS:
        ref, inherited_type = stack.pop()
        if isinstance(ref, IndirectObject):
            key = (ref.idnum, ref.generation)
            if key in seen:
                continue
            seen.add(key)
        field = _resolve(ref)
        if not isinstance(field, DictionaryObject):
            continue
        visited += 1
        field_type = field.get("/FT", inherited_type)
        if field_type == "/Sig" and isinstance(_resolve(field.get("/V")), DictionaryObject):
            return True
        kids = _resolve(field.get("/Kids"))
        if isinstance(kids, ArrayObject):
            stack.extend((kid, field_type) for kid in kids)
    return False


def _resolve(value: object) -> object:
    return value.get_object() if isinstance(value, IndirectObject) else value
