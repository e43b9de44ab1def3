"""End to end: every sample kind is processed, every hostile sample gets its code."""

import hashlib
import io
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageFile
from pypdf import PdfReader

from reuse_tracker.simulator import samples
from services.digitizer import pipeline
from services.digitizer.pipeline import (
    Limits,
    PageInfo,
    Processed,
    Rejected,
    hamming,
    process_file,
)

A4_200 = PageInfo(1654, 2339, 200.0, False)


def _processed(data: bytes, content_type: str, **kwargs: object) -> Processed:
    outcome = process_file(data, content_type, **kwargs)  # type: ignore[arg-type]
    assert isinstance(outcome, Processed), outcome
    return outcome


def test_jpeg_page() -> None:
    data = samples.a4_page(1)
    result = _processed(data, "image/jpeg", expected_sha256=hashlib.sha256(data).hexdigest())
    assert result.kind == "jpeg"
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.size == len(data)
    assert result.pages == (A4_200,)
    assert result.dhash is not None
    assert result.pdf_signed is None
    assert result.pdf_encrypted is False
    assert result.thumbnail_webp is not None
    thumb = Image.open(io.BytesIO(result.thumbnail_webp))
    assert (thumb.format, thumb.size) == ("WEBP", (181, 256))
    assert result.archival_pdf is not None
    assert len(PdfReader(io.BytesIO(result.archival_pdf), strict=True).pages) == 1


def test_fast_path_skips_only_the_archival_pdf() -> None:
    data = samples.a4_page(1)
    full = _processed(data, "image/jpeg")
    fast = _processed(data, "image/jpeg", build_archival_pdf=False)
    assert fast.archival_pdf is None
    assert fast == Processed(**{**full.__dict__, "archival_pdf": None})


@pytest.mark.slow
def test_exif_rotated_page_comes_back_upright() -> None:
    upright = _processed(samples.a4_page(3), "image/jpeg")
    for orientation in (3, 6, 8):
        turned = _processed(samples.a4_page(3, rotate_exif=orientation), "image/jpeg")
        assert turned.pages == (A4_200,)
        assert upright.dhash is not None
        assert turned.dhash is not None
        assert hamming(turned.dhash, upright.dhash) <= 4


def test_dpi_is_recorded() -> None:
    assert _processed(samples.a4_page(1), "image/jpeg").pages[0].below_standard is False
    low = _processed(samples.a4_page(1, dpi=150), "image/jpeg").pages[0]
    assert (low.dpi, low.below_standard) == (150.0, True)


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L", "P", "1"])
@pytest.mark.slow
def test_png_page(mode: samples.PageMode) -> None:
    result = _processed(samples.png_page(1, mode=mode), "image/png")
    assert result.kind == "png"
    assert result.pages == (A4_200,)
    assert result.archival_pdf is not None


def test_png_hash_matches_the_jpeg_of_the_same_page() -> None:
    png = _processed(samples.png_page(6), "image/png")
    jpeg = _processed(samples.a4_page(6), "image/jpeg")
    assert png.dhash is not None
    assert jpeg.dhash is not None
    assert hamming(png.dhash, jpeg.dhash) <= 4


def test_multi_page_tiff() -> None:
    result = _processed(samples.tiff_pages(3), "image/tiff")
    assert result.kind == "tiff"
    assert result.pages == (A4_200,) * 3
    assert result.archival_pdf is not None
    assert len(PdfReader(io.BytesIO(result.archival_pdf)).pages) == 3


def test_colour_tiff() -> None:
    result = _processed(samples.tiff_pages(2, mode="RGB", dpi=100), "image/tiff")
    assert len(result.pages) == 2


@pytest.mark.parametrize(("signed", "expected"), [(False, False), (True, True)])
def test_pdf(signed: bool, expected: bool) -> None:
    result = _processed(samples.pdf_doc(2, signed=signed), "application/pdf")
    assert result.kind == "pdf"
    assert result.pages == (PageInfo(595, 842, None, False),) * 2
    assert (result.dhash, result.archival_pdf, result.thumbnail_webp) == (None, None, None)
    assert result.pdf_signed is expected
    assert result.pdf_encrypted is False


