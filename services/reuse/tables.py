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

from .vocabulary import POLICIES

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
    # Its event_id: of two registrations at the same instant the greater event_id wins.
    Column("registered_event_id", String(36)),
)

assignments = Table(
    "reuse_assignments",
    metadata,
    Column("agency_code", String(32), primary_key=True),
    Column("procedure_code", String(32), primary_key=True),
    Column("root", String(32), nullable=False, index=True),
    # The contract allows procedure names of up to 1024 characters.
    Column("name", String(1024)),
    Column("citizen_facing", Boolean, nullable=False),
    Column("result_document_required", Boolean, nullable=False),
    # occurred_at and event_id of the assignment held: a newer one replaces it, whenever it
    # arrives (null in rows written before these columns existed: any assignment replaces it).
    Column("assigned_at", String(40)),
    Column("assigned_event_id", String(36)),
)
# Every assignment of a procedure in a root: whether any of them requires a result document.
Index("ix_reuse_assignments_procedure", assignments.c.root, assignments.c.procedure_code)

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
    # The procedure's result_document_required as it applies to this dossier (its own unit's
    # assignment, else any assignment of the procedure in the root).
    Column("result_required", Boolean, nullable=False, default=False),
    # SO_HOA_GIAY_TO_GIAI_QUYET: a file, and a digitized result when one is required.
    Column("so_hoa", Boolean, nullable=False, default=False),
    # Status 9 (processed) or 10 (result delivered): the `completed` denominator policy.
    Column("completed", Boolean, nullable=False, default=False),
    # Components scanned again although the same paper was already digitized (missed reuse).
    Column("missed_components", Integer, nullable=False, default=0),
)
Index("ix_reuse_dossiers_period", dossiers.c.root, dossiers.c.received_date, dossiers.c.agency_code)
Index("ix_reuse_dossiers_applicant", dossiers.c.applicant_hash)
# A procedure assignment changes the dossiers of one unit and procedure (see requirement.py).
Index(
    "ix_reuse_dossiers_procedure",
    dossiers.c.root,
    dossiers.c.procedure_code,
    dossiers.c.agency_code,
)

# The latest status of each dossier, kept even when it arrives before the dossier itself.
statuses = Table(
    "reuse_statuses",
    metadata,
    Column("root", String(32), primary_key=True),
    Column("dossier_code", String(64), primary_key=True),
    Column("status", Integer, nullable=False),
    Column("changed_at", String(40), nullable=False),
    Column("event_id", String(36)),  # breaks ties between statuses changed at the same instant
)

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
    # For reuse origins: whether the source names a document or result the tracker stored
    # (resolved when the source arrives later), and the unit that holds that source.
    Column("verified", Boolean, nullable=False, default=False),
    Column("source_unit", String(32)),
)

Index("ix_reuse_components_document", components.c.source_document_code)
Index("ix_reuse_components_dossier", components.c.root, components.c.source_dossier_code)
Index("ix_reuse_components_result", components.c.root, components.c.source_result_code)

scans = Table(
    "reuse_scans",
    metadata,
    Column("event_id", String(36), primary_key=True),
    Column("root", String(32), nullable=False),
    Column("dossier_code", String(64), nullable=False),
    # "component" (component.scanned) or "result" (result.scanned, result.issued with a file)
    Column("target_kind", String(16), nullable=False),
    Column("target_code", String(128), nullable=False),
    Column("scanned_at", String(40), nullable=False),
    Column("stored", Boolean, nullable=False),
    Column("rejection_code", String(40)),
    Column("sha256", String(64)),
    Column("phash", String(16)),
    Column("pages", Integer),
    Column("archive_key", String(128)),
)
Index(
    "ix_reuse_scans_target",
    scans.c.root,
    scans.c.dossier_code,
    scans.c.target_kind,
    scans.c.target_code,
)
Index("ix_reuse_scans_sha256", scans.c.sha256)

# One row per component scanned again although the same paper had already been digitized
# for the same applicant: rebuilt for an applicant whenever its scans or dossiers change.
missed = Table(
    "reuse_missed",
    metadata,
    Column("root", String(32), primary_key=True),
    Column("dossier_code", String(64), primary_key=True),
    Column("component_code", String(64), primary_key=True),
    Column("applicant_hash", String(64), nullable=False, index=True),
    Column("scan_event_id", String(36), nullable=False),
    Column("scanned_at", String(40), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("earlier_root", String(32), nullable=False),
    Column("earlier_dossier_code", String(64), nullable=False),
    Column("earlier_target_kind", String(16), nullable=False),
    Column("earlier_target_code", String(128), nullable=False),
    Column("earlier_event_id", String(36), nullable=False),
    Column("earlier_scanned_at", String(40), nullable=False),
    Column("earlier_sha256", String(64), nullable=False),
    Column("match", String(8), nullable=False),  # "sha256" or "phash"
    Column("distance", Integer, nullable=False),  # Hamming distance of the perceptual hashes
)

# Per unit and local day of receipt: the dossier counts every dossier-level indicator needs,
# once per denominator policy, kept up to date by adding each dossier's change in contribution.
# Reading a province-year is then a sum over (units x days) rows, not over dossiers.
DAILY_COUNTS = (
    "total",
    "e_result",
    "so_hoa",
    "reuse",
    "synced",
    "connected",
    "missed_dossiers",
    "missed_components",
    "reuse_or_missed",
    "reuse_components",
    "verified_components",
)


def _count_columns() -> list[Column[int]]:
    """One integer column per (denominator policy, count), e.g. `received_e_result`."""
    return [
        Column(f"{policy}_{name}", Integer, nullable=False, default=0)
        for policy in POLICIES
        for name in DAILY_COUNTS
    ]


daily = Table(
    "reuse_daily",
    metadata,
    Column("root", String(32), primary_key=True),
    Column("agency_code", String(32), primary_key=True),
    Column("day", Date, primary_key=True),
    *_count_columns(),
)
Index("ix_reuse_daily_period", daily.c.root, daily.c.day)

# The same counts per calendar month (keyed by its first day): a year is then read as twelve
# month rows per unit, plus day rows only for the partial months at either end.
monthly = Table(
    "reuse_monthly",
    metadata,
    Column("root", String(32), primary_key=True),
    Column("agency_code", String(32), primary_key=True),
    Column("month", Date, primary_key=True),
    *_count_columns(),
)
Index("ix_reuse_monthly_period", monthly.c.root, monthly.c.month)

# Per unit, procedure and day: dossiers meeting CITIZEN_DATA_CONNECTED_DOSSIER, per policy,
# for the procedure-level indicator (which counts distinct procedures, so cannot be summed).
daily_connected = Table(
    "reuse_daily_connected",
    metadata,
    Column("root", String(32), primary_key=True),
    Column("agency_code", String(32), primary_key=True),
    Column("procedure_code", String(32), primary_key=True),
    Column("day", Date, primary_key=True),
    *(Column(f"{policy}_connected", Integer, nullable=False, default=0) for policy in POLICIES),
)

# Every (unit, procedure) pair that has dossiers: the procedure-level indicator probes
# reuse_daily_connected once per pair instead of scanning a year of rows.
unit_procedures = Table(
    "reuse_unit_procedures",
    metadata,
    Column("root", String(32), primary_key=True),
    Column("agency_code", String(32), primary_key=True),
    Column("procedure_code", String(32), primary_key=True),
)

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
# Reuse claims name a result by its code, usually without its dossier.
Index("ix_reuse_results_code", results.c.root, results.c.result_code, results.c.dossier_code)
