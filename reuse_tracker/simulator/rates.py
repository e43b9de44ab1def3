"""The probabilities that shape a simulated province, and the ``--rates`` option parser."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, fields
from typing import Any

__all__ = [
    "APPLICANT_KINDS",
    "CHANNELS",
    "ORIGINS",
    "Rates",
    "parse_rates",
]

CHANNELS: tuple[str, ...] = ("counter", "online", "postal")
ORIGINS: tuple[str, ...] = (
    "paper",
    "scanned",
    "uploaded",
    "reused_component",
    "reused_result",
    "personal_warehouse",
    "national_db",
)
APPLICANT_KINDS: tuple[str, ...] = ("citizen", "business", "agency", "other")

# Groups of relative weights: each group is normalized, so its values need not sum to 1.
_WEIGHT_GROUPS: dict[str, tuple[str, ...]] = {
    "channel": CHANNELS,
    "origin": ORIGINS,
    "applicant": tuple(f"applicant_{k}" for k in APPLICANT_KINDS),
}
_INT_FIELDS = ("components_min", "components_max")


@dataclass(frozen=True)
class Rates:
    """Every knob of the simulator; defaults mirror official reviews (little reuse, few e-results).

    ``counter``/``online``/``postal``, the seven origins and the ``applicant_*`` kinds are relative
    weights within their group. Everything else is a probability in [0, 1], except the two
    ``components_*`` bounds. Online dossiers never carry ``paper`` or ``scanned`` components:
    those weights go to ``uploaded`` there.
    """

    # Channel mix [KenhThucHien].
    counter: float = 0.55
    online: float = 0.40
    postal: float = 0.05
    # Component origins (weights).
    paper: float = 0.40
    scanned: float = 0.15
    uploaded: float = 0.395
    reused_component: float = 0.012
    reused_result: float = 0.005
    personal_warehouse: float = 0.013
    national_db: float = 0.025
    # Components per dossier (inclusive range).
    components_min: int = 1
    components_max: int = 5
    # Applicant kinds (weights).
    applicant_citizen: float = 0.86
    applicant_business: float = 0.10
    applicant_agency: float = 0.02
    applicant_other: float = 0.02
    # Applicant and intake flags.
    returning_applicant: float = 0.30
    vneid_authenticated: float = 0.55
    population_data_used: float = 0.22
    # Processing and results.
    supplement: float = 0.04
    rejected_at_intake: float = 0.03
    withdrawn: float = 0.02
    result_issued: float = 0.90
    second_result: float = 0.03
    e_result: float = 0.28
    e_result_file_url: float = 0.15
    e_result_jpeg: float = 0.20
    result_scanned: float = 0.25
    pushed_to_warehouse: float = 0.35
    # Scanning habits. rescan: a paper already digitized for the same applicant, brought again
    # to a counter, is scanned again (a missed reuse) instead of taking its drawn origin.
    rescan: float = 0.60
    rotated: float = 0.10
    # Faults in the stream. invalid: share of messages (at least one of each code when > 0);
    # checksum_mismatch / object_missing: per file; bad_file_retry: a correct re-send follows.
    correction: float = 0.02
    correction_out_of_order: float = 0.25
    duplicate: float = 0.01
    invalid: float = 0.003
    checksum_mismatch: float = 0.01
    object_missing: float = 0.01
    bad_file_retry: float = 0.50
    # Dossiers received just outside the period (they must not count).
    outside_period: float = 0.02
    boundary_times: float = 0.01

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in _INT_FIELDS:
                if not isinstance(value, int) or value < 0:
                    raise ValueError(f"{f.name} must be a non-negative integer, got {value!r}")
            elif not 0.0 <= float(value) <= 1.0:
                raise ValueError(f"{f.name} must be within [0, 1], got {value!r}")
        if self.components_min > self.components_max:
            raise ValueError("components_min must not exceed components_max")
        for group, names in _WEIGHT_GROUPS.items():
            if sum(getattr(self, n) for n in names) <= 0:
                raise ValueError(f"the {group} weights ({', '.join(names)}) are all zero")

    def weights(self, group: str) -> dict[str, float]:
        """The normalized weights of a group (``channel``, ``origin`` or ``applicant``)."""
        names = _WEIGHT_GROUPS[group]
        total = sum(getattr(self, n) for n in names)
        return {n.removeprefix("applicant_"): getattr(self, n) / total for n in names}

    def as_dict(self) -> dict[str, Any]:
        """All fields by name (for truth.json)."""
        return dataclasses.asdict(self)


def valid_names() -> tuple[str, ...]:
    """The names ``parse_rates`` accepts."""
    return tuple(f.name for f in fields(Rates))


def parse_rates(spec: str, base: Rates | None = None) -> Rates:
    """Parse ``"reused_component=0.1,e_result=0.3"`` into a :class:`Rates` over ``base``.

    Unknown names and malformed values raise ``ValueError`` naming the valid ones.
    """
    base = base or Rates()
    names = valid_names()
    changes: dict[str, Any] = {}
    for raw in spec.split(","):
        item = raw.strip()
        if not item:
            continue
        name, sep, value = item.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not value:
            raise ValueError(f"expected name=value, got {item!r}")
        if name not in names:
            raise ValueError(f"unknown rate {name!r}; valid names: {', '.join(names)}")
        try:
            changes[name] = int(value) if name in _INT_FIELDS else float(value)
        except ValueError:
            kind = "an integer" if name in _INT_FIELDS else "a number"
            raise ValueError(f"{name} must be {kind}, got {value!r}") from None
    return dataclasses.replace(base, **changes)
