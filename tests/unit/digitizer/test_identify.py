import pytest

from reuse_tracker.simulator import samples
from services.digitizer.pipeline.identify import identify_kind, sniff
from services.digitizer.pipeline.outcome import Rejected


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"\xff\xd8\xff\xe0rest", "jpeg"),
        (b"\x89PNG\r\n\x1a\nrest", "png"),
        (b"II*\x00rest", "tiff"),
        (b"MM\x00*rest", "tiff"),
        (b"%PDF-1.7", "pdf"),
    ],
)
def test_magic_bytes(data: bytes, kind: str) -> None:
    assert sniff(data) == kind


@pytest.mark.parametrize(
    "data",
    [b"", b"\xff\xd8", b"GIF89a", b"II+\x00", b" %PDF-1.4", b"\x89PNG\r\n\x1a", b"RIFF0000WEBP"],
)
def test_unknown_or_incomplete_magic(data: bytes) -> None:
    assert sniff(data) is None
    outcome = identify_kind(data, "image/jpeg")
    assert isinstance(outcome, Rejected)
    assert outcome.code == "unsupported_file"


def test_declared_type_must_match_the_bytes() -> None:
    data, declared = samples.mismatched()
    assert identify_kind(data, declared) == Rejected(
        "unsupported_file", "declared image/jpeg but the bytes are a PNG"
    )
    assert identify_kind(samples.a4_page(1), "image/png") == Rejected(
        "unsupported_file", "declared image/png but the bytes are a JPEG"
    )


def test_declared_type_is_case_insensitive_and_ignores_parameters() -> None:
    assert identify_kind(b"%PDF-1.4", "Application/PDF; charset=binary") == "pdf"


def test_declared_type_outside_the_contract() -> None:
    outcome = identify_kind(samples.a4_page(1), "image/jpg")
    assert isinstance(outcome, Rejected)
    assert outcome.code == "unsupported_file"
    assert "image/jpg is not one of" in outcome.detail


def test_polyglot_is_what_its_first_bytes_say() -> None:
    data = samples.polyglot()
    assert b"\xff\xd8\xff" in data
    assert identify_kind(data, "application/pdf") == "pdf"
    assert identify_kind(data, "image/jpeg") == Rejected(
        "unsupported_file", "declared image/jpeg but the bytes are a PDF"
    )


def test_empty_file() -> None:
    assert identify_kind(b"", "application/pdf") == Rejected("unsupported_file", "empty file")


def test_random_bytes() -> None:
    assert identify_kind(samples.random_bytes(), "image/tiff") == Rejected(
        "unsupported_file", "the bytes are not a JPEG, PNG, TIFF or PDF file"
    )