@pytest.mark.parametrize("name", sorted(samples.HOSTILE))
def test_hostile_sample_gets_its_code(name: str) -> None:
    make, content_type, code = samples.HOSTILE[name]
    outcome = process_file(make(), content_type)
    assert isinstance(outcome, Rejected)
    assert outcome.code == code
    assert outcome.detail
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_hostile_details() -> None:
    assert process_file(samples.thousand_page_tiff(), "image/tiff") == Rejected(
        "image_too_large", "TIFF has 1000 pages, limit 200"
    )
    assert process_file(*samples.mismatched()) == Rejected(
        "unsupported_file", "declared image/jpeg but the bytes are a PNG"
    )
    assert process_file(samples.truncated_jpeg(), "image/jpeg") == Rejected(
        "corrupt_file", "JPEG data is truncated"
    )


def test_checksum_mismatch_comes_first() -> None:
    outcome = process_file(samples.decompression_bomb_png(), "image/png", "ab" * 32)
    assert isinstance(outcome, Rejected)
    assert outcome.code == "checksum_mismatch"


def test_limits_are_applied() -> None:
    data = samples.a4_page(1)
    assert process_file(data, "image/jpeg", limits=Limits(max_bytes=1000)) == Rejected(
        "image_too_large", f"file is {len(data)} bytes, over the limit of 1000 bytes"
    )
    small = _processed(data, "image/jpeg", limits=Limits(thumb_size=64))
    assert small.thumbnail_webp is not None
    assert Image.open(io.BytesIO(small.thumbnail_webp)).size == (45, 64)


def test_unexpected_failure_becomes_corrupt_file(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_args: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(pipeline, "check_image", boom)
    assert process_file(samples.a4_page(1), "image/jpeg") == Rejected(
        "corrupt_file", "unreadable file: RuntimeError"
    )


@pytest.mark.parametrize("error", [MemoryError, KeyboardInterrupt])
def test_memory_error_and_interrupts_propagate(
    monkeypatch: pytest.MonkeyPatch, error: Callable[[], BaseException]
) -> None:
    def fail(*_args: object) -> None:
        raise error()

    monkeypatch.setattr(pipeline, "check_image", fail)
    with pytest.raises(error):  # type: ignore[call-overload]
        process_file(samples.a4_page(1), "image/jpeg")


MAGICS = [b"", b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"II*\x00", b"MM\x00*", b"%PDF-"]
DECLARED = {
    b"": "image/jpeg",
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"II*\x00": "image/tiff",
    b"MM\x00*": "image/tiff",
    b"%PDF-": "application/pdf",
}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prefix=st.sampled_from(MAGICS), body=st.binary(max_size=2048))
@pytest.mark.slow
def test_never_raises_on_arbitrary_bytes(prefix: bytes, body: bytes) -> None:
    outcome = process_file(prefix + body, DECLARED[prefix])
    assert isinstance(outcome, Processed | Rejected)


@settings(max_examples=100, deadline=None)
@given(data=st.data())
@pytest.mark.slow
def test_never_raises_on_damaged_real_files(data: st.DataObject) -> None:
    originals = [
        (samples.png_page(0, dpi=20), "image/png"),
        (samples.tiff_pages(2, dpi=20), "image/tiff"),
        (samples.tiff_pages(1, dpi=20, mode="RGB"), "image/tiff"),
        (samples.pdf_doc(2, signed=True), "application/pdf"),
        (samples.a4_page(0, dpi=20), "image/jpeg"),
    ]
    original, content_type = data.draw(st.sampled_from(originals))
    damaged = bytearray(original)
    for _ in range(data.draw(st.integers(1, 8))):
        at = data.draw(st.integers(0, len(damaged) - 1))
        damaged[at] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(1, len(damaged)))
    outcome = process_file(bytes(damaged[:cut]), content_type)
    assert isinstance(outcome, Processed | Rejected)
