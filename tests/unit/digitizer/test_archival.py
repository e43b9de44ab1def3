import io

import pytest
from PIL import Image, ImageChops, TiffImagePlugin
from pypdf import PdfReader
from pypdf.generic import DictionaryObject, StreamObject

from reuse_tracker.simulator import samples
from services.digitizer.pipeline.archival import make_archival_pdf
from services.digitizer.pipeline.images import ImageCheck, ImageKind, check_image
from services.digitizer.pipeline.jpegstream import clean_jpeg
from services.digitizer.pipeline.limits import Limits
from services.digitizer.pipeline.outcome import Rejected
from services.digitizer.pipeline.phash import dhash64, hamming


def _archive(data: bytes, kind: ImageKind) -> PdfReader:
    check = check_image(data, kind, Limits())
    assert isinstance(check, ImageCheck)
    pdf = make_archival_pdf(data, kind, check.pages)
    assert isinstance(pdf, bytes), pdf
    return PdfReader(io.BytesIO(pdf), strict=True)


def _image_stream(reader: PdfReader, page: int = 0) -> StreamObject:
    resources = reader.pages[page]["/Resources"].get_object()
    assert isinstance(resources, DictionaryObject)
    xobjects = resources["/XObject"].get_object()
    assert isinstance(xobjects, DictionaryObject)
    image = xobjects["/Im0"].get_object()
    assert isinstance(image, StreamObject)
    return image


def _xobject(reader: PdfReader, page: int = 0) -> dict[str, object]:
    return {str(key): value for key, value in _image_stream(reader, page).items()}


def _stored(reader: PdfReader, page: int = 0) -> Image.Image:
    image = reader.pages[page].images[0].image
    assert image is not None
    return image


def _box(reader: PdfReader, page: int = 0) -> list[float]:
    return [round(float(v), 2) for v in reader.pages[page].mediabox]


def test_upright_jpeg_is_copied_in_without_reencoding() -> None:
    data = samples.a4_page(1, jitter=2)
    reader = _archive(data, "jpeg")
    assert len(reader.pages) == 1
    assert _box(reader) == [0, 0, 595.44, 842.04]  # 1654 x 2339 px at 200 dpi = A4
    image = _xobject(reader)
    assert image["/Filter"] == "/DCTDecode"
    assert image["/ColorSpace"] == "/DeviceRGB"
    assert _image_stream(reader).get_data() == clean_jpeg(data)


def test_page_size_follows_the_dpi() -> None:
    reader = _archive(samples.a4_page(1, dpi=150), "jpeg")
    assert _box(reader) == [0, 0, 595.2, 841.92]


def test_unknown_dpi_is_laid_out_at_200() -> None:
    out = io.BytesIO()
    Image.new("RGB", (400, 200), "white").save(out, "JPEG")
    assert _box(_archive(out.getvalue(), "jpeg")) == [0, 0, 144, 72]


@pytest.mark.slow
def test_rotated_jpeg_is_stored_upright() -> None:
    reader = _archive(samples.a4_page(3, rotate_exif=6), "jpeg")
    assert _box(reader) == [0, 0, 595.44, 842.04]
    stored = _stored(reader)
    assert stored.size == (1654, 2339)
    upright = Image.open(io.BytesIO(samples.a4_page(3)))
    assert hamming(dhash64(stored), dhash64(upright)) <= 4


def test_grey_jpeg_stays_grey() -> None:
    out = io.BytesIO()
    samples.page_image(2, dpi=100).convert("L").save(out, "JPEG", dpi=(100, 100))
    reader = _archive(out.getvalue(), "jpeg")
    assert _xobject(reader)["/ColorSpace"] == "/DeviceGray"


def test_cmyk_jpeg_is_converted_to_rgb() -> None:
    out = io.BytesIO()
    Image.new("CMYK", (40, 40), (0, 255, 255, 0)).save(out, "JPEG", dpi=(200, 200))
    reader = _archive(out.getvalue(), "jpeg")
    assert _xobject(reader)["/ColorSpace"] == "/DeviceRGB"
    red = _stored(reader).convert("RGB").getpixel((20, 20))
    assert isinstance(red, tuple)
    assert red[0] > 240
    assert max(red[1:]) < 15


def test_multi_page_bilevel_tiff_is_lossless() -> None:
    data = samples.tiff_pages(3)
    reader = _archive(data, "tiff")
    assert len(reader.pages) == 3
    for number in range(3):
        assert _box(reader, number) == [0, 0, 595.44, 842.04]
        xobject = _xobject(reader, number)
        assert xobject["/Filter"] == "/FlateDecode"
        assert xobject["/BitsPerComponent"] == 1
    original = Image.open(io.BytesIO(data))
    original.seek(2)
    stored = _stored(reader, 2)
    assert ImageChops.difference(original.convert("L"), stored.convert("L")).getbbox() is None


@pytest.mark.slow
def test_colour_png_keeps_colour_and_transparency_becomes_white() -> None:
    reader = _archive(samples.png_page(1, mode="RGBA"), "png")
    stored = _stored(reader).convert("RGB")
    assert _xobject(reader)["/ColorSpace"] == "/DeviceRGB"
    corner = stored.getpixel((20, 20))
    assert isinstance(corner, tuple)
    assert min(corner) > 245


@pytest.mark.parametrize("mode", ["L", "P", "1"])
def test_png_modes(mode: samples.PageMode) -> None:
    reader = _archive(samples.png_page(2, dpi=100, mode=mode), "png")
    expected = {"L": "/DeviceGray", "P": "/DeviceRGB", "1": "/DeviceGray"}[mode]
    assert _xobject(reader)["/ColorSpace"] == expected


def test_png_with_exif_orientation_is_stored_upright() -> None:
    reader = _archive(samples.png_page(2, dpi=100, rotate_exif=8), "png")
    assert _stored(reader).size == (827, 1169)


def test_archive_is_deterministic() -> None:
    data = samples.png_page(2, dpi=100)
    check = check_image(data, "png", Limits())
    assert isinstance(check, ImageCheck)
    assert make_archival_pdf(data, "png", check.pages) == make_archival_pdf(
        data, "png", check.pages
    )


def _tiff_with_damaged_second_page() -> bytes:
    data = bytearray(samples.tiff_pages(2, mode="RGB", dpi=50))
    img = Image.open(io.BytesIO(bytes(data)))
    assert isinstance(img, TiffImagePlugin.TiffImageFile)
    img.seek(1)
    for offset, count in zip(img.tag_v2[273], img.tag_v2[279], strict=True):
        data[offset : offset + count] = b"\xff" * count  # not valid LZW
    return bytes(data)


def test_damaged_later_tiff_page_is_rejected_when_building() -> None:
    data = _tiff_with_damaged_second_page()
    check = check_image(data, "tiff", Limits())
    assert isinstance(check, ImageCheck)  # the headers are fine
    assert len(check.pages) == 2
    assert make_archival_pdf(data, "tiff", check.pages) == Rejected(
        "corrupt_file", "TIFF could not be decoded (OSError: decoder error -2)"
    )
