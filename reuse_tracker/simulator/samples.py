"""Synthetic files for tests, the benchmark and the province simulator: pages and hostile input.

Everything is deterministic for its arguments and cached, so repeated calls are free.
"""

from __future__ import annotations

import io
import random
import struct
import zlib
from collections.abc import Callable
from functools import lru_cache
from typing import Final, Literal

from PIL import Image, ImageChops, ImageDraw
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

A4_MM: Final = (210.0, 297.0)
A4_POINTS: Final = (595.28, 841.89)
#: Layout is drawn in a 200-dpi space and scaled, so one seed is one layout at any dpi.
_BASE_DPI: Final = 200
_BASE_SIZE: Final = (1654, 2339)

_PAPER: Final = (248, 247, 242)
_INK: Final = (38, 38, 44)
_TITLE: Final = (20, 20, 25)
_BAND: Final = (28, 54, 110)
_BAND_TEXT: Final = (235, 235, 245)
_STAMP: Final = (200, 30, 30)

#: The transposition that stores an upright page so that EXIF Orientation ``n`` restores it
#: (the inverse of what ``ImageOps.exif_transpose`` applies).
_STORE_ROTATED: Final[dict[int, Image.Transpose]] = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}
_ORIENTATION_TAG: Final = 0x0112

PageMode = Literal["RGB", "RGBA", "L", "P", "1"]


def a4_size(dpi: int) -> tuple[int, int]:
    """Pixel size of an A4 page at ``dpi`` (1654 x 2339 at 200 dpi)."""
    return round(A4_MM[0] / 25.4 * dpi), round(A4_MM[1] / 25.4 * dpi)


