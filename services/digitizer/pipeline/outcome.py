"""Typed outcomes of the file pipeline: a file is either processed or rejected with a code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias

Kind: TypeAlias = Literal["jpeg", "png", "tiff", "pdf"]
RejectionCode: TypeAlias = Literal[
    "unsupported_file", "image_too_large", "corrupt_file", "checksum_mismatch"
]

#: Scans below this resolution are flagged as below the digitization standard.
STANDARD_DPI = 200.0


@dataclass(frozen=True)
class PageInfo:
    """One page as it reads upright: size in pixels and the recorded resolution.

    ``dpi`` is None when the file records no usable resolution (then ``below_standard`` is
    False: unknown is not flagged). PDF pages give their size in points, i.e. pixels at 72 dpi.
    """

    width: int
    height: int
    dpi: float | None
    below_standard: bool


def page_info(width: int, height: int, dpi: float | None) -> PageInfo:
    """A PageInfo with ``below_standard`` derived from ``dpi``."""
    return PageInfo(width, height, dpi, dpi is not None and dpi < STANDARD_DPI)


@dataclass(frozen=True)
class Processed:
    """A file that passed every check, with what the later steps need to store it."""

    kind: Kind
    sha256: str
    size: int
    pages: tuple[PageInfo, ...]
    dhash: int | None  # 64-bit difference hash of the first page (images only)
    archival_pdf: bytes | None
    thumbnail_webp: bytes | None
    pdf_signed: bool | None
    pdf_encrypted: bool = False


@dataclass(frozen=True)
class Rejected:
    """A refused file: one of the contract's file error codes and a human-readable reason.

    The detail never quotes the file's bytes.
    """

    code: RejectionCode
    detail: str


Outcome: TypeAlias = Processed | Rejected
