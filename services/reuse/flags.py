"""Derived columns, recomputed in SQL from what is stored: never accumulated from events.

Recomputing from stored rows (instead of updating flags as events arrive) is what makes the
projection independent of arrival order: a result that arrives before its dossier, a source
document stored after the claim that names it, or a correction all end in the same state.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, case, exists, false, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from . import keys as dossier_keys
from . import tables as t
from .keys import DossierKey
from .vocabulary import COMPLETED_STATUSES, FILE_ORIGINS, RESULT_SOURCED, REUSE_ORIGINS


def _verified(c: Any) -> Any:
    """Whether a reuse component's source names a document or result the tracker stored."""
    s, r = t.scans.alias("src_scan"), t.results.alias("src_result")
    # Within the claim's root: another root's files are neither evidence nor to be named.
    document_stored = exists().where(
        s.c.root == c.c.root, s.c.sha256 == c.c.source_document_code, s.c.stored.is_(True)
    )
    dossier_scanned = exists().where(
        s.c.root == c.c.root,
        s.c.dossier_code == c.c.source_dossier_code,
        s.c.target_kind == "component",
        s.c.stored.is_(True),
    )
    result_digitized = exists().where(
        r.c.root == c.c.root,
        r.c.result_code == c.c.source_result_code,
        or_(c.c.source_dossier_code.is_(None), r.c.dossier_code == c.c.source_dossier_code),
        or_(r.c.e_result.is_(True), r.c.scanned.is_(True)),
    )
    return case(
        (c.c.origin == "reused_component", or_(document_stored, dossier_scanned)),
        (c.c.origin.in_(RESULT_SOURCED), result_digitized),
        else_=false(),
    )


def _source_unit(c: Any) -> Any:
    """The unit holding the source: the source dossier's, the result's, else the document's."""
    d = t.dossiers.alias("src_dossier")
    r, s = t.results.alias("src_result"), t.scans.alias("src_scan")
    by_dossier = (
        select(d.c.agency_code)
        .where(d.c.root == c.c.root, d.c.dossier_code == c.c.source_dossier_code)
        .scalar_subquery()
    )
    # The smallest unit code among the dossiers holding the result (an aggregate rather than
    # ORDER BY … LIMIT 1, which SQLite answered by walking every result of the root).
    by_result = (
        select(func.min(d.c.agency_code))
        .select_from(r.join(d, and_(d.c.root == r.c.root, d.c.dossier_code == r.c.dossier_code)))
        .where(r.c.root == c.c.root, r.c.result_code == c.c.source_result_code)
        .scalar_subquery()
    )
    by_document = (
        select(d.c.agency_code)
        .join(s, and_(s.c.root == d.c.root, s.c.dossier_code == d.c.dossier_code))
        .where(s.c.root == c.c.root, s.c.sha256 == c.c.source_document_code, s.c.stored.is_(True))
        .order_by(s.c.scanned_at, s.c.event_id)
        .limit(1)
        .scalar_subquery()
    )
    return func.coalesce(by_dossier, by_result, by_document)


def _result_required(d: Any) -> Any:
    """The dossier's own unit's assignment decides; else any assignment of the procedure."""
    a = t.assignments
    own = (
        select(a.c.result_document_required)
        .where(a.c.agency_code == d.c.agency_code, a.c.procedure_code == d.c.procedure_code)
        .scalar_subquery()
    )
    anywhere = exists().where(
        a.c.root == d.c.root,
        a.c.procedure_code == d.c.procedure_code,
        a.c.result_document_required.is_(True),
    )
    return func.coalesce(own, anywhere)


async def recompute(conn: AsyncConnection, keys: Iterable[DossierKey]) -> None:
    """Recompute reuse verification and every derived dossier column for these dossiers."""
    d, c, s, r, m = t.dossiers, t.components, t.scans, t.results, t.missed
    same_c = and_(c.c.root == d.c.root, c.c.dossier_code == d.c.dossier_code)
    same_r = and_(r.c.root == d.c.root, r.c.dossier_code == d.c.dossier_code)
    stored_scan = exists().where(
        s.c.root == c.c.root,
        s.c.dossier_code == c.c.dossier_code,
        s.c.target_kind == "component",
        s.c.target_code == c.c.component_code,
        s.c.stored.is_(True),
    )
    has_wh = exists().where(same_c, c.c.origin == "personal_warehouse")
    missed = (
        select(func.count())
        .where(m.c.root == d.c.root, m.c.dossier_code == d.c.dossier_code)
        .scalar_subquery()
    )
    st = t.statuses
    same_st = and_(st.c.root == d.c.root, st.c.dossier_code == d.c.dossier_code)
    status = select(st.c.status).where(same_st).scalar_subquery()
    changed_at = select(st.c.changed_at).where(same_st).scalar_subquery()
    for root, codes in dossier_keys.grouped(keys):
        await conn.execute(
            update(c)
            .where(dossier_keys.of(c, root, codes), c.c.origin.in_(REUSE_ORIGINS))
            .values(verified=_verified(c), source_unit=_source_unit(c))
        )
        in_chunk = dossier_keys.of(d, root, codes)
        await conn.execute(
            update(d)
            .where(in_chunk)
            .values(
                has_file=exists().where(same_c, c.c.origin.in_(FILE_ORIGINS) | stored_scan),
                has_reuse=exists().where(same_c, c.c.origin.in_(REUSE_ORIGINS)),
                has_warehouse_component=has_wh,
                has_e_result=exists().where(same_r, r.c.e_result.is_(True)),
                has_digitized_result=exists().where(
                    same_r, r.c.e_result.is_(True) | r.c.scanned.is_(True)
                ),
                result_pushed=exists().where(same_r, r.c.pushed.is_(True)),
                citizen_connected=d.c.vneid_authenticated | d.c.population_data_used | has_wh,
                result_required=_result_required(d),
                status=status,
                status_changed_at=changed_at,
                completed=func.coalesce(status, 0).in_(COMPLETED_STATUSES),
                missed_components=missed,
            )
        )
        # A second statement: SET expressions see the row as it was before the statement.
        await conn.execute(
            update(d)
            .where(in_chunk)
            .values(so_hoa=d.c.has_file & (d.c.has_digitized_result | ~d.c.result_required))
        )