class _PageDrawer:
    """Draws one page's blocks in the 200-dpi layout space, scaled to the page's dpi.

    Every block draws from the one seeded generator in a fixed order, so a seed is always
    the same page.
    """

    def __init__(self, rng: random.Random, img: Image.Image, dpi: int) -> None:
        self.rng = rng
        self.draw = ImageDraw.Draw(img)
        self.scale = dpi / _BASE_DPI
        page_w, self.page_h = _BASE_SIZE
        self.left = rng.randint(130, 260)
        self.right = page_w - rng.randint(110, 230)
        self.y = rng.randint(90, 200)
        self.line = 0
        self.word_h = 0

    def box(self, x0: float, y0: float, x1: float, y1: float, fill: tuple[int, int, int]) -> None:
        """A filled rectangle given in layout coordinates."""
        left, top = round(x0 * self.scale), round(y0 * self.scale)
        right, bottom = round(x1 * self.scale) - 1, round(y1 * self.scale) - 1
        self.draw.rectangle((left, top, max(left, right), max(top, bottom)), fill=fill)

    def header(self) -> None:
        """The coloured band with a few light words, then the centred title."""
        rng, left, right = self.rng, self.left, self.right
        band = rng.randint(100, 220)
        self.box(left, self.y, right, self.y + band, _BAND)
        x = left + 30
        for _ in range(rng.randint(1, 4)):
            width = rng.randint(120, 420)
            if x + width > right - 30:
                break
            self.box(x, self.y + band * 0.3, x + width, self.y + band * 0.3 + 36, _BAND_TEXT)
            x += width + 40
        self.y += band + rng.randint(50, 160)
        title = rng.randint(300, 1000)
        centre = (left + right) / 2 + rng.randint(-150, 150)
        self.box(centre - title / 2, self.y, centre + title / 2, self.y + 44, _TITLE)
        self.y += 44 + rng.randint(40, 140)

    def body(self) -> None:
        """Tables, forms, lists and paragraphs down to the end of the text area."""
        rng = self.rng
        self.line = rng.choice([34, 42, 50, 60])
        self.word_h = int(self.line * 0.55)
        end_of_text = self.page_h - rng.randint(380, 560)
        while self.y < end_of_text:
            block = rng.random()
            if block < 0.15:
                if not self.table(end_of_text):
                    break
            elif block < 0.35:
                self.form(end_of_text)
            elif block < 0.5:
                self.bullets(end_of_text)
            else:
                self.paragraph(end_of_text)

    def words(self, x: float, stop: float, y: float) -> None:
        """Words of random widths on one line from `x` until `stop`."""
        line, word_h = self.line, self.word_h
        while True:
            width = self.rng.randint(25, 170)
            if x + width > stop:
                return
            self.box(x, y + (line - word_h) / 2, x + width, y + (line + word_h) / 2, _INK)
            x += width + self.rng.randint(12, 20)

    def table(self, end_of_text: int) -> bool:
        """A ruled table; False when it does not fit above the end of the text."""
        rng, left, right, y = self.rng, self.left, self.right, self.y
        rows, cols, row_h = rng.randint(2, 6), rng.randint(2, 5), self.line + 14
        if y + rows * row_h > end_of_text:
            return False
        edges = [left, *sorted(rng.sample(range(left + 80, right - 80), cols - 1)), right]
        for r in range(rows + 1):
            self.box(left, y + r * row_h, right, y + r * row_h + 3, _INK)
        for edge in edges:
            self.box(edge, y, edge + 3, y + rows * row_h + 3, _INK)
        for r in range(rows):
            for c in range(cols):
                cell = rng.randint(0, max(0, int((edges[c + 1] - edges[c] - 24) * 0.9)))
                if cell > 10:
                    top = y + r * row_h + (row_h - self.word_h) / 2
                    self.box(edges[c] + 12, top, edges[c] + 12 + cell, top + self.word_h, _INK)
        self.y += rows * row_h + rng.randint(40, 120)
        return True

    def form(self, end_of_text: int) -> None:
        """Labels, each followed by a value or a dotted line."""
        rng, left, right, line, word_h = self.rng, self.left, self.right, self.line, self.word_h
        for _ in range(rng.randint(2, 6)):
            if self.y > end_of_text:
                break
            y = self.y
            label = rng.randint(150, 450)
            self.box(left, y + (line - word_h) / 2, left + label, y + (line + word_h) / 2, _INK)
            if rng.random() < 0.6:
                self.words(left + label + 20, rng.randint(left + label + 100, right), y)
            else:
                for dot in range(left + label + 20, right, 16):
                    self.box(dot, y + line * 0.75, dot + 6, y + line * 0.75 + 4, _INK)
            self.y += line + 8
        self.y += rng.randint(20, 80)

    def bullets(self, end_of_text: int) -> None:
        """A bulleted list."""
        rng, left, right, line = self.rng, self.left, self.right, self.line
        indent = rng.randint(60, 500)
        for _ in range(rng.randint(2, 6)):
            if self.y > end_of_text:
                break
            y = self.y
            self.box(left + indent - 40, y + line * 0.4, left + indent - 24, y + line * 0.6, _INK)
            self.words(left + indent, rng.randint(left + indent + 150, right), y)
            self.y += line
        self.y += rng.randint(20, 80)

    def paragraph(self, end_of_text: int) -> None:
        """A paragraph, its first line indented and its last line short."""
        rng, left, right, line = self.rng, self.left, self.right, self.line
        lines = rng.randint(1, 9)
        indent = rng.choice([0, 60, 120, 200])
        for i in range(lines):
            if self.y > end_of_text:
                break
            stop = right if i < lines - 1 else rng.randint(left + 200, right)
            self.words(left + (indent if i == 0 else 0), stop, self.y)
            self.y += line
        self.y += rng.randint(0, 4) * line // 2 + rng.randint(10, 40)

    def stamp(self) -> None:
        """The round red stamp near the foot of the page."""
        rng = self.rng
        cx, cy, radius = (
            rng.randint(self.left + 150, self.right - 150),
            self.page_h - rng.randint(220, 360),
            rng.randint(110, 150),
        )
        for inset, width in ((0, 12), (30, 5)):
            r = radius - inset
            self.draw.ellipse(
                tuple(round(v * self.scale) for v in (cx - r, cy - r, cx + r, cy + r)),
                outline=_STAMP,
                width=max(1, round(width * self.scale)),
            )
        self.box(cx - 60, cy - 15, cx + 60, cy + 15, _STAMP)


@lru_cache(maxsize=4)
def _render(text_seed: int, dpi: int) -> Image.Image:
    """The upright page: header band, title, paragraphs, forms, lists, tables, a stamp."""
    img = Image.new("RGB", a4_size(dpi), _PAPER)
    page = _PageDrawer(random.Random(text_seed), img, dpi)
    page.header()
    page.body()
    page.stamp()
    return img


