"""Applies facts to the reuse projection, idempotently and independent of arrival order.

Every fact is claimed by event_id in the same transaction as its writes, so a redelivered
batch changes nothing. Per-dossier flags are then recomputed from the stored components,
scans and results, so a result that arrives before its dossier, or a correction that
replaces intake facts, leaves the same figures as an in-order delivery would.

A batch is written kind by kind, each kind in one statement for all its rows: per-fact
statements cost ten times more than the work itself.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import bindparam, delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from schemas.internal import Fact
from services.common.db import insert_ignore, upsert
from services.common.timeutil import local_date

from . import aggregates, flags, missed, requirement
from . import keys as dossier_keys
from . import tables as t
from .keys import DossierKey, chunks
from .precedence import later, newer

WRITER_LOCK = 0x72657573  # PostgreSQL advisory lock namespace ("reus") of the projection's writers
FILE_EVENTS = ("component.scanned", "result.issued", "result.scanned")
RESULT_EVENTS = ("result.issued", "result.scanned", "result.pushed_to_warehouse")


def _stored(fact: Fact) -> bool:
    return fact.get("file", {}).get("status") == "stored"


class Projection:
    """Writes facts into the reuse service's tables."""

    def __init__(
        self, engine: AsyncEngine, *, max_distance: int = missed.DEFAULT_MAX_DISTANCE
    ) -> None:
        self.engine = engine
        self.max_distance = max_distance
        self._statements: dict[str, Any] = {}
        self._statistics = TableStatistics(engine)

    async def apply(self, facts: Sequence[Fact]) -> int:
        """Apply a batch in one transaction; returns how many facts were new.

        Steps: claim the event ids; find every dossier the batch may change (its own, those
        whose reuse claims name what it brings, those whose required result its procedure
        assignments change); snapshot their contributions; apply the facts; recompute missed
        reuse of the applicants whose files it touches (adding the dossiers whose count
        changes); recompute derived columns; add the change in contributions to the per-day
        aggregates. Each step reads through an index only what the batch can change, so the
        cost of a fact does not grow with history.
        """
        if not facts:
            return 0
        async with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                await _lock_roots(conn, {f["root"] for f in facts})
            claim = insert_ignore(self.engine, t.events).returning(t.events.c.event_id)
            ids = [{"event_id": f["event_id"]} for f in facts]
            new = set((await conn.execute(claim, ids)).scalars().all())
            fresh: list[Fact] = []
            for fact in facts:
                if fact["event_id"] in new:
                    new.discard(fact["event_id"])  # once per batch, even if sent twice in it
                    fresh.append(fact)
            if not fresh:
                return 0
            keys = await self._touched(conn, fresh)
            keys |= await requirement.changed_by_assignments(conn, fresh)
            applicants = await self._applicants(conn, fresh)
            before = await aggregates.snapshot(conn, keys)
            await self._write(conn, fresh)
            # Only the applicants' dossiers whose missed-reuse count changes are recomputed;
            # the writes above touched none of their contribution columns, so their snapshot
            # taken now is still the one from before the batch.
            recounted: set[DossierKey] = set()
            for root, hashes in dossier_keys.grouped(applicants):
                recounted |= await missed.refresh_applicants(conn, root, hashes, self.max_distance)
            extra = recounted - keys
            before += await aggregates.snapshot(conn, extra)
            keys |= extra
            await flags.recompute(conn, keys)
            deltas = aggregates.Deltas()
            deltas.add(before, -1)
            deltas.add(await aggregates.snapshot(conn, keys), +1)
            await aggregates.apply_deltas(conn, deltas)
        await self._statistics.grew_by(len(fresh))
        return len(fresh)

    # -- what a batch may change -----------------------------------------------------------

    async def _touched(self, conn: AsyncConnection, facts: Sequence[Fact]) -> set[DossierKey]:
        """Dossiers whose derived columns a batch may change."""
        keys: set[DossierKey] = set()
        c = t.components
        # What arrives that reuse claims (in other dossiers) may name, by root.
        named_dossiers: dict[str, set[str]] = defaultdict(set)
        named_results: dict[str, set[str]] = defaultdict(set)
        named_documents: dict[str, set[str]] = defaultdict(set)
        for fact in facts:
            root, code, data = fact["root"], fact["dossier_code"], fact["data"]
            if code is None:
                continue
            keys.add((root, code))
            if fact["event_type"] == "dossier.received":
                named_dossiers[root].add(code)
            if fact["event_type"] in FILE_EVENTS and _stored(fact):
                # Any stored file, result files included, verifies claims naming its SHA-256.
                named_documents[root].add(str(fact["file"].get("sha256")))
            if fact["event_type"] == "component.scanned" and _stored(fact):
                named_dossiers[root].add(code)
            elif fact["event_type"] in RESULT_EVENTS:
                named_results[root].add(data["result_code"])
        intakes = sorted(
            (f["root"], str(f["dossier_code"]))
            for f in facts
            if f["event_type"] == "dossier.received"
        )
        await self._named_by_intakes(conn, intakes, named_results, named_documents)
        queries: list[Any] = []
        for column, named in (
            (c.c.source_dossier_code, named_dossiers),
            (c.c.source_result_code, named_results),
            (c.c.source_document_code, named_documents),
        ):
            for root, codes in named.items():
                claims = select(c.c.root, c.c.dossier_code).where(c.c.root == root)
                queries += [claims.where(column.in_(part)) for part in chunks(sorted(codes))]
        for stmt in queries:
            keys.update((r, k) for r, k in await conn.execute(stmt))
        return keys

    async def _named_by_intakes(
        self,
        conn: AsyncConnection,
        intakes: Sequence[DossierKey],
        named_results: dict[str, set[str]],
        named_documents: dict[str, set[str]],
    ) -> None:
        """Results and stored files of dossiers an intake (or correction) places in a unit:
        claims naming them take that unit as their source's, whichever arrived first."""
        r, s = t.results, t.scans
        for root, codes in dossier_keys.grouped(intakes):
            for found_root, code in await conn.execute(
                select(r.c.root, r.c.result_code).where(dossier_keys.of(r, root, codes))
            ):
                named_results[found_root].add(code)
            for found_root, sha in await conn.execute(
                select(s.c.root, s.c.sha256).where(
                    dossier_keys.of(s, root, codes), s.c.stored.is_(True)
                )
            ):
                named_documents[found_root].add(str(sha))

    async def _applicants(
        self, conn: AsyncConnection, facts: Sequence[Fact]
    ) -> set[tuple[str, str]]:
        """(root, applicant) pairs whose missed reuse a batch may change.

        Those with a file stored in the batch, and, for an intake, those of a dossier that
        already has stored files (its scans arrived first, or a correction moves them from
        one applicant to another); the same for components declared by a supplement.
        """
        d, s = t.dossiers, t.scans
        with_files = {
            (f["root"], str(f["dossier_code"]))
            for f in facts
            if f["event_type"] in FILE_EVENTS and _stored(f)
        }
        intakes = [f for f in facts if f["event_type"] == "dossier.received"]
        # Components declared after their scans arrived turn those scans into components.
        declaring = ("dossier.received", "dossier.components_added")
        intake_keys = {
            (f["root"], str(f["dossier_code"])) for f in facts if f["event_type"] in declaring
        }
        scanned_before: set[DossierKey] = set()
        for root, codes in dossier_keys.grouped(intake_keys):
            stmt = (
                select(s.c.root, s.c.dossier_code)
                .where(dossier_keys.of(s, root, codes), s.c.stored.is_(True))
                .distinct()
            )
            scanned_before.update((r, k) for r, k in await conn.execute(stmt))
        applicants = {
            (f["root"], h)
            for f in intakes
            if (h := f["data"]["applicant"].get("id_hash"))
            and ((f["root"], f["dossier_code"]) in scanned_before | with_files)
        }
        for root, codes in dossier_keys.grouped(with_files | scanned_before):
            stmt = select(d.c.root, d.c.applicant_hash).where(
                dossier_keys.of(d, root, codes), d.c.applicant_hash.is_not(None)
            )
            applicants.update((r, h) for r, h in await conn.execute(stmt))
        return applicants

    # -- writes, one statement per kind of row for the whole batch ------------------------

    def _stmt(self, name: str, build: Callable[[], Any]) -> Any:
        """A statement built once (building upserts costs more than running them)."""
        if name not in self._statements:
            self._statements[name] = build()
        return self._statements[name]

    async def _write(self, conn: AsyncConnection, facts: Sequence[Fact]) -> None:
        """Apply new facts: catalogue first, then intakes, supplements, statuses, files and
        results, each kind in one round trip (batch order within a kind is kept)."""
        by_type: dict[str, list[Fact]] = defaultdict(list)
        for fact in facts:
            by_type[fact["event_type"]].append(fact)
        for fact in by_type["agency.registered"]:
            await self._agency(conn, fact)
        await self._procedures(conn, by_type["procedure.assigned"])
        await self._intakes(conn, by_type["dossier.received"])
        await self._supplements(conn, by_type["dossier.components_added"])
        await self._statuses(conn, by_type["dossier.status_changed"])
        await self._files(conn, [f for f in facts if f["event_type"] in FILE_EVENTS])
        await self._results(conn, [f for f in facts if f["event_type"] in RESULT_EVENTS])

    # -- catalogue -------------------------------------------------------------------------

    async def _agency(self, conn: AsyncConnection, fact: Fact) -> None:
        data = fact["data"]
        u = t.units
        current = (
            await conn.execute(
                select(u.c.registered_at, u.c.registered_event_id).where(
                    u.c.code == fact["agency_code"]
                )
            )
        ).one_or_none()
        if current is not None and not newer(fact["occurred_at"], fact["event_id"], *current):
            return  # an older registration arriving late does not undo a newer one
        row = {
            "code": fact["agency_code"],
            "root": fact["root"],
            "parent_code": data.get("parent_code"),
            "name": data.get("name"),
            "level": data.get("level"),
            "certified_copy_service": bool(data.get("certified_copy_service", True)),
            "registered_at": fact["occurred_at"],
            "registered_event_id": fact["event_id"],
        }
        stmt = self._stmt(
            "units", lambda: upsert(self.engine, t.units, ["code"], [k for k in row if k != "code"])
        )
        await conn.execute(stmt, row)

    async def _procedures(self, conn: AsyncConnection, facts: Sequence[Fact]) -> None:
        """The newest assignment of each (unit, procedure) by occurred_at, then event_id."""
        if not facts:
            return
        a = t.assignments
        latest: dict[tuple[str, str], Fact] = {}
        for f in facts:
            key = (f["agency_code"], f["data"]["procedure_code"])
            held = latest.get(key)
            if held is None or newer(
                f["occurred_at"], f["event_id"], held["occurred_at"], held["event_id"]
            ):
                latest[key] = f
        for agency, procedures in dossier_keys.grouped(latest):
            stmt = select(
                a.c.agency_code, a.c.procedure_code, a.c.assigned_at, a.c.assigned_event_id
            ).where(a.c.agency_code == agency, a.c.procedure_code.in_(procedures))
            for agency, proc, at, event_id in await conn.execute(stmt):
                f = latest[(agency, proc)]
                if at is not None and not newer(f["occurred_at"], f["event_id"], at, event_id):
                    del latest[(agency, proc)]  # an older assignment arriving late
        if not latest:
            return
        rows = [
            {
                "agency_code": f["agency_code"],
                "procedure_code": f["data"]["procedure_code"],
                "root": f["root"],
                "name": f["data"].get("name"),
                "citizen_facing": bool(f["data"]["citizen_facing"]),
                "result_document_required": bool(f["data"]["result_document_required"]),
                "assigned_at": f["occurred_at"],
                "assigned_event_id": f["event_id"],
            }
            for f in latest.values()
        ]
        stmt = self._stmt(
            "assignments",
            lambda: upsert(
                self.engine,
                t.assignments,
                ["agency_code", "procedure_code"],
                [
                    "root",
                    "name",
                    "citizen_facing",
                    "result_document_required",
                    "assigned_at",
                    "assigned_event_id",
                ],
            ),
        )
        await conn.execute(stmt, rows)

    # -- dossiers --------------------------------------------------------------------------

    async def _intakes(self, conn: AsyncConnection, facts: Sequence[Fact]) -> None:
        """The newest intake of each dossier (by occurred_at, then event_id) replaces the
        stored one; an older one arriving late changes nothing."""
        if not facts:
            return
        d = t.dossiers
        keys = {(f["root"], str(f["dossier_code"])) for f in facts}
        current: dict[DossierKey, tuple[str, str]] = {}
        for root, codes in dossier_keys.grouped(keys):
            stmt = select(
                d.c.root, d.c.dossier_code, d.c.intake_occurred_at, d.c.intake_event_id
            ).where(dossier_keys.of(d, root, codes))
            for root, code, occurred, event_id in await conn.execute(stmt):
                current[(root, code)] = (occurred, event_id)
        winners: dict[DossierKey, Fact] = {}
        for fact in facts:
            key = (fact["root"], str(fact["dossier_code"]))
            held = winners.get(key)
            best = (held["occurred_at"], held["event_id"]) if held else current.get(key)
            if (
                best is None
                or later(fact["occurred_at"], best[0])
                or (not later(best[0], fact["occurred_at"]) and fact["event_id"] > best[1])
            ):
                winners[key] = fact
        if not winners:
            return
        inserts, updates = [], []
        for key, fact in winners.items():
            row = _intake_row(fact)
            if key in current:
                updates.append({"k_root": key[0], "k_code": key[1], **row})
            else:
                inserts.append({"root": key[0], "dossier_code": key[1], **row})
        if inserts:
            await conn.execute(d.insert(), inserts)
        if updates:
            stmt = self._stmt(
                "intake_update",
                lambda: (
                    update(d)
                    .where(d.c.root == bindparam("k_root"), d.c.dossier_code == bindparam("k_code"))
                    .values({name: bindparam(name) for name in _intake_row(facts[0])})
                ),
            )
            await conn.execute(stmt, updates)
        # A correction replaces the intake components; supplements stay.
        c = t.components
        for root, codes in dossier_keys.grouped(winners):
            await conn.execute(
                delete(c).where(dossier_keys.of(c, root, codes), c.c.intake.is_(True))
            )
        await self._put_components(
            conn,
            [
                (key, comp)
                for key, fact in winners.items()
                for comp in fact["data"].get("components", [])
            ],
            intake=True,
        )

    async def _supplements(self, conn: AsyncConnection, facts: Sequence[Fact]) -> None:
        await self._put_components(
            conn,
            [
                ((f["root"], str(f["dossier_code"])), comp)
                for f in facts
                for comp in f["data"].get("components", [])
            ],
            intake=False,
        )

    async def _put_components(
        self,
        conn: AsyncConnection,
        components: list[tuple[DossierKey, dict[str, Any]]],
        *,
        intake: bool,
    ) -> None:
        if not components:
            return
        rows = []
        for key, comp in components:
            src = comp.get("source") or {}
            rows.append(
                {
                    "root": key[0],
                    "dossier_code": key[1],
                    "component_code": comp["component_code"],
                    "origin": comp["origin"],
                    "intake": intake,
                    "source_document_code": src.get("document_code"),
                    "source_result_code": src.get("result_code"),
                    "source_dossier_code": src.get("dossier_code"),
                    "source_db_code": src.get("db_code"),
                }
            )
        stmt = self._stmt(
            "components",
            lambda: upsert(
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
            ),
        )
        await conn.execute(stmt, rows)

    async def _statuses(self, conn: AsyncConnection, facts: Sequence[Fact]) -> None:
        """The latest status of each dossier (by changed_at, then event_id) wins, whenever
        it arrives."""
        if not facts:
            return
        st = t.statuses
        latest: dict[DossierKey, Fact] = {}
        for fact in facts:
            key = (fact["root"], str(fact["dossier_code"]))
            held = latest.get(key)
            if held is None or newer(
                fact["data"]["changed_at"],
                fact["event_id"],
                held["data"]["changed_at"],
                held["event_id"],
            ):
                latest[key] = fact
        for root, codes in dossier_keys.grouped(latest):
            stmt = select(st.c.root, st.c.dossier_code, st.c.changed_at, st.c.event_id).where(
                dossier_keys.of(st, root, codes)
            )
            for root, code, changed_at, event_id in await conn.execute(stmt):
                fact = latest[(root, code)]
                if not newer(fact["data"]["changed_at"], fact["event_id"], changed_at, event_id):
                    del latest[(root, code)]  # an older status arriving late
        if not latest:
            return
        rows = [
            {
                "root": key[0],
                "dossier_code": key[1],
                "status": int(f["data"]["status"]),
                "changed_at": f["data"]["changed_at"],
                "event_id": f["event_id"],
            }
            for key, f in latest.items()
        ]
        stmt = self._stmt(
            "statuses",
            lambda: upsert(
                self.engine, st, ["root", "dossier_code"], ["status", "changed_at", "event_id"]
            ),
        )
        await conn.execute(stmt, rows)

    # -- files (outcomes from the digitizer) and results -----------------------------------

    async def _files(self, conn: AsyncConnection, facts: Sequence[Fact]) -> None:
        """Record what the digitizer did with each file an event named (stored or refused)."""
        rows = []
        for fact in facts:
            outcome = fact.get("file", {"status": "none"})
            if outcome.get("status") not in ("stored", "rejected"):
                continue  # no file in the event (a result with a file_url, say)
            data = fact["data"]
            if fact["event_type"] == "component.scanned":
                kind, code, at = "component", data["component_code"], data["scanned_at"]
            else:
                at = (
                    data["issued_at"]
                    if fact["event_type"] == "result.issued"
                    else data["scanned_at"]
                )
                kind, code = "result", data["result_code"]
            rows.append(
                {
                    "event_id": fact["event_id"],
                    "root": fact["root"],
                    "dossier_code": fact["dossier_code"],
                    "target_kind": kind,
                    "target_code": code,
                    "scanned_at": at,
                    "stored": outcome.get("status") == "stored",
                    "rejection_code": outcome.get("code"),
                    "sha256": outcome.get("sha256"),
                    "phash": outcome.get("phash"),
                    "pages": outcome.get("pages"),
                    "archive_key": outcome.get("archive_key"),
                }
            )
        if rows:
            await conn.execute(
                self._stmt("scans", lambda: insert_ignore(self.engine, t.scans)), rows
            )

    async def _results(self, conn: AsyncConnection, facts: Sequence[Fact]) -> None:
        """Upsert result rows; each kind of event sets its own flags, in arrival order."""
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
        for fact in facts:
            values: dict[str, bool]
            if fact["event_type"] == "result.issued":
                values = {"issued": True, "electronic": bool(fact["data"]["electronic"])}
                if fact.get("file", {}).get("e_result"):
                    values["e_result"] = True  # a later re-issue without a file keeps it
            elif fact["event_type"] == "result.scanned":
                if not _stored(fact):
                    continue  # an attempt that digitized nothing changes no figure
                values = {"scanned": True}
            else:
                values = {"pushed": True}
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
            groups[tuple(values)].append(row)
        for columns, rows in groups.items():
            stmt = self._stmt(
                "results:" + ",".join(columns),
                lambda columns=columns: upsert(  # type: ignore[misc]
                    self.engine, t.results, ["root", "dossier_code", "result_code"], list(columns)
                ),
            )
            await conn.execute(stmt, rows)


