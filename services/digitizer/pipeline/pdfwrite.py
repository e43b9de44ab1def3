"""A minimal PDF writer: one image per page, written page by page, byte-for-byte deterministic."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

PRODUCER = "reuse-tracker digitizer"


@dataclass(frozen=True)
class PdfPageImage:
    """One page: an already-compressed image and the page size in points."""

    width: int
    height: int
    color_space: Literal["DeviceGray", "DeviceRGB"]
    bits_per_component: Literal[1, 8]
    filter: Literal["DCTDecode", "FlateDecode"]
    data: bytes
    page_width_pt: float
    page_height_pt: float
    icc_profile: bytes | None = None


def _num(value: float) -> bytes:
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return (text if text not in ("", "-0") else "0").encode()


class _Writer:
    def __init__(self) -> None:
        self.out = io.BytesIO()
        self.offsets: dict[int, int] = {}
        self.next_id = 1

    def reserve(self) -> int:
        obj_id = self.next_id
        self.next_id += 1
        return obj_id

    def obj(self, obj_id: int, body: bytes, stream: bytes | None = None) -> None:
        self.offsets[obj_id] = self.out.tell()
        self.out.write(b"%d 0 obj\n" % obj_id)
        if stream is None:
            self.out.write(body + b"\nendobj\n")
        else:
            self.out.write(body[:-2] + b" /Length %d >>\nstream\n" % len(stream))
            self.out.write(stream + b"\nendstream\nendobj\n")


def write_image_pdf(pages: Iterable[PdfPageImage]) -> bytes:
    """A PDF (1.7, for ICC v4 profiles), each image filling its own page, read one at a time.

    No dates and a content-derived /ID, so the same pages always give the same bytes.
    """
    w = _Writer()
    w.out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    catalog, tree, info = w.reserve(), w.reserve(), w.reserve()
    kids: list[int] = []
    for page in pages:
        page_id, contents_id, image_id = w.reserve(), w.reserve(), w.reserve()
        space = b"/" + page.color_space.encode()
        if page.icc_profile is not None:
            icc_id = w.reserve()
            n = 1 if page.color_space == "DeviceGray" else 3
            w.obj(icc_id, b"<< /N %d /Alternate %s >>" % (n, space), page.icc_profile)
            space = b"[/ICCBased %d 0 R]" % icc_id
        w.obj(
            image_id,
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace %s "
            b"/BitsPerComponent %d /Filter /%s >>"
            % (
                page.width,
                page.height,
                space,
                page.bits_per_component,
                page.filter.encode(),
            ),
            page.data,
        )
        pw, ph = _num(page.page_width_pt), _num(page.page_height_pt)
        w.obj(contents_id, b"<< >>", b"q %s 0 0 %s 0 0 cm /Im0 Do Q" % (pw, ph))
        procset = b"/ImageC" if page.color_space == "DeviceRGB" else b"/ImageB"
        w.obj(
            page_id,
            b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %s %s] "
            b"/Resources << /XObject << /Im0 %d 0 R >> /ProcSet [/PDF %s] >> "
            b"/Contents %d 0 R >>" % (tree, pw, ph, image_id, procset, contents_id),
        )
        kids.append(page_id)
    if not kids:
        raise ValueError("a PDF needs at least one page")
    refs = b" ".join(b"%d 0 R" % kid for kid in kids)
    w.obj(tree, b"<< /Type /Pages /Kids [%s] /Count %d >>" % (refs, len(kids)))
    w.obj(catalog, b"<< /Type /Catalog /Pages %d 0 R >>" % tree)
    w.obj(info, b"<< /Producer (" + PRODUCER.encode() + b") >>")
    doc_id = hashlib.sha256(w.out.getvalue()).hexdigest()[:32].encode()
    xref_at = w.out.tell()
    count = w.next_id
    w.out.write(b"xref\n0 %d\n0000000000 65535 f \n" % count)
    for obj_id in range(1, count):
        w.out.write(b"%010d 00000 n \n" % w.offsets[obj_id])
    w.out.write(
        b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /ID [<%s> <%s>] >>\n"
        % (count, catalog, info, doc_id, doc_id)
    )
    w.out.write(b"startxref\n%d\n%%%%EOF\n" % xref_at)
    return w.out.getvalue()
