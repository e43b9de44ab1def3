import io

import pytest
from PIL import Image, ImageFile

from reuse_tracker.simulator import samples
from services.digitizer.pipeline.images import (
    ImageCheck,
    ImageKind,
    check_image,
    decode_preview,
    flatten,
    iter_pages,
    pil_guard,
    read_dpi,
    rejection_for,
)
from services.digitizer.pipeline.limits import Limits
from services.digitizer.pipeline.outcome import PageInfo, Rejected

A4_200 = PageInfo(1654, 2339, 200.0, False)


def _check(data: bytes, kind: ImageKind, limits: Limits | None = None) -> ImageCheck:
    outcome = check_image(data, kind, limits or Limits())
    assert isinstance(outcome, ImageCheck), outcome
    return outcome


def _rejected(data: bytes, kind: ImageKind, limits: Limits | None = None) -> Rejected:
    outcome = check_image(data, kind, limits or Limits())
    assert isinstance(outcome, Rejected), outcome
    return outcome


def test_a4_jpeg_at_200_dpi() -> None:
    assert _check(samples.a4_page(1), "jpeg").pages == (A4_200,)


def test_150_dpi_page_is_below_standard() -> None:
    assert _check(samples.a4_page(1, dpi=150), "jpeg").pages == (PageInfo(1240, 1754, 150.0, True),)


def test_jpeg_without_resolution_has_unknown_dpi_not_flagged() -> None:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(out, "JPEG")  # JFIF aspect ratio only
    assert _check(out.getvalue(), "jpeg").pages == (PageInfo(40, 30, None, False),)


@pytest.mark.parametrize("orientation", [5, 6, 7, 8])
def test_exif_rotated_page_is_reported_upright(orientation: int) -> None:
    data = samples.a4_page(2, rotate_exif=orientation)
    with Image.open(io.BytesIO(data)) as stored:
        assert stored.size == (2339, 1654)
    assert _check(data, "jpeg").pages == (A4_200,)


def test_png_and_tiff_pages() -> None:
    assert _check(samples.png_page(1), "png").pages == (A4_200,)
    assert _check(samples.tiff_pages(3), "tiff").pages == (A4_200,) * 3
    assert _check(samples.tiff_pages(1, mode="RGB", dpi=100), "tiff").pages == (
        PageInfo(827, 1169, 100.0, True),
    )


def test_tiff_without_resolution_tags_has_unknown_dpi() -> None:
    # Pillow reports 1 dpi for these; the file simply does not say.
    assert _check(samples.thousand_page_tiff(2), "tiff").pages == (PageInfo(8, 8, None, False),) * 2


def test_pixel_limit_is_checked_from_the_header() -> None:
    rejected = _rejected(samples.decompression_bomb_png(9000, 9000), "png")
    assert rejected == Rejected(
        "image_too_large", "image is 9000x9000 = 81000000 pixels, limit 60000000 per page"
    )
    assert _rejected(samples.a4_page(1), "jpeg", Limits(max_pixels=1_000_000)).code == (
        "image_too_large"
    )


@pytest.mark.parametrize("side", [10_000, 30_000])
def test_pillow_bomb_warning_and_error_are_too_large(side: int) -> None:
    rejected = _rejected(samples.decompression_bomb_png(side, side), "png")
    assert rejected == Rejected("image_too_large", "PNG exceeds the decompression-bomb limit")


def test_every_tiff_page_is_checked_not_only_the_first() -> None:
    assert _rejected(samples.huge_second_page_tiff(), "tiff") == Rejected(
        "image_too_large", "page 2 is 20000x20000 = 400000000 pixels, limit 60000000 per page"
    )


def test_tiff_page_count_limit() -> None:
    assert _rejected(samples.thousand_page_tiff(), "tiff") == Rejected(
        "image_too_large", "TIFF has 1000 pages, limit 200"
    )
    assert len(_check(samples.thousand_page_tiff(200), "tiff").pages) == 200
    assert _rejected(samples.tiff_pages(3), "tiff", Limits(max_pages=2)).detail == (
        "TIFF has 3 pages, limit 2"
    )


