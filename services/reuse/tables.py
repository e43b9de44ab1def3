"""The tables the reuse service owns: its projection of units, dossiers, components, results."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Index,
    Integer,
    MetaData,
    String,
    Table,
)

metadata = MetaData()

events = Table(
    "reuse_events",
    metadata,
    Column("event_id", String(36), primary_key=True),
)

units = Table(
    "reuse_units",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("root", String(32), nullable=False, index=True),
    Column("parent_code", String(32)),
    Column("name", String(512)),
    Column("level", String(16)),
    Column("certified_copy_service", Boolean, nullable=False),
    Column("registered_at", String(40), nullable=False),  # occurred_at of the latest registration
)

assignments = Table(
    "reuse_assignments",
    metadata,
    Column("agency_code", String(32), primary_key=True),
    Column("procedure_code", String(32), primary_key=True),
    Column("root", String(32), nullable=False, index=True),
    Column("name", String(512)),
    Column("citizen_facing", Boolean, nullable=False),
    Column("result_document_required", Boolean, nullable=False),
)

dossiers = Table(
    "reuse_dossiers",
    metadata,
    Column("root", String(32), primary_key=True),
    Column("dossier_code", String(64), primary_key=True),
    Column("agency_code", String(32), nullable=False),
    Column("procedure_code", String(32), nullable=False),
    Column("channel", String(8), nullable=False),
    Column("received_at", String(40), nullable=False),
    Column("received_date", Date, nullable=False),
    Column("applicant_kind", String(16), nullable=False),
    Column("applicant_hash", String(64)),
    Column("vneid_authenticated", Boolean, nullable=False),
    Column("population_data_used", Boolean, nullable=False),
    Column("intake_occurred_at", String(40), nullable=False),
    Column("intake_event_id", String(36), nullable=False),
    Column("status", Integer),
    Column("status_changed_at", String(40)),
    # Flags derived from components and results, recomputed whenever either changes.
    Column("has_file", Boolean, nullable=False, default=False),
    Column("has_e_result", Boolean, nullable=False, default=False),
    Column("has_digitized_result", Boolean, nullable=False, default=False),
    Column("has_reuse", Boolean, nullable=False, default=False),
    Column("has_warehouse_component", Boolean, nullable=False, default=False),
    Column("result_pushed", Boolean, nullable=False, default=False),
    Column("citizen_connected", Boolean, nullable=False, default=False),
)
Index("ix_reuse_dossiers_period", dossiers.c.root, dossiers.c.received_date, dossiers.c.agency_code)

components = Table(
    "reuse_components",
    metadata,
    Column("root", String(32), primary_key=True),
    Column("dossier_code", String(64), primary_key=True),
    Column("component_code", String(64), primary_key=True),
    Column("origin", String(24), nullable=False),
    Column("intake", Boolean, nullable=False),  # declared at intake (replaced by corrections)
    Column("source_document_code", String(128)),
    Column("source_result_code", String(128)),
    Column("source_dossier_code", String(128)),
    Column("source_db_code", String(128)),
)

scans = Table(
    "reuse_scans",
    metadata,
    Column("event_id", String(36), primary_key=True),
    Column("root", String(32), nullable=False),
    Column("dossier_code", String(64), nullable=False),
    Column("component_code", String(64), nullable=False),
    Column("stored", Boolean, nullable=False),
    Column("rejection_code", String(40)),
    Column("sha256", String(64)),
    Column("phash", String(16)),
)
Index("ix_reuse_scans_component", scans.c.root, scans.c.dossier_code, scans.c.component_code)

results = Table(
    "reuse_results",
    metadata,
    Column("root", String(32), primary_key=True),
    Column("dossier_code", String(64), primary_key=True),
    Column("result_code", String(128), primary_key=True),
    Column("issued", Boolean, nullable=False, default=False),
    Column("electronic", Boolean, nullable=False, default=False),
    Column("e_result", Boolean, nullable=False, default=False),
    Column("scanned", Boolean, nullable=False, default=False),
    Column("pushed", Boolean, nullable=False, default=False),
)
