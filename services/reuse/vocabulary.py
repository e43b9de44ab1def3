"""The reuse service's domain words, each spelled once: component origins as the indicators
group them, the completed statuses, the denominator policies and the indicator codes.

The spellings are public (CONTRACT.md, INDICATORS.md). Each closed set is a `Literal`, so
mypy checks every spelling that uses it, and the tuple of its values is derived from it: the
API's enums (api/params.py, api/models.py), the settings and the command line's choices are
these same `Literal`s.
"""

from __future__ import annotations

from typing import Literal, get_args

# -- component origins (INDICATORS.md) ------------------------------------------------------

ReuseOrigin = Literal["reused_component", "reused_result", "personal_warehouse", "national_db"]
"""Origins that count as reuse of digitized data (REUSED_DIGITIZED_DATA)."""
REUSE_ORIGINS: tuple[ReuseOrigin, ...] = get_args(ReuseOrigin)

FileOrigin = Literal["uploaded", "reused_component", "reused_result", "personal_warehouse"]
"""Origins that bring a file without a scan (a component "has a file")."""
FILE_ORIGINS: tuple[FileOrigin, ...] = get_args(FileOrigin)

RESULT_SOURCED: tuple[ReuseOrigin, ...] = ("reused_result", "personal_warehouse")
"""Reuse origins whose source is an earlier result."""

# -- dossier statuses (CONTRACT.md) ---------------------------------------------------------

COMPLETED_STATUSES = (9, 10)
"""Processed, result delivered: the dossiers of the `completed` denominator policy."""

# -- denominator policies (INDICATORS.md) ---------------------------------------------------

Policy = Literal["received", "completed", "result_required"]
"""Which dossiers received in the period form the denominators: all of them (the portal's
practice), only those completed, or only those whose procedure requires a result document."""
POLICIES: tuple[Policy, ...] = get_args(Policy)

# -- indicator codes, in the portal's order (INDICATORS.md) ---------------------------------

DossierIndicator = Literal[
    "ORIGINAL_RESULT_AVAILABLE",
    "SO_HOA_GIAY_TO_GIAI_QUYET",
    "REUSED_DIGITIZED_DATA",
    "SYNCED_WITH_DVCQG_PERSONAL_STORAGE",
    "CITIZEN_DATA_CONNECTED_DOSSIER",
]
"""The indicators that count dossiers."""
ProcedureIndicator = Literal["CITIZEN_DATA_CONNECTED_FORMALITY"]
"""The indicator that counts procedures."""
UnitIndicator = Literal["ELECTRONIC_CERTIFIED_COPY"]
"""The indicator that counts units."""
IndicatorCode = Literal[DossierIndicator, ProcedureIndicator, UnitIndicator]
"""The seven indicator codes (nested literals flatten, in this order)."""

DOSSIER_INDICATORS: tuple[DossierIndicator, ...] = get_args(DossierIndicator)
PROCEDURE_INDICATOR: ProcedureIndicator = "CITIZEN_DATA_CONNECTED_FORMALITY"
UNIT_INDICATOR: UnitIndicator = "ELECTRONIC_CERTIFIED_COPY"
INDICATOR_CODES: tuple[IndicatorCode, ...] = get_args(IndicatorCode)
