"""The digitizer's file pipeline: bytes in, a typed outcome out. No broker, store or database.

Steps, in order, each a module testable alone: checksum, identify, images (or pdfcheck for
PDF), phash, thumbnail, archival. See README.md.
"""

from __future__ import annotations

from .archival import make_archival_pdf
from .checksum import check_checksum
from .identify import CONTENT_TYPES, identify_kind, sniff
from .images import check_image, decode_preview
from .limits import DEFAULT_LIMITS, Limits
from .outcome import Kind, Outcome, PageInfo, Processed, Rejected, RejectionCode
from .pdfcheck import check_pdf
from .phash import dhash64, hamming
from .thumbnail import make_thumbnail

__all__ = [
    "CONTENT_TYPES",
    "DEFAULT_LIMITS",
    "Kind",
    "Limits",
    "Outcome",
    "PageInfo",
    "Processed",
    "Rejected",
    "RejectionCode",
    "check_checksum",
    "check_image",
    "check_pdf",
    "decode_preview",
    "dhash64",
    "hamming",
    "identify_kind",
    "make_archival_pdf",
    "make_thumbnail",
    "process_file",
    "sniff",
]


def process_file(
    data: bytes,
    declared_content_type: str,
    expected_sha256: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
    *,
    build_archival_pdf: bool = True,
) -> Outcome:
    """Check one untrusted file and derive what the archive stores for it. Never raises.

    An unexpected failure anywhere becomes ``Rejected("corrupt_file", ...)``; only
    MemoryError (and BaseExceptions such as KeyboardInterrupt) propagate. With
    ``build_archival_pdf=False`` the PDF rendition of an image is skipped (``archival_pdf`` is
    None) and pages after the first of a TIFF are checked from their headers only.
    """
    try:
        return _process(data, declared_content_type, expected_sha256, limits, build_archival_pdf)
    except MemoryError:
        raise
    except Exception as exc:
        return Rejected("corrupt_file", f"unreadable file: {type(exc).__name__}")


def _process(
    data: bytes,
    declared_content_type: str,
    expected_sha256: str | None,
    limits: Limits,
    build_archival_pdf: bool,
) -> Outcome:
    digest = check_checksum(data, expected_sha256, limits)
    if isinstance(digest, Rejected):
        return digest
    kind = identify_kind(data, declared_content_type)
    if isinstance(kind, Rejected):
        return kind
    if kind == "pdf":
        pdf = check_pdf(data, limits)
        if isinstance(pdf, Rejected):
            return pdf
        return Processed(
            kind=kind,
            sha256=digest,
            size=len(data),
            pages=pdf.pages,
            dhash=None,
            archival_pdf=None,
            thumbnail_webp=None,
            pdf_signed=pdf.signed,
        )
    check = check_image(data, kind, limits)
    if isinstance(check, Rejected):
        return check
    preview = decode_preview(data, kind, limits.thumb_size)
    if isinstance(preview, Rejected):
        return preview
    archival: bytes | None = None
    if build_archival_pdf:
        built = make_archival_pdf(data, kind, check.pages)
        if isinstance(built, Rejected):
            return built
        archival = built
    return Processed(
        kind=kind,
        sha256=digest,
        size=len(data),
        pages=check.pages,
        dhash=dhash64(preview),
        archival_pdf=archival,
        thumbnail_webp=make_thumbnail(preview, limits.thumb_size),
        pdf_signed=None,
    )
