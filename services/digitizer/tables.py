"""The tables the digitizer owns: stored documents (once per content) and submissions."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
)

metadata = MetaData()

documents = Table(
    "digitizer_documents",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("kind", String(8), nullable=False),
    Column("size", Integer, nullable=False),
    Column("pages", Integer, nullable=False),
    Column("min_dpi", Float),
    Column("below_standard", Boolean, nullable=False),
    Column("dhash", String(16)),  # 64-bit difference hash of the first page, in hex
    Column("pdf_signed", Boolean),
    # Each page's resolution in page order, as a JSON list (null: the file records none).
    Column("page_dpi", Text),
    Column("archival_size", Integer),  # bytes of the archival PDF (images only)
    Column("thumbnail_size", Integer),  # bytes of the WebP thumbnail (images only)
    Column("archive_key", String(200), nullable=False),
    Column("first_root", String(32), nullable=False),
    Column("stored_at", DateTime(timezone=True), server_default=func.now()),
)

# One row per file event, stored or not: every dossier that submitted a file is recorded.
submissions = Table(
    "digitizer_submissions",
    metadata,
    Column("event_id", String(36), primary_key=True),
    Column("root", String(32), nullable=False),
    Column("event_type", String(40), nullable=False),
    Column("dossier_code", String(64), nullable=False),
    Column("component_code", String(64)),
    Column("result_code", String(128)),
    Column("sha256", String(64)),
    Column("status", String(10), nullable=False),
    Column("rejection_code", String(40)),
    Column("recorded_at", DateTime(timezone=True), server_default=func.now()),
)