def _rescan(page: Image.Image, jitter: int, dpi: int) -> Image.Image:
    """The same paper scanned again: shifted a few pixels, brightness moved, fresh noise."""
    rng = random.Random(jitter * 7919 + 17)
    scale = dpi / _BASE_DPI
    shifted = Image.new("RGB", page.size, _PAPER)
    shifted.paste(page, (round(rng.randint(-3, 3) * scale), round(rng.randint(-3, 3) * scale)))
    gain, offset = rng.uniform(0.97, 1.03), rng.uniform(-4.0, 4.0)
    lut = [max(0, min(255, round(v * gain + offset))) for v in range(256)] * 3
    shifted = shifted.point(lut)
    # Uniform noise of +-6 grey levels from a seeded 256x256 tile (fast and reproducible).
    tile = Image.frombytes("L", (256, 256), rng.randbytes(256 * 256)).point(
        lambda v: 128 + round((v - 128) * 6 / 128)
    )
    noise = Image.new("L", page.size)
    for tx in range(0, page.width, 256):
        for ty in range(0, page.height, 256):
            noise.paste(tile, (tx, ty))
    return ImageChops.add(shifted, Image.merge("RGB", (noise, noise, noise)), 1.0, -128)


def page_image(text_seed: int, dpi: int = 200, jitter: int = 0) -> Image.Image:
    """The synthetic page as a (new) upright RGB image; ``jitter`` > 0 makes it a rescan."""
    page = _render(text_seed, dpi)
    return _rescan(page, jitter, dpi) if jitter > 0 else page.copy()


def _stored(page: Image.Image, rotate_exif: int | None) -> Image.Image:
    if rotate_exif is None or rotate_exif == 1:
        return page
    if rotate_exif not in _STORE_ROTATED:
        raise ValueError(f"EXIF orientation must be 1-8, not {rotate_exif}")
    return page.transpose(_STORE_ROTATED[rotate_exif])


def _exif_bytes(rotate_exif: int | None) -> bytes:
    if rotate_exif is None:
        return b""
    exif = Image.Exif()
    exif[_ORIENTATION_TAG] = rotate_exif
    return exif.tobytes()


@lru_cache(maxsize=64)
def a4_page(
    text_seed: int,
    dpi: int = 200,
    rotate_exif: int | None = None,
    quality: int = 85,
    jitter: int = 0,
) -> bytes:
    """A colour A4 scan as JPEG (1654x2339 at 200 dpi), its dpi in the JFIF header.

    ``text_seed`` picks the layout. ``rotate_exif`` (2-8, e.g. 6) stores the pixels turned and
    writes that EXIF Orientation, so ``exif_transpose`` gives back the upright page.
    ``jitter`` > 0 is a rescan of the same paper: same page, different bytes.
    """
    page = _stored(page_image(text_seed, dpi, jitter), rotate_exif)
    out = io.BytesIO()
    page.save(out, "JPEG", quality=quality, dpi=(dpi, dpi), exif=_exif_bytes(rotate_exif))
    return out.getvalue()


