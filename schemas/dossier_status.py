"""The portal's dossier status codes, as `dossier.status_changed` carries them (CONTRACT.md)."""

from __future__ import annotations

from enum import IntEnum

__all__ = ["DossierStatus"]


class DossierStatus(IntEnum):
    """`data.status` of `dossier.status_changed` [TrangThaiHoSo]: an integer 1-10."""

    REGISTERED = 1
    RECEIVED = 2
    REJECTED_AT_INTAKE = 3
    PROCESSING = 4
    SUPPLEMENT_REQUESTED = 5
    FEES_REQUESTED = 6
    WITHDRAWN = 7
    STOPPED = 8
    PROCESSED = 9
    RESULT_DELIVERED = 10
