"""Missed reuse: a component scanned again although the same paper was already digitized
for the same applicant (the once-only principle broken).

Two stored files show the same paper when their SHA-256 are equal, or when the perceptual
hashes of their first pages differ in at most `max_distance` of 64 bits (a rescan of the
same sheet is never byte-identical). The earlier file may be any stored scan or result file
of the applicant in any dossier of the same root; only component scans can be missed reuse.
Matches never cross roots: a province's figures and evidence never name another root's
dossiers (docs/api.md, "Isolation between roots").

Detection is recomputed for a whole applicant whenever one of its scans or dossiers
changes, so the outcome does not depend on the order in which scans arrive.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.timeutil import parse_rfc3339

from . import tables as t
from .keys import chunks

DEFAULT_MAX_DISTANCE = 6
"""Rescans of one sheet measured 0-5 bits apart; two different papers, 8 or more."""


@dataclass(frozen=True)
class StoredFile:
    """A stored scan or result file of one applicant."""

    root: str
    dossier_code: str
    target_kind: str  # "component" | "result"
    target_code: str
    event_id: str
    scanned_at: str
    sha256: str
    phash: str | None

    @property
    def target(self) -> tuple[str, str, str, str]:
        """The component or result the file belongs to."""
        return (self.root, self.dossier_code, self.target_kind, self.target_code)

    @property
    def instant(self) -> datetime:
        """`scanned_at` as an aware datetime."""
        return parse_rfc3339(self.scanned_at)


@dataclass(frozen=True)
class Missed:
    """A component scan that repeated an earlier file of the same applicant."""

    scan: StoredFile
    earlier: StoredFile
    match: str  # "sha256" | "phash"
    distance: int


def hamming(a: str, b: str) -> int:
    """Bits that differ between two 64-bit hashes written as 16 hex digits."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


def _match(scan: StoredFile, other: StoredFile, max_distance: int) -> tuple[str, int] | None:
    if scan.sha256 == other.sha256:
        return ("sha256", 0)
    if scan.phash and other.phash:
        distance = hamming(scan.phash, other.phash)
        if distance <= max_distance:
            return ("phash", distance)
    return None


def find_missed(
    files: Iterable[StoredFile],
    max_distance: int,
    components: Container[tuple[str, str, str]] | None = None,
) -> list[Missed]:
    """Every component whose first stored scan repeats an earlier file of the applicant.

    The earlier file must be strictly earlier (by `scanned_at`), of the same root, and belong
    to another component or result; among several matches the closest wins, then the earliest.
    With `components` given (root, dossier, component), a scan of a component the dossier
    no longer declares (a correction removed it) is not counted.
    """
    ordered = sorted(files, key=lambda f: (f.instant, f.event_id))
    first: dict[tuple[str, str, str, str], StoredFile] = {}
    for f in ordered:
        first.setdefault(f.target, f)
    out: list[Missed] = []
    for target, scan in first.items():
        if target[2] != "component":
            continue
        if components is not None and (target[0], target[1], target[3]) not in components:
            continue
        best: tuple[int, int, StoredFile, str] | None = None
        for index, other in enumerate(ordered):
            if other.instant >= scan.instant:
                break
            if other.target == target or other.root != scan.root:
                continue
            found = _match(scan, other, max_distance)
            if found is not None and (best is None or (found[1], index) < best[:2]):
                best = (found[1], index, other, found[0])
        if best is not None:
            out.append(Missed(scan, best[2], best[3], best[0]))
    return out


async def stored_files(
    conn: AsyncConnection, root: str, applicants: Sequence[str]
) -> dict[str, list[StoredFile]]:
    """Every stored file of these applicants' dossiers in `root`, by applicant."""
    s, d = t.scans, t.dossiers
    out: dict[str, list[StoredFile]] = defaultdict(list)
    for part in chunks(applicants):
        rows = await conn.execute(
            select(
                d.c.applicant_hash,
                s.c.root,
                s.c.dossier_code,
                s.c.target_kind,
                s.c.target_code,
                s.c.event_id,
                s.c.scanned_at,
                s.c.sha256,
                s.c.phash,
            )
            .join(d, (d.c.root == s.c.root) & (d.c.dossier_code == s.c.dossier_code))
            .where(
                d.c.root == root,
                d.c.applicant_hash.in_(part),
                s.c.stored.is_(True),
            )
        )
        for applicant, *rest in rows:
            if rest[6]:  # a stored file always has its SHA-256; skip a malformed outcome
                out[applicant].append(StoredFile(*rest))
    return out