def test_tiff_page_count_stops_counting_far_past_the_limit() -> None:
    rejected = _rejected(samples.thousand_page_tiff(), "tiff", Limits(max_pages=5))
    assert rejected.detail == "TIFF has 1000 pages, limit 5"


def test_png_crc_damage_is_caught_by_verify() -> None:
    data = bytearray(samples.png_page(0, dpi=50))
    idat = data.index(b"IDAT")
    data[idat + 40] ^= 0xFF
    rejected = _rejected(bytes(data), "png")
    assert rejected.code == "corrupt_file"
    assert rejected.detail.startswith("PNG could not be decoded")


def test_wrong_format_is_not_tried() -> None:
    # PNG bytes opened as JPEG: formats=[JPEG] means Pillow does not fall back to PNG.
    rejected = _rejected(samples.png_page(0, dpi=50), "jpeg")
    assert rejected == Rejected("corrupt_file", "not a readable JPEG file: header not recognised")


@pytest.mark.parametrize("keep", [0.002, 0.3, 0.6, 0.9, 0.999])
def test_truncated_jpeg_is_corrupt(keep: float) -> None:
    data = samples.truncated_jpeg(keep)
    outcome = check_image(data, "jpeg", Limits())
    if isinstance(outcome, Rejected):  # cut inside the header
        assert outcome.code == "corrupt_file"
    preview = decode_preview(data, "jpeg", 256)
    assert preview == Rejected("corrupt_file", "JPEG data is truncated")
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_jpeg_missing_only_its_end_marker_is_truncated() -> None:
    data = samples.a4_page(7)
    assert decode_preview(data[:-2], "jpeg", 256) == Rejected(
        "corrupt_file", "JPEG data is truncated"
    )


def test_preview_is_small_upright_and_colour() -> None:
    preview = decode_preview(samples.a4_page(1), "jpeg", 256)
    assert isinstance(preview, Image.Image)
    assert preview.mode == "RGB"
    assert preview.size == (207, 293)  # 1/8 draft, still covers a 181x256 thumbnail
    rotated = decode_preview(samples.a4_page(1, rotate_exif=6), "jpeg", 256)
    assert isinstance(rotated, Image.Image)
    assert rotated.size == (207, 293)


def test_preview_of_bilevel_tiff_is_grey_and_reduced() -> None:
    preview = decode_preview(samples.tiff_pages(2), "tiff", 256)
    assert isinstance(preview, Image.Image)
    assert preview.mode == "L"
    assert max(preview.size) < 2 * 256


@pytest.mark.slow
def test_preview_flattens_transparency_onto_white() -> None:
    preview = decode_preview(samples.png_page(1, mode="RGBA"), "png", 256)
    assert isinstance(preview, Image.Image)
    assert preview.mode == "RGB"
    assert preview.getpixel((5, 2)) == (255, 255, 255)


def test_iter_pages_decodes_each_page_upright() -> None:
    with pil_guard():
        sizes = [p.size for p in iter_pages(samples.a4_page(3, rotate_exif=8), "jpeg", 1)]
        modes = [p.mode for p in iter_pages(samples.tiff_pages(3), "tiff", 3)]
    assert sizes == [(1654, 2339)]
    assert modes == ["1", "1", "1"]


@pytest.mark.parametrize(
    ("mode", "value", "expected"),
    [
        ("1", 1, 255),
        ("I;16", 65535, 255),
        ("I;16", 32896, 128),
        ("LA", (0, 0), 255),
        ("LA", (10, 255), 10),
    ],
)
def test_flatten_to_grey(mode: str, value: int | tuple[int, int], expected: int) -> None:
    flat = flatten(Image.new(mode, (2, 2), value))
    assert flat.mode == "L"
    assert flat.getpixel((0, 0)) == expected


