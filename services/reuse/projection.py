"""Applies facts to the reuse projection, idempotently and independent of arrival order.

Every fact is claimed by event_id in the same transaction as its writes, so a redelivered
batch changes nothing. Per-dossier flags are then recomputed from the stored components,
scans and results, so a result that arrives before its dossier, or a correction that
replaces intake facts, leaves the same figures as an in-order delivery would.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, delete, exists, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from schemas.internal import Fact
from services.common.db import insert_ignore, upsert
from services.common.timeutil import local_date, parse_rfc3339

from . import tables as t

FILE_ORIGINS = ("uploaded", "reused_component", "reused_result", "personal_warehouse")
REUSE_ORIGINS = ("reused_component", "reused_result", "personal_warehouse", "national_db")
DossierKey = tuple[str, str]


def _later(a: str, b: str) -> bool:
    """Whether instant `a` is strictly later than `b` (RFC 3339 strings)."""
    return parse_rfc3339(a) > parse_rfc3339(b)


class Projection:
    """Writes facts into the reuse service's tables."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def apply(self, facts: Sequence[Fact]) -> int:
        """Apply a batch in one transaction; returns how many facts were new."""
        if not facts:
            return 0
        async with self.engine.begin() as conn:
            claim = insert_ignore(self.engine, t.events).returning(t.events.c.event_id)
            ids = [{"event_id": f["event_id"]} for f in facts]
            new = set((await conn.execute(claim, ids)).scalars().all())
            touched: set[DossierKey] = set()
            seen: set[str] = set()
            for fact in facts:
                if fact["event_id"] not in new or fact["event_id"] in seen:
                    continue
                seen.add(fact["event_id"])
                key = await self._apply_one(conn, fact)
                if key is not None:
                    touched.add(key)
            if touched:
                await self._recompute_flags(conn, touched)
        return len(seen)

    async def _apply_one(self, conn: AsyncConnection, fact: Fact) -> DossierKey | None:
        handler = getattr(self, "_on_" + fact["event_type"].replace(".", "_"))
        result: DossierKey | None = await handler(conn, fact)
        return result

    # -- catalogue -------------------------------------------------------------------------

    async def _on_agency_registered(self, conn: AsyncConnection, fact: Fact) -> None:
        data = fact["data"]
        current = (
            await conn.execute(
                select(t.units.c.registered_at).where(t.units.c.code == fact["agency_code"])
            )
        ).scalar_one_or_none()
        if current is not None and not _later(fact["occurred_at"], current):
            return  # an older registration arriving late does not undo a newer one
        row = {
            "code": fact["agency_code"],
            "root": fact["root"],
            "parent_code": data.get("parent_code"),
            "name": data.get("name"),
            "level": data.get("level"),
            "certified_copy_service": bool(data.get("certified_copy_service", True)),
            "registered_at": fact["occurred_at"],
        }
        stmt = upsert(self.engine, t.units, ["code"], [k for k in row if k != "code"])
        await conn.execute(stmt, row)

    async def _on_procedure_assigned(self, conn: AsyncConnection, fact: Fact) -> None:
        data = fact["data"]
        row = {
            "agency_code": fact["agency_code"],
            "procedure_code": data["procedure_code"],
            "root": fact["root"],
            "name": data.get("name"),
            "citizen_facing": bool(data["citizen_facing"]),
            "result_document_required": bool(data["result_document_required"]),
        }
        stmt = upsert(
            self.engine,
            t.assignments,
            ["agency_code", "procedure_code"],
            ["root", "name", "citizen_facing", "result_document_required"],
        )
        await conn.execute(stmt, row)

    # -- dossiers --------------------------------------------------------------------------

    async def _on_dossier_received(self, conn: AsyncConnection, fact: Fact) -> DossierKey:
        data = fact["data"]
        key = (fact["root"], str(fact["dossier_code"]))
        where = and_(t.dossiers.c.root == key[0], t.dossiers.c.dossier_code == key[1])
        current = (
            await conn.execute(
                select(t.dossiers.c.intake_occurred_at, t.dossiers.c.intake_event_id).where(where)
            )
        ).first()
        if current is not None:
            newer = _later(fact["occurred_at"], current[0]) or (
                not _later(current[0], fact["occurred_at"]) and fact["event_id"] > current[1]
            )
            if not newer:
                return key  # a correction already replaced these intake facts
        applicant = data["applicant"]
        row: dict[str, Any] = {
            "agency_code": fact["agency_code"],
            "procedure_code": data["procedure_code"],
            "channel": data["channel"],
            "received_at": data["received_at"],
            "received_date": local_date(data["received_at"]),
            "applicant_kind": applicant["kind"],
            "applicant_hash": applicant.get("id_hash"),
            "vneid_authenticated": bool(applicant.get("vneid_authenticated")),
            "population_data_used": bool(data.get("population_data_used")),
            "intake_occurred_at": fact["occurred_at"],
            "intake_event_id": fact["event_id"],
        }
        if current is None:
            await conn.execute(t.dossiers.insert(), {"root": key[0], "dossier_code": key[1], **row})
        else:
            await conn.execute(update(t.dossiers).where(where).values(**row))
        # A correction replaces the intake components; supplements stay.
        await conn.execute(
            delete(t.components).where(
                t.components.c.root == key[0],
                t.components.c.dossier_code == key[1],
                t.components.c.intake.is_(True),
            )
        )
        await self._put_components(conn, key, data.get("components", []), intake=True)
        return key

    async def _on_dossier_components_added(self, conn: AsyncConnection, fact: Fact) -> DossierKey:
        key = (fact["root"], str(fact["dossier_code"]))
        await self._put_components(conn, key, fact["data"].get("components", []), intake=False)
        return key

    async def _put_components(
        self,
        conn: AsyncConnection,
        key: DossierKey,
        components: list[dict[str, Any]],
        *,
        intake: bool,
    ) -> None:
        if not components:
            return
        rows = []
        for c in components:
            src = c.get("source") or {}
            rows.append(
                {
                    "root": key[0],
                    "dossier_code": key[1],
                    "component_code": c["component_code"],
                    "origin": c["origin"],
                    "intake": intake,
                    "source_document_code": src.get("document_code"),
                    "source_result_code": src.get("result_code"),
                    "source_dossier_code": src.get("dossier_code"),
                    "source_db_code": src.get("db_code"),
                }
            )
        stmt = upsert(
            self.engine,
            t.components,
            ["root", "dossier_code", "component_code"],
            [
                "origin",
                "intake",
                "source_document_code",
                "source_result_code",
                "source_dossier_code",
                "source_db_code",
            ],
        )
        await conn.execute(stmt, rows)

    async def _on_dossier_status_changed(self, conn: AsyncConnection, fact: Fact) -> None:
        data = fact["data"]
        where = and_(
            t.dossiers.c.root == fact["root"],
            t.dossiers.c.dossier_code == fact["dossier_code"],
        )
        row = (await conn.execute(select(t.dossiers.c.status_changed_at).where(where))).first()
        if row is None:
            return  # the status of a dossier never received does not count anywhere
        if row[0] is None or not _later(row[0], data["changed_at"]):
            await conn.execute(
                update(t.dossiers)
                .where(where)
                .values(status=int(data["status"]), status_changed_at=data["changed_at"])
            )

    # -- files (outcomes from the digitizer) ----------------------------------------------

    async def _on_component_scanned(self, conn: AsyncConnection, fact: Fact) -> DossierKey:
        outcome = fact.get("file", {"status": "none"})
        row = {
            "event_id": fact["event_id"],
            "root": fact["root"],
            "dossier_code": fact["dossier_code"],
            "component_code": fact["data"]["component_code"],
            "stored": outcome.get("status") == "stored",
            "rejection_code": outcome.get("code"),
            "sha256": outcome.get("sha256"),
            "phash": outcome.get("phash"),
        }
        await conn.execute(insert_ignore(self.engine, t.scans), row)
        return (fact["root"], str(fact["dossier_code"]))

    async def _result(
        self, conn: AsyncConnection, fact: Fact, values: dict[str, bool]
    ) -> DossierKey:
        row = {
            "root": fact["root"],
            "dossier_code": fact["dossier_code"],
            "result_code": fact["data"]["result_code"],
            "issued": False,
            "electronic": False,
            "e_result": False,
            "scanned": False,
            "pushed": False,
            **values,
        }
        stmt = upsert(self.engine, t.results, ["root", "dossier_code", "result_code"], list(values))
        await conn.execute(stmt, row)
        return (fact["root"], str(fact["dossier_code"]))

    async def _on_result_issued(self, conn: AsyncConnection, fact: Fact) -> DossierKey:
        outcome = fact.get("file", {"status": "none"})
        return await self._result(
            conn,
            fact,
            {
                "issued": True,
                "electronic": bool(fact["data"]["electronic"]),
                "e_result": bool(outcome.get("e_result", False)),
            },
        )

    async def _on_result_scanned(self, conn: AsyncConnection, fact: Fact) -> DossierKey | None:
        if fact.get("file", {}).get("status") != "stored":
            return None  # an attempt that digitized nothing changes no figure
        return await self._result(conn, fact, {"scanned": True})

    async def _on_result_pushed_to_warehouse(self, conn: AsyncConnection, fact: Fact) -> DossierKey:
        return await self._result(conn, fact, {"pushed": True})

    # -- derived flags ---------------------------------------------------------------------

    async def _recompute_flags(self, conn: AsyncConnection, keys: set[DossierKey]) -> None:
        d, c, s, r = t.dossiers, t.components, t.scans, t.results
        same_c = and_(c.c.root == d.c.root, c.c.dossier_code == d.c.dossier_code)
        same_r = and_(r.c.root == d.c.root, r.c.dossier_code == d.c.dossier_code)
        stored_scan = exists().where(
            s.c.root == c.c.root,
            s.c.dossier_code == c.c.dossier_code,
            s.c.component_code == c.c.component_code,
            s.c.stored.is_(True),
        )
        has_file = exists().where(same_c, c.c.origin.in_(FILE_ORIGINS) | stored_scan)
        has_reuse = exists().where(same_c, c.c.origin.in_(REUSE_ORIGINS))
        has_wh = exists().where(same_c, c.c.origin == "personal_warehouse")
        has_e = exists().where(same_r, r.c.e_result.is_(True))
        has_dig = exists().where(same_r, r.c.e_result.is_(True) | r.c.scanned.is_(True))
        pushed = exists().where(same_r, r.c.pushed.is_(True))
        key_list = sorted(keys)
        for i in range(0, len(key_list), 400):
            chunk = key_list[i : i + 400]
            stmt = (
                update(d)
                .where(tuple_(d.c.root, d.c.dossier_code).in_(chunk))
                .values(
                    has_file=has_file,
                    has_reuse=has_reuse,
                    has_warehouse_component=has_wh,
                    has_e_result=has_e,
                    has_digitized_result=has_dig,
                    result_pushed=pushed,
                    citizen_connected=d.c.vneid_authenticated | d.c.population_data_used | has_wh,
                )
            )
            await conn.execute(stmt)