class TableStatistics:
    """Keeps PostgreSQL's planner statistics of the projection's tables current while they
    grow from nothing (a replay, a first province-year).

    With statistics from when the tables were small, PostgreSQL planned the per-batch
    statements with whole-table scans (a hashed subplan over every component, a dossier
    index probed by root alone): measured, batches went from 0.2 s to 15 s within 80,000
    facts. Autovacuum analyzes too late under a steady load, so the projection analyzes its
    growing tables itself each time the facts it applied since the last time reach those
    applied before (and at least ANALYZE_AFTER): O(log n) analyzes in all, a few hundred
    milliseconds each. SQLite plans these statements from its indexes alone.
    """

    ANALYZE_AFTER = 5_000
    TABLES = (
        "reuse_dossiers",
        "reuse_components",
        "reuse_results",
        "reuse_scans",
        "reuse_statuses",
        "reuse_missed",
        "reuse_assignments",
        # What the auditor API reads: planned without statistics, the per-procedure probe of
        # /v1/indicators walked a year of rows for every (unit, procedure) pair (0.2-0.5 s
        # a request after a replay instead of a few milliseconds).
        "reuse_units",
        "reuse_unit_procedures",
        "reuse_daily",
        "reuse_monthly",
        "reuse_daily_connected",
    )

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.enabled = engine.dialect.name == "postgresql"
        self.since = 0
        self.before = 0

    async def grew_by(self, facts: int) -> None:
        """Count applied facts; analyze when they have doubled since the last time."""
        if not self.enabled:
            return
        self.since += facts
        if self.since < max(self.ANALYZE_AFTER, self.before):
            return
        async with self.engine.begin() as conn:
            await conn.execute(text("ANALYZE " + ", ".join(self.TABLES)))
        self.before += self.since
        self.since = 0


async def _lock_roots(conn: AsyncConnection, roots: set[str]) -> None:
    """Take the writer lock of each root, in code order, until the transaction ends.

    A batch reads what it changes (current intakes, flags, aggregates) before writing, so two
    writers of one root take turns, as SQLite's single writer does. Everything a batch reads
    or writes belongs to its own roots (matching is within a root), so writers of different
    roots never wait on each other: instances add throughput when events come from several
    roots. The fixed order keeps two batches with the same roots from deadlocking.
    """
    for root in sorted(roots):
        await conn.execute(
            text("SELECT pg_advisory_xact_lock(:space, hashtext(:root))"),
            {"space": WRITER_LOCK, "root": root},
        )


def _intake_row(fact: Fact) -> dict[str, Any]:
    """The intake columns a dossier.received sets."""
    data = fact["data"]
    applicant = data["applicant"]
    return {
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