def _in_mode(page: Image.Image, mode: PageMode) -> Image.Image:
    if mode == "1":
        return page.convert("L").point(lambda v: 255 if v > 160 else 0, "1")
    if mode == "RGBA":
        rgba = page.convert("RGBA")
        rgba.putalpha(Image.new("L", page.size, 255))
        # A transparent margin band, which must come out white.
        rgba.paste((0, 0, 0, 0), (0, 0, page.width, page.height // 20))
        return rgba
    if mode == "P":
        return page.convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    return page.convert(mode)


@lru_cache(maxsize=16)
def png_page(
    text_seed: int = 0, dpi: int = 200, mode: PageMode = "RGB", rotate_exif: int | None = None
) -> bytes:
    """The synthetic page as PNG (pHYs carries the dpi), in ``mode``.

    RGBA has a fully transparent band at the top.
    """
    page = _stored(_in_mode(page_image(text_seed, dpi), mode), rotate_exif)
    out = io.BytesIO()
    page.save(out, "PNG", dpi=(dpi, dpi), compress_level=1, exif=_exif_bytes(rotate_exif))
    return out.getvalue()


@lru_cache(maxsize=16)
def tiff_pages(
    n: int,
    text_seed: int = 0,
    dpi: int = 200,
    mode: PageMode = "1",
    compression: str | None = None,
) -> bytes:
    """A multi-page TIFF of ``n`` synthetic pages (seeds ``text_seed``, ``text_seed + 1``...).

    The default is what document scanners make: bilevel, CCITT Group 4. For other modes the
    default compression is LZW.
    """
    if n < 1:
        raise ValueError("a TIFF needs at least one page")
    if compression is None:
        compression = "group4" if mode == "1" else "tiff_lzw"
    pages = [_in_mode(page_image(text_seed + i, dpi), mode) for i in range(n)]
    out = io.BytesIO()
    pages[0].save(
        out,
        "TIFF",
        save_all=True,
        append_images=pages[1:],
        dpi=(dpi, dpi),
        compression=compression,
    )
    return out.getvalue()


@lru_cache(maxsize=16)
def pdf_doc(
    pages: int,
    signed: bool = False,
    encrypted: bool = False,
    empty_signature_field: bool = False,
) -> bytes:
    """A PDF of blank A4 pages, built with pypdf.

    ``signed`` adds a signature field (/FT /Sig on a parent field, inherited by its widget)
    holding a signature dictionary; ``empty_signature_field`` adds one with no value (a place
    to sign, not a signature); ``encrypted`` encrypts with a user password.
    """
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(*A4_POINTS)
    if signed or empty_signature_field:
        _add_signature_field(writer, with_value=signed)
    if encrypted:
        writer.encrypt("user-secret", "owner-secret", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _add_signature_field(writer: PdfWriter, with_value: bool) -> None:
    page = writer.pages[0]
    parent = DictionaryObject(
        {NameObject("/FT"): NameObject("/Sig"), NameObject("/T"): TextStringObject("Signatures")}
    )
    parent_ref = writer._add_object(parent)
    widget = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Widget"),
            NameObject("/T"): TextStringObject("Signature1"),
            NameObject("/Parent"): parent_ref,
            NameObject("/Rect"): ArrayObject([FloatObject(0)] * 4),
            NameObject("/F"): NumberObject(132),
            NameObject("/P"): page.indirect_reference,
        }
    )
    if with_value:
        value = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Sig"),
                NameObject("/Filter"): NameObject("/Adobe.PPKLite"),
                NameObject("/SubFilter"): NameObject("/adbe.pkcs7.detached"),
                NameObject("/ByteRange"): ArrayObject([NumberObject(0)] * 4),
                NameObject("/Contents"): ByteStringObject(bytes(64)),
            }
        )
        widget[NameObject("/V")] = writer._add_object(value)
    widget_ref = writer._add_object(widget)
    parent[NameObject("/Kids")] = ArrayObject([widget_ref])
    page[NameObject("/Annots")] = ArrayObject([widget_ref])
    writer._root_object[NameObject("/AcroForm")] = DictionaryObject(
        {
            NameObject("/Fields"): ArrayObject([parent_ref]),
            NameObject("/SigFlags"): NumberObject(3 if with_value else 0),
        }
    )


# --------------------------------------------------------------------------- hostile input


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    body = kind + payload
    return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body))


def _zero_rows_zlib(row_bytes: int, rows: int) -> bytes:
    """zlib data for ``rows`` all-zero rows, without pushing them all through the compressor.

    After a full flush the deflate output no longer depends on earlier input, so one
    compressed block of rows is repeated; the Adler-32 of n zero bytes is (n mod 65521) << 16
    | 1.
    """
    group = 512
    chunk = bytes(row_bytes * group)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = deflate.compress(chunk) + deflate.flush(zlib.Z_FULL_FLUSH)
    repeat = deflate.compress(chunk) + deflate.flush(zlib.Z_FULL_FLUSH)
    groups, rest = divmod(rows, group)
    if groups < 2:
        return zlib.compress(bytes(row_bytes * rows), 9)
    tail = deflate.compress(bytes(row_bytes * rest)) + deflate.flush(zlib.Z_FINISH)
    total = row_bytes * rows
    adler = ((total % 65521) << 16) | 1
    return b"\x78\xda" + head + repeat * (groups - 1) + tail + struct.pack(">I", adler)


@lru_cache(maxsize=8)
def decompression_bomb_png(width: int = 30_000, height: int = 30_000) -> bytes:
    """A valid 1-bit grey PNG of ``width`` x ``height`` white pixels in about 100 KB.

    The default (900 million pixels) is past Pillow's own hard limit; 10000x10000 trips
    Pillow's warning; 9000x9000 (81 million) passes Pillow and must be stopped by our limit.
    """
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    row = 1 + (width + 7) // 8  # filter byte + packed bits
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", _zero_rows_zlib(row, height))
        + _png_chunk(b"IEND", b"")
    )


def truncated_jpeg(keep: float = 0.6) -> bytes:
    """A real A4 scan cut off after ``keep`` of its bytes (an interrupted upload)."""
    data = a4_page(7)
    return data[: int(len(data) * keep)]


