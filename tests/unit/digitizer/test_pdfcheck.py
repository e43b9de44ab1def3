import io

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, FloatObject, NameObject

from reuse_tracker.simulator import samples
from services.digitizer.pipeline.limits import Limits
from services.digitizer.pipeline.outcome import PageInfo, Rejected
from services.digitizer.pipeline.pdfcheck import PdfCheck, check_pdf, has_signature

A4 = PageInfo(595, 842, None, False)


def _ok(data: bytes, limits: Limits | None = None) -> PdfCheck:
    outcome = check_pdf(data, limits or Limits())
    assert isinstance(outcome, PdfCheck), outcome
    return outcome


def test_plain_pdf_pages_in_points() -> None:
    assert _ok(samples.pdf_doc(3)) == PdfCheck((A4, A4, A4), signed=False)


def test_signature_field_with_a_value_is_signed() -> None:
    assert _ok(samples.pdf_doc(2, signed=True)).signed is True


def test_empty_signature_field_is_not_a_signature() -> None:
    assert _ok(samples.pdf_doc(1, empty_signature_field=True)).signed is False


def test_signature_field_cycle_terminates() -> None:
    reader = PdfReader(io.BytesIO(samples.pdf_doc(1, empty_signature_field=True)))
    fields = reader.root_object["/AcroForm"]["/Fields"]  # type: ignore[index]
    parent = fields[0].get_object()
    kid = parent["/Kids"][0].get_object()
    kid[NameObject("/Kids")] = ArrayObject([fields[0]])  # kid -> parent -> kid ...
    assert has_signature(reader) is False


def test_encrypted_pdf_is_unsupported() -> None:
    assert check_pdf(samples.pdf_doc(1, encrypted=True), Limits()) == Rejected(
        "unsupported_file", "encrypted PDF"
    )


def test_page_limit() -> None:
    assert check_pdf(samples.pdf_doc(5), Limits(max_pages=4)) == Rejected(
        "image_too_large", "PDF has 5 pages, limit 4"
    )
    assert len(_ok(samples.pdf_doc(4), Limits(max_pages=4)).pages) == 4


def test_pdf_without_pages_is_corrupt() -> None:
    out = io.BytesIO()
    PdfWriter().write(out)
    assert check_pdf(out.getvalue(), Limits()) == Rejected("corrupt_file", "PDF has no pages")


def test_rotated_and_user_unit_pages() -> None:
    writer = PdfWriter()
    writer.add_blank_page(200, 100).rotate(90)
    page = writer.add_blank_page(10, 20)
    page[NameObject("/UserUnit")] = FloatObject(2)
    out = io.BytesIO()
    writer.write(out)
    assert _ok(out.getvalue()).pages == (
        PageInfo(100, 200, None, False),
        PageInfo(20, 40, None, False),
    )


@pytest.mark.parametrize(
    "data",
    [
        samples.pdf_header_garbage(),
        samples.polyglot(),
        b"%PDF-",
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 1 0 R >> endobj\ntrailer << /Root 1 0 R >>",
    ],
)
def test_unreadable_pdf_is_corrupt(data: bytes) -> None:
    outcome = check_pdf(data, Limits())
    assert isinstance(outcome, Rejected)
    assert outcome.code == "corrupt_file"


def test_truncated_pdf_is_corrupt_or_still_readable_but_never_raises() -> None:
    data = samples.pdf_doc(3, signed=True)
    for cut in range(8, len(data), 37):
        outcome = check_pdf(data[:cut], Limits())
        assert isinstance(outcome, PdfCheck | Rejected)
