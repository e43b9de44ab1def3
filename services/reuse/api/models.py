"""Response models of the auditor API (they are also its OpenAPI schema)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..vocabulary import ReuseOrigin


class _Model(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class Metric(_Model):
    """One portal indicator for a unit subtree and a period."""

    code: str = Field(description="The portal's code, e.g. REUSED_DIGITIZED_DATA.")
    numerator: int = Field(description="Dossiers (procedures, units) that count.")
    denominator: int = Field(description="Dossiers (procedures, units) considered.")
    ratio: float | None = Field(
        description="100 × numerator / denominator, half up to 2 decimals; null when empty."
    )
    score: float | None = Field(
        description="max × min(1, share / full-marks share), half up to 2 decimals, from the "
        "exact fraction; null when the denominator is 0 (counts as 0 in the total)."
    )
    max_score: int = Field(description="The indicator's maximum score.")


class Indicators(_Model):
    """The seven digitization indicators of a unit and its subtree (CONTRACT.md)."""

    unit: str = Field(description="The unit; its whole subtree counts.")
    from_: date = Field(alias="from", description="First local day of receipt, inclusive.")
    to: date = Field(description="Last local day of receipt, inclusive.")
    total_score: float = Field(description="Sum of the seven scores (null scores count 0).")
    max_score: int = Field(description="22.")
    ratio: float = Field(description="100 × total_score / 22, half up to 2 decimals.")
    metrics: list[Metric] = Field(description="The seven indicators, in the portal's order.")
    units: list[Indicators] | None = Field(
        default=None,
        description="The same object for each direct child unit; only with breakdown=children.",
    )


class ReuseEdge(_Model):
    """One reused component of a dossier received in the period."""

    dossier_code: str = Field(description="The reusing dossier (MaHoSo).")
    unit: str = Field(description="The unit that received the reusing dossier.")
    procedure_code: str = Field(description="The reusing dossier's procedure (MaTTHC).")
    received_at: str = Field(description="When the reusing dossier was received (RFC 3339).")
    component_code: str = Field(description="The reused component.")
    origin: ReuseOrigin
    source_document_code: str | None = Field(description="The digitized document named.")
    source_result_code: str | None = Field(description="The earlier result named (MaGiayToKetQua).")
    source_dossier_code: str | None = Field(description="The earlier dossier named.")
    source_db_code: str | None = Field(description="The national database named (MaCSDL).")
    source_unit: str | None = Field(description="The unit holding the source, when known.")
    verified: bool = Field(
        description="True when the source names a document or result the tracker stored; "
        "false for a claim the tracker could not check."
    )


class ReusePage(_Model):
    """Reuse evidence: one row per reused component, paged."""

    unit: str
    from_: date = Field(alias="from")
    to: date
    total: int = Field(description="Reused components in the whole list.")
    verified: int = Field(description="How many of them are verified.")
    limit: int
    offset: int
    items: list[ReuseEdge]


class EarlierDocument(_Model):
    """The document digitized first, for the same applicant."""

    root: str
    dossier_code: str
    unit: str | None = Field(description="Its dossier's unit, when that dossier is known.")
    received_at: str | None
    target_kind: Literal["component", "result"]
    target_code: str = Field(description="Its component or result code.")
    scanned_at: str
    sha256: str


class MissedRow(_Model):
    """A component digitized again although the same paper was already digitized."""

    dossier_code: str
    unit: str
    received_at: str
    component_code: str
    scanned_at: str
    sha256: str
    earlier: EarlierDocument
    match: Literal["sha256", "phash"] = Field(
        description="Identical bytes, or a perceptual hash within the configured distance."
    )
    distance: int = Field(description="Hamming distance of the perceptual hashes (0 for sha256).")


class MissedSummary(_Model):
    """Missed reuse of a unit subtree, and the reuse figures it would have had."""

    unit: str
    from_: date = Field(alias="from")
    to: date
    missed_components: int = Field(description="Components scanned again: missed reuse.")
    missed_dossiers: int = Field(description="Dossiers with at least one such component.")
    reuse_components: int = Field(description="Components declared reused (any reuse origin).")
    verified_components: int = Field(
        description="Of those, the ones whose source names a document or result the tracker stored."
    )
    reuse: Metric = Field(description="REUSED_DIGITIZED_DATA as computed.")
    reuse_without_missed: Metric = Field(
        description="REUSED_DIGITIZED_DATA had every dossier with missed reuse reused instead."
    )
    units: list[MissedSummary] | None = Field(
        default=None, description="The same for each direct child; only with breakdown=children."
    )


class MissedReusePage(MissedSummary):
    """The missed-reuse summary and one page of its evidence (both documents per row)."""

    policy: str = Field(description="The denominator policy used.")
    total: int = Field(description="Rows in the whole list.")
    limit: int
    offset: int
    items: list[MissedRow]


class ExplainItem(_Model):
    """A dossier, procedure or unit behind an indicator, and why it counts or not."""

    kind: Literal["dossier", "procedure", "unit"]
    code: str = Field(description="Dossier, procedure or unit code.")
    unit: str | None = Field(default=None, description="The dossier's unit (or the unit).")
    name: str | None = Field(default=None, description="Procedure or unit name.")
    procedure_code: str | None = Field(default=None, description="The dossier's procedure.")
    received_at: str | None = Field(default=None, description="When the dossier was received.")
    units: list[str] | None = Field(
        default=None, description="Units of the scope the procedure is assigned to."
    )
    counted: bool = Field(description="Whether it is in the numerator.")
    reason: str = Field(description="Why it counts, or precisely why not.")


class Explanation(_Model):
    """The entries behind one indicator of a unit and period, paged."""

    unit: str
    from_: date = Field(alias="from")
    to: date
    indicator: str
    policy: str = Field(description="The denominator policy used.")
    counts: Literal["dossiers", "procedures", "units"]
    numerator: int = Field(description="Equal to the indicator's numerator.")
    denominator: int = Field(description="Equal to the indicator's denominator.")
    counted: bool | None = Field(description="The filter asked for (null: both).")
    total: int = Field(description="Entries matching the filter.")
    limit: int
    offset: int
    items: list[ExplainItem]


class Problem(_Model):
    """An error: what is wrong."""

    detail: str