def bilevel_tiff(sizes: list[tuple[int, int]], orientations: list[int] | None = None) -> bytes:
    """A TIFF whose pages declare ``sizes`` (and Orientation tags), all sharing one blank strip.

    Pages up to 8x8 decode; larger ones only have plausible headers.
    """
    strip = bytes(8)
    strip_at = 8
    first_ifd = strip_at + len(strip)
    entries = 9
    ifd_size = 2 + entries * 12 + 4
    out = bytearray(b"II*\x00" + struct.pack("<I", first_ifd) + strip)
    for index, (width, height) in enumerate(sizes):
        at = first_ifd + index * ifd_size
        following = at + ifd_size if index + 1 < len(sizes) else 0
        tags = [
            (256, 4, width),  # ImageWidth
            (257, 4, height),  # ImageLength
            (258, 3, 1),  # BitsPerSample
            (259, 3, 1),  # Compression: none
            (262, 3, 0),  # Photometric: white is zero
            (273, 4, strip_at),  # StripOffsets
            (274, 3, orientations[index] if orientations else 1),  # Orientation
            (278, 4, height),  # RowsPerStrip
            (279, 4, len(strip)),  # StripByteCounts
        ]
        out += struct.pack("<H", entries)
        for tag, typ, value in tags:
            out += struct.pack("<HHI", tag, typ, 1)
            out += struct.pack("<HH", value, 0) if typ == 3 else struct.pack("<I", value)
        out += struct.pack("<I", following)
    return bytes(out)


@lru_cache(maxsize=8)
def thousand_page_tiff(pages: int = 1000) -> bytes:
    """A small TIFF with ``pages`` 8x8 bilevel pages sharing one strip (about 126 bytes a page)."""
    return bilevel_tiff([(8, 8)] * pages)


def huge_second_page_tiff(width: int = 20_000, height: int = 20_000) -> bytes:
    """A 2-page TIFF: a tiny first page, then one declaring ``width`` x ``height`` pixels.

    Pillow checks its bomb limit only on the first page at open, so this is ours to catch.
    """
    return bilevel_tiff([(8, 8), (width, height)])


@lru_cache(maxsize=1)
def _small_jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), _STAMP).save(out, "JPEG", quality=80)
    return out.getvalue()


def polyglot() -> bytes:
    """Starts as a PDF (``%PDF-``) but carries a whole JPEG and no PDF structure at all."""
    return b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + _small_jpeg()


def jpeg_magic_garbage(length: int = 4096) -> bytes:
    """JPEG magic bytes followed by random garbage."""
    return b"\xff\xd8\xff\xe0" + random.Random(5).randbytes(length)


def pdf_header_garbage(length: int = 4096) -> bytes:
    """A PDF header followed by random garbage."""
    return b"%PDF-1.7\n" + random.Random(6).randbytes(length)


def mismatched() -> tuple[bytes, str]:
    """PNG bytes and the content type they are declared with: ``image/jpeg``."""
    return png_page(0, dpi=50), "image/jpeg"


def random_bytes(length: int = 4096, seed: int = 1) -> bytes:
    """Bytes with no known magic number (the first byte is never one a magic starts with)."""
    data = bytearray(random.Random(seed).randbytes(length))
    if data:
        data[0] = 0x00
    return bytes(data)


#: Every hostile maker with the content type it is declared as and the code it must get.
HOSTILE: Final[dict[str, tuple[Callable[[], bytes], str, str]]] = {
    "decompression_bomb": (decompression_bomb_png, "image/png", "image_too_large"),
    "truncated_jpeg": (truncated_jpeg, "image/jpeg", "corrupt_file"),
    "thousand_page_tiff": (thousand_page_tiff, "image/tiff", "image_too_large"),
    "huge_second_page_tiff": (huge_second_page_tiff, "image/tiff", "image_too_large"),
    "polyglot_as_jpeg": (polyglot, "image/jpeg", "unsupported_file"),
    "polyglot_as_pdf": (polyglot, "application/pdf", "corrupt_file"),
    "jpeg_magic_garbage": (jpeg_magic_garbage, "image/jpeg", "corrupt_file"),
    "pdf_header_garbage": (pdf_header_garbage, "application/pdf", "corrupt_file"),
    "png_declared_jpeg": (lambda: mismatched()[0], "image/jpeg", "unsupported_file"),
    "encrypted_pdf": (lambda: pdf_doc(1, encrypted=True), "application/pdf", "unsupported_file"),
    "random_bytes": (random_bytes, "image/jpeg", "unsupported_file"),
}
