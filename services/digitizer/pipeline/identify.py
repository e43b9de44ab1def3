"""Step 2: the file type from its first bytes only, checked against the declared type."""

from __future__ import annotations

from typing import Final

from .outcome import Kind, Rejected

CONTENT_TYPES: Final[dict[str, Kind]] = {
    "image/jpeg": "jpeg",
    "image/png": "png",
    "image/tiff": "tiff",
    "application/pdf": "pdf",
}
KIND_NAMES: Final[dict[Kind, str]] = {"jpeg": "JPEG", "png": "PNG", "tiff": "TIFF", "pdf": "PDF"}

_MAGIC: Final[tuple[tuple[bytes, Kind], ...]] = (
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"%PDF-", "pdf"),
)


def sniff(data: bytes) -> Kind | None:
    """The kind named by the magic bytes at offset 0, or None. Nothing else is looked at."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    return None


def identify_kind(data: bytes, declared_content_type: str) -> Kind | Rejected:
    """The file's kind, or ``unsupported_file`` when it is none of the four or not as declared.

    Parameters after ``;`` in the declared type are ignored, and case does not matter.
    """
    declared = declared_content_type.split(";", 1)[0].strip().lower()
    actual = sniff(data)
    if actual is None:
        if not data:
            return Rejected("unsupported_file", "empty file")
        return Rejected("unsupported_file", "the bytes are not a JPEG, PNG, TIFF or PDF file")
    declared_kind = CONTENT_TYPES.get(declared)
    if declared_kind is None:
        shown = declared if _printable(declared) else "an unreadable value"
        return Rejected(
            "unsupported_file",
            f"declared content type {shown} is not one of {', '.join(CONTENT_TYPES)}",
        )
    if declared_kind != actual:
        return Rejected(
            "unsupported_file", f"declared {declared} but the bytes are a {KIND_NAMES[actual]}"
        )
    return actual


def _printable(value: str) -> bool:
    return 0 < len(value) <= 100 and value.isascii() and value.isprintable()
