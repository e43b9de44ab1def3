import io

import pytest
from PIL import Image, ImageOps

from reuse_tracker.simulator import samples


def _open(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def test_a4_page_is_a_colour_a4_jpeg_with_its_dpi() -> None:
    img = _open(samples.a4_page(1))
    assert img.format == "JPEG"
    assert img.size == (1654, 2339)
    assert img.mode == "RGB"
    assert img.info["dpi"] == (200, 200)
    assert _open(samples.a4_page(1, dpi=150)).size == (1240, 1754)


def test_samples_are_deterministic() -> None:
    assert samples.a4_page(5, jitter=2) == samples.a4_page.__wrapped__(5, jitter=2)
    assert samples.page_image(3).tobytes() == samples.page_image(3).tobytes()


def test_layouts_differ_by_seed_and_rescans_differ_in_bytes() -> None:
    assert samples.a4_page(1) != samples.a4_page(2)
    assert samples.a4_page(1, jitter=1) != samples.a4_page(1, jitter=2)
    assert samples.a4_page(1, jitter=1) != samples.a4_page(1)


@pytest.mark.parametrize("orientation", [2, 3, 4, 5, 6, 7, 8])
@pytest.mark.slow
def test_exif_orientation_restores_the_upright_page(orientation: int) -> None:
    stored = _open(samples.a4_page(4, rotate_exif=orientation))
    assert stored.getexif()[0x0112] == orientation
    upright = ImageOps.exif_transpose(stored)
    reference = _open(samples.a4_page(4))
    assert upright.size == reference.size
    # Same picture up to JPEG noise: compare small box-averaged versions.
    small_a = upright.convert("L").reduce(32).tobytes()
    small_b = reference.convert("L").reduce(32).tobytes()
    assert max(abs(a - b) for a, b in zip(small_a, small_b, strict=True)) < 12


def test_invalid_orientation_is_refused() -> None:
    with pytest.raises(ValueError, match="1-8"):
        samples.a4_page(1, rotate_exif=9)


def test_png_and_tiff_pages() -> None:
    png = _open(samples.png_page(1, mode="RGBA"))
    assert (png.format, png.mode, png.size) == ("PNG", "RGBA", (1654, 2339))
    tiff = Image.open(io.BytesIO(samples.tiff_pages(3)))
    assert (tiff.format, tiff.mode, getattr(tiff, "n_frames", 1)) == ("TIFF", "1", 3)
    assert tiff.info["compression"] == "group4"


def test_hostile_samples_are_small() -> None:
    assert len(samples.decompression_bomb_png()) < 200_000
    assert len(samples.thousand_page_tiff()) < 200_000
    bomb = Image.open(io.BytesIO(samples.decompression_bomb_png(100, 100)))
    bomb.load()  # the same construction, small enough to decode, is a valid PNG
    assert bomb.size == (100, 100)
    assert bomb.getextrema() == (0, 0)


def test_zero_rows_stream_is_valid_zlib() -> None:
    # Exercised through a bomb small enough to inflate fully: 3000 rows of 376 bytes.
    bomb = Image.open(io.BytesIO(samples.decompression_bomb_png(3000, 3000)))
    bomb.load()
    assert bomb.getextrema() == (0, 0)


def test_thousand_page_tiff_really_has_the_pages() -> None:
    tiff = Image.open(io.BytesIO(samples.thousand_page_tiff(300)))
    assert getattr(tiff, "n_frames", 1) == 300
    tiff.seek(299)
    tiff.load()
    assert tiff.size == (8, 8)


def test_hostile_table_covers_the_brief() -> None:
    assert set(samples.HOSTILE) >= {
        "decompression_bomb",
        "truncated_jpeg",
        "thousand_page_tiff",
        "png_declared_jpeg",
        "encrypted_pdf",
        "random_bytes",
        "pdf_header_garbage",
        "polyglot_as_pdf",
    }
