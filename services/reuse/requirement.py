"""Which dossiers a batch of procedure assignments changes, found without visiting the others.

A dossier's `result_required` is its own unit's assignment of its procedure, else whether any
assignment of the procedure in the root requires a result document (`flags._result_required`).
A `procedure.assigned` therefore changes only:

- the dossiers of its own unit and procedure whose value differs from the new flag, and
- when the root-wide "some assignment requires a result" of the procedure flips, the dossiers
  of that procedure at units without an assignment of their own.

So a dossier is recomputed only when its value really changes, however many dossiers the
procedure already has: an assignment that arrives after 100,000 of its dossiers costs index
probes, not a recomputation of all of them. A few statements per root serve a whole batch.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from schemas.internal import Fact

from . import tables as t
from .keys import DossierKey
from .precedence import newer

Flags = dict[str, dict[str, bool]]  # procedure -> unit -> result_document_required


def _newest(facts: Sequence[Fact]) -> dict[str, dict[tuple[str, str], Fact]]:
    """root -> (procedure, unit) -> the batch's newest assignment (see precedence)."""
    out: dict[str, dict[tuple[str, str], Fact]] = defaultdict(dict)
    for f in facts:
        if f["event_type"] != "procedure.assigned":
            continue
        key = (f["data"]["procedure_code"], f["agency_code"])
        held = out[f["root"]].get(key)
        if held is None or newer(
            f["occurred_at"], f["event_id"], held["occurred_at"], held["event_id"]
        ):
            out[f["root"]][key] = f
    return out


async def changed_by_assignments(conn: AsyncConnection, facts: Sequence[Fact]) -> set[DossierKey]:
    """Dossiers whose `result_required` the batch's assignments change (call before writing)."""
    keys: set[DossierKey] = set()
    for root, batch in _newest(facts).items():
        current, held = await _current(conn, root, sorted({p for p, _ in batch}))
        new: Flags = defaultdict(dict)
        for (procedure, unit), f in batch.items():
            stored = held.get((procedure, unit))
            if stored is None or newer(f["occurred_at"], f["event_id"], *stored):
                new[procedure][unit] = bool(f["data"]["result_document_required"])
        for flag in (True, False):
            own: dict[str, list[str]] = {}
            for procedure, units in new.items():
                was = current[procedure]
                changed = sorted(u for u, f in units.items() if f is flag and was.get(u) != flag)
                if changed:
                    own[procedure] = changed
            keys |= await _own_changes(conn, root, flag, own)
        for procedure, units in new.items():
            after = {**current[procedure], **units}
            anywhere = any(after.values())
            if any(current[procedure].values()) != anywhere:
                keys |= await _fallback_changes(conn, root, procedure, sorted(after), anywhere)
    return keys


async def _current(
    conn: AsyncConnection, root: str, procedures: list[str]
) -> tuple[dict[str, dict[str, bool]], dict[tuple[str, str], tuple[str, str | None]]]:
    """The stored flags by procedure and unit, and the (instant, event id) that set each."""
    a = t.assignments
    flags: dict[str, dict[str, bool]] = defaultdict(dict)
    held: dict[tuple[str, str], tuple[str, str | None]] = {}
    rows = await conn.execute(
        select(
            a.c.procedure_code,
            a.c.agency_code,
            a.c.result_document_required,
            a.c.assigned_at,
            a.c.assigned_event_id,
        ).where(a.c.root == root, a.c.procedure_code.in_(procedures))
    )
    for procedure, agency, flag, at, event_id in rows:
        flags[procedure][agency] = bool(flag)
        if at is not None:
            held[(procedure, agency)] = (at, event_id)
    return flags, held


async def _own_changes(
    conn: AsyncConnection, root: str, flag: bool, units_by_procedure: dict[str, list[str]]
) -> set[DossierKey]:
    """Dossiers of these units and procedures whose value is not `flag` yet."""
    if not units_by_procedure:
        return set()
    d = t.dossiers
    stmt = select(d.c.root, d.c.dossier_code).where(
        d.c.root == root,
        or_(
            *(
                and_(d.c.procedure_code == procedure, d.c.agency_code.in_(units))
                for procedure, units in sorted(units_by_procedure.items())
            )
        ),
        d.c.result_required.is_not(flag),
    )
    return {(r, code) for r, code in await conn.execute(stmt)}


async def _fallback_changes(
    conn: AsyncConnection, root: str, procedure: str, assigned: list[str], anywhere: bool
) -> set[DossierKey]:
    """Dossiers of the procedure at units without their own assignment, whose value is not
    `anywhere` yet (only when the root-wide value flips: rare)."""
    d = t.dossiers
    stmt = select(d.c.root, d.c.dossier_code).where(
        d.c.root == root,
        d.c.procedure_code == procedure,
        d.c.agency_code.not_in(assigned),
        d.c.result_required.is_not(anywhere),
    )
    return {(r, code) for r, code in await conn.execute(stmt)}
