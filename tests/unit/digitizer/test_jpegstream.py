import io

from PIL import Image, ImageChops

from reuse_tracker.simulator import samples
from services.digitizer.pipeline.jpegstream import clean_jpeg


def _decode(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data), formats=["JPEG"])
    img.load()
    return img


def _with_metadata() -> bytes:
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "Scanner Co"  # Make
    icc = bytes(128)
    Image.new("RGB", (64, 48), (10, 120, 200)).save(
        out, "JPEG", exif=exif.tobytes(), comment=b"a comment", icc_profile=icc, progressive=True
    )
    return out.getvalue()


def test_clean_stream_decodes_to_the_same_pixels() -> None:
    data = samples.a4_page(1, quality=70, jitter=1)
    clean = clean_jpeg(data)
    assert clean is not None
    assert ImageChops.difference(_decode(data), _decode(clean)).getbbox() is None


def test_metadata_is_dropped_icc_kept_and_progressive_scans_survive() -> None:
    data = _with_metadata()
    clean = clean_jpeg(data)
    assert clean is not None
    assert b"Exif\x00\x00" in data
    assert b"Exif\x00\x00" not in clean
    assert b"a comment" not in clean
    assert b"ICC_PROFILE\x00" in clean
    assert ImageChops.difference(_decode(data), _decode(clean)).getbbox() is None


def test_trailing_data_after_eoi_is_dropped() -> None:
    data = samples.a4_page(2)
    clean = clean_jpeg(data + b"PK\x03\x04 a zip file riding along")
    assert clean == clean_jpeg(data)
    assert clean is not None
    assert clean.endswith(b"\xff\xd9")


def test_not_understood_gives_none() -> None:
    assert clean_jpeg(b"") is None
    assert clean_jpeg(b"\x89PNG") is None
    assert clean_jpeg(samples.truncated_jpeg()) is None
    assert clean_jpeg(b"\xff\xd8\xff\xe0\x00\x01") is None  # length below 2
    assert clean_jpeg(b"\xff\xd8garbage") is None
