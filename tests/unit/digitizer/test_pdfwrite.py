import io
import zlib

import pytest
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from services.digitizer.pipeline.pdfwrite import PdfPageImage, write_image_pdf


def _page(width_pt: float = 72.0, icc: bytes | None = None) -> PdfPageImage:
    return PdfPageImage(
        width=8,
        height=2,
        color_space="DeviceGray",
        bits_per_component=1,
        filter="FlateDecode",
        data=zlib.compress(bytes([0b10101010, 0b01010101])),
        page_width_pt=width_pt,
        page_height_pt=18.0,
        icc_profile=icc,
    )


def test_reads_back_strictly_with_pypdf() -> None:
    pdf = write_image_pdf([_page(), _page(144.5)])
    reader = PdfReader(io.BytesIO(pdf), strict=True)
    assert len(reader.pages) == 2
    assert [float(v) for v in reader.pages[1].mediabox] == [0, 0, 144.5, 18]
    image = reader.pages[0].images[0].image
    assert image is not None
    assert image.size == (8, 2)
    assert image.mode == "1"
    assert image.getpixel((0, 0)) == 255  # bit 1 is white
    assert image.getpixel((1, 0)) == 0


def test_icc_profile_becomes_an_iccbased_colour_space() -> None:
    pdf = write_image_pdf([_page(icc=b"x" * 200)])
    reader = PdfReader(io.BytesIO(pdf), strict=True)
    resources = reader.pages[0]["/Resources"].get_object()
    assert isinstance(resources, DictionaryObject)
    xobject = resources["/XObject"]["/Im0"].get_object()  # type: ignore[index]
    space = xobject["/ColorSpace"]
    assert space[0] == "/ICCBased"
    assert space[1].get_object()["/N"] == 1


def test_output_is_deterministic() -> None:
    assert write_image_pdf([_page()]) == write_image_pdf([_page()])
    assert write_image_pdf([_page()]) != write_image_pdf([_page(100)])


def test_no_pages_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least one page"):
        write_image_pdf([])
