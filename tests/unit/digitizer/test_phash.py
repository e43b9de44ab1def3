"""The hash must recognise a rescan of the same paper and tell different pages apart."""

import io
import itertools

import pytest
from PIL import Image

from reuse_tracker.simulator import samples
from services.digitizer.pipeline.images import decode_preview
from services.digitizer.pipeline.phash import dhash64, dhash_bits, hamming

#: Same paper: different JPEG quality, shifted up to 3 px, brightness +-3 %, noise +-6 levels.
SAME_PAPER_MAX = 6
#: Different layouts must be further apart than this.
DIFFERENT_PAGE_MIN = 12


def page_hash(data: bytes) -> int:
    preview = decode_preview(data, "jpeg", 256)
    assert isinstance(preview, Image.Image)
    return dhash64(preview)


def test_dhash_bits_order() -> None:
    # Row 0 descending (every bit set), other rows flat (no bit set).
    cells = bytes(range(200, 191, -1)) + bytes(9 * 7)
    assert dhash_bits(cells) == 0xFF << 56
    with pytest.raises(ValueError, match="72 grey values"):
        dhash_bits(bytes(10))


def test_hamming() -> None:
    assert hamming(0, 0) == 0
    assert hamming(0b1011, 0b0001) == 2
    assert hamming(0, (1 << 64) - 1) == 64


def test_hash_is_64_bits_and_deterministic() -> None:
    first = page_hash(samples.a4_page(1))
    assert 0 <= first < 1 << 64
    assert page_hash(samples.a4_page(1)) == first


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
@pytest.mark.parametrize(("jitter", "quality"), [(1, 60), (2, 95), (3, 75), (4, 85)])
def test_rescan_of_the_same_paper_stays_close(seed: int, jitter: int, quality: int) -> None:
    original = samples.a4_page(seed)
    rescan = samples.a4_page(seed, quality=quality, jitter=jitter)
    assert rescan != original
    assert hamming(page_hash(original), page_hash(rescan)) <= SAME_PAPER_MAX


def test_different_pages_are_far_apart() -> None:
    hashes = {seed: page_hash(samples.a4_page(seed)) for seed in range(1, 9)}
    for a, b in itertools.combinations(hashes, 2):
        assert hamming(hashes[a], hashes[b]) > DIFFERENT_PAGE_MIN, (a, b)


def test_jpeg_not_yet_decoded_is_hashed_from_a_draft() -> None:
    data = samples.a4_page(2)
    img = Image.open(io.BytesIO(data))
    direct = dhash64(img)
    assert img.size == (207, 293)  # decoded at 1/8 scale, in grey
    assert img.mode == "L"
    assert hamming(direct, page_hash(data)) <= 2


def test_large_decoded_page_hashes_like_its_preview() -> None:
    full = Image.open(io.BytesIO(samples.png_page(4)))
    full.load()
    assert hamming(dhash64(full), page_hash(samples.a4_page(4))) <= 4
