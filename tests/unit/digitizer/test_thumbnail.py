import io

import pytest
from PIL import Image

from reuse_tracker.simulator import samples
from services.digitizer.pipeline.images import decode_preview
from services.digitizer.pipeline.thumbnail import make_thumbnail


def _open(webp: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(webp), formats=["WEBP"])
    img.load()
    return img


def test_a4_page_thumbnail_fits_the_box_and_keeps_colour() -> None:
    preview = decode_preview(samples.a4_page(1), "jpeg", 256)
    assert isinstance(preview, Image.Image)
    thumb = _open(make_thumbnail(preview, 256))
    assert thumb.size == (181, 256)
    assert thumb.mode == "RGB"
    # The stamp is red: some clearly red pixel survives.
    assert any(r > 150 and g < 100 and b < 100 for r, g, b in _pixels(thumb))


def _pixels(img: Image.Image) -> list[tuple[int, int, int]]:
    raw = img.tobytes()
    return [(raw[i], raw[i + 1], raw[i + 2]) for i in range(0, len(raw), 3)]


@pytest.mark.parametrize(("size", "expected"), [((1000, 500), (128, 64)), ((50, 40), (50, 40))])
def test_landscape_and_small_images(size: tuple[int, int], expected: tuple[int, int]) -> None:
    thumb = _open(make_thumbnail(Image.new("L", size, 128), 128))
    assert thumb.size == expected


def test_bilevel_page() -> None:
    thumb = _open(make_thumbnail(Image.new("1", (800, 1000), 1), 256))
    assert thumb.size == (205, 256)