async def declared_components(
    conn: AsyncConnection, root: str, applicants: Sequence[str]
) -> dict[str, set[tuple[str, str, str]]]:
    """(root, dossier, component) of every declared component of these applicants' dossiers
    in `root` that a stored scan targets (the only ones `find_missed` asks about).

    Read from the applicants' scans rather than from all their components: a company files
    thousands of dossiers a year, but only its scanned components can be missed reuse.
    """
    c, d, s = t.components, t.dossiers, t.scans
    out: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
    for part in chunks(applicants):
        rows = await conn.execute(
            select(d.c.applicant_hash, c.c.root, c.c.dossier_code, c.c.component_code)
            .distinct()
            .select_from(s)
            .join(d, (d.c.root == s.c.root) & (d.c.dossier_code == s.c.dossier_code))
            .join(
                c,
                (c.c.root == s.c.root)
                & (c.c.dossier_code == s.c.dossier_code)
                & (c.c.component_code == s.c.target_code),
            )
            .where(
                d.c.root == root,
                d.c.applicant_hash.in_(part),
                s.c.target_kind == "component",
                s.c.stored.is_(True),
            )
        )
        for applicant, found_root, dossier, component in rows:
            out[applicant].add((found_root, dossier, component))
    return out


async def refresh_applicants(
    conn: AsyncConnection, root: str, applicants: Sequence[str], max_distance: int
) -> set[tuple[str, str]]:
    """Rewrite the missed-reuse rows of these applicants in `root`; returns the dossiers
    whose count of missed components changed (their `missed_components` column follows in
    flags). Matching is within a root, so one root's rows are rewritten from its own files
    alone, and writers of different roots never touch each other's rows."""
    m = t.missed
    chosen = sorted(set(applicants))
    if not chosen:
        return set()
    old: Counter[tuple[str, str]] = Counter()
    for part in chunks(chosen):
        stmt = select(m.c.root, m.c.dossier_code).where(
            m.c.root == root, m.c.applicant_hash.in_(part)
        )
        old.update((root, code) for root, code in await conn.execute(stmt))
    files = await stored_files(conn, root, chosen)
    declared = await declared_components(conn, root, chosen)
    rows = []
    for applicant in chosen:
        for x in find_missed(
            files.get(applicant, []), max_distance, declared.get(applicant, set())
        ):
            rows.append(
                {
                    "root": x.scan.root,
                    "dossier_code": x.scan.dossier_code,
                    "component_code": x.scan.target_code,
                    "applicant_hash": applicant,
                    "scan_event_id": x.scan.event_id,
                    "scanned_at": x.scan.scanned_at,
                    "sha256": x.scan.sha256,
                    "earlier_root": x.earlier.root,
                    "earlier_dossier_code": x.earlier.dossier_code,
                    "earlier_target_kind": x.earlier.target_kind,
                    "earlier_target_code": x.earlier.target_code,
                    "earlier_event_id": x.earlier.event_id,
                    "earlier_scanned_at": x.earlier.scanned_at,
                    "earlier_sha256": x.earlier.sha256,
                    "match": x.match,
                    "distance": x.distance,
                }
            )
    for part in chunks(chosen):
        await conn.execute(delete(m).where(m.c.root == root, m.c.applicant_hash.in_(part)))
    if rows:
        await conn.execute(m.insert(), rows)
    new: Counter[tuple[str, str]] = Counter((str(r["root"]), str(r["dossier_code"])) for r in rows)
    return {key for key in old.keys() | new.keys() if old[key] != new[key]}