@pytest.mark.parametrize(
    ("mode", "value", "expected"),
    [
        ("RGBA", (0, 0, 0, 0), (255, 255, 255)),
        ("RGBA", (10, 20, 30, 255), (10, 20, 30)),
        ("CMYK", (0, 0, 0, 0), (255, 255, 255)),
    ],
)
def test_flatten_to_colour(
    mode: str, value: tuple[int, ...], expected: tuple[int, int, int]
) -> None:
    flat = flatten(Image.new(mode, (2, 2), value))
    assert flat.mode == "RGB"
    assert flat.getpixel((0, 0)) == expected


def test_flatten_keeps_l_and_rgb_as_they_are() -> None:
    grey = Image.new("L", (2, 2))
    assert flatten(grey) is grey


def test_flatten_palette_with_transparency() -> None:
    img = Image.new("P", (2, 2), 0)
    img.putpalette([0, 0, 0, 200, 0, 0])
    img.info["transparency"] = 0
    assert flatten(img).getpixel((0, 0)) == (255, 255, 255)


@pytest.mark.parametrize(
    ("info", "dpi"),
    [
        ({"dpi": (200, 200)}, 200.0),
        ({"dpi": (199.9996, 199.9996)}, 200.0),  # PNG's 7874 pixels per metre
        ({"dpi": (300, 150)}, 150.0),
        ({"dpi": (0, 0)}, None),
        ({"dpi": (float("nan"), 200)}, None),
        ({"dpi": "200"}, None),
        ({}, None),
    ],
)
def test_read_dpi(info: dict[str | tuple[int, int], object], dpi: float | None) -> None:
    assert read_dpi(info) == dpi


def test_rejection_details_never_quote_file_bytes() -> None:
    leaky = SyntaxError("not a TIFF file (header b'II*\\x00\\x13' not valid)")
    assert rejection_for(leaky, "tiff") == Rejected(
        "corrupt_file", "TIFF could not be decoded (SyntaxError)"
    )
    plain = OSError("broken data stream when reading image file")
    assert rejection_for(plain, "png").detail == (
        "PNG could not be decoded (OSError: broken data stream when reading image file)"
    )


def _marked(kind: ImageKind, orientation: int) -> bytes:
    """A 4x2 white image with one black pixel at the stored top-left, tagged ``orientation``."""
    img = Image.new("L", (4, 2), 255)
    img.putpixel((0, 0), 0)
    out = io.BytesIO()
    if kind == "tiff":
        img.save(out, "TIFF", tiffinfo={0x0112: orientation}, dpi=(200, 200))
    else:
        exif = Image.Exif()
        exif[0x0112] = orientation
        img.save(out, "PNG", exif=exif.tobytes(), dpi=(200, 200))
    return out.getvalue()


def _black(img: Image.Image) -> list[tuple[int, int]]:
    grey = img.convert("L")
    return [
        (x, y) for y in range(grey.height) for x in range(grey.width) if grey.getpixel((x, y)) == 0
    ]


@pytest.mark.parametrize("kind", ["tiff", "png"])
@pytest.mark.parametrize(
    ("orientation", "size", "mark"),
    [(1, (4, 2), (0, 0)), (3, (4, 2), (3, 1)), (6, (2, 4), (1, 0)), (8, (2, 4), (0, 3))],
)
def test_orientation_is_applied_exactly_once(
    kind: ImageKind, orientation: int, size: tuple[int, int], mark: tuple[int, int]
) -> None:
    # Pillow turns TIFF frames itself while loading; PNG (like JPEG) is turned by us.
    data = _marked(kind, orientation)
    assert _check(data, kind).pages == (PageInfo(*size, 200.0, False),)
    preview = decode_preview(data, kind, 256)
    assert isinstance(preview, Image.Image)
    assert _black(preview) == [mark]
    with pil_guard():
        pages = [_black(page) for page in iter_pages(data, kind, 1)]
    assert pages == [[mark]]


def test_tiff_pages_with_different_orientations() -> None:
    data = samples.bilevel_tiff([(8, 4)] * 3, [1, 6, 8])
    sizes = [(p.width, p.height) for p in _check(data, "tiff").pages]
    assert sizes == [(8, 4), (4, 8), (4, 8)]
    with pil_guard():
        decoded = [page.size for page in iter_pages(data, "tiff", 3)]
    assert decoded == sizes
