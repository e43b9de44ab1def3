"""Generate a province's event stream, with the files it names and the facts behind it.

Fully deterministic for (root, dossiers, seed, rates, period). Dossiers are simulated in the
order they are received, so that reuse claims and rescans can point at earlier dossiers of the
same applicant; events are then published in time order (with the stream's faults mixed in).
"""

from __future__ import annotations

import dataclasses
import hashlib
import random
import time as _time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple

from reuse_tracker.simulator.catalogue import (
    DOCUMENT_TYPES,
    Catalogue,
    Procedure,
    Unit,
    build_catalogue,
)
from reuse_tracker.simulator.envelope import (
    TZ_VN,
    FileRef,
    ObjectRef,
    Pending,
    encode,
    envelope,
    rfc3339,
)
from reuse_tracker.simulator.facts import (
    ComponentFact,
    DossierFact,
    FileOutcome,
    IntakeFact,
    ResultFact,
    ScanFact,
)
from reuse_tracker.simulator.faults import INVALID_CODES, FaultContext, Target, invalid_events
from reuse_tracker.simulator.identity import IdFactory, digest, stable_int
from reuse_tracker.simulator.pages import PageSpec, Renderer, render_all, render_page
from reuse_tracker.simulator.rates import Rates
from reuse_tracker.simulator.truth import compute_truth
from schemas.dossier_status import DossierStatus
from schemas.topics import publisher_topic

__all__ = ["Outgoing", "Scenario", "generate"]


class Outgoing(NamedTuple):
    """One message: put ``files`` (key, bytes, content type) into ``inbox`` first, then send."""

    topic: str
    key: bytes
    value: bytes
    files: list[tuple[str, bytes, str]]


@dataclass
class Scenario:
    """A generated stream and what it must produce.

    ``events`` in publish order; ``kinds[i]`` labels ``events[i]`` (event type,
    ``duplicate:<type>`` or ``invalid:<code>``) and ``rejections[i]`` is the code the tracker
    must refuse it with (None: accept); ``expected_rejections`` counts those by code;
    ``dossiers`` are the facts the truth is computed from.
    """

    root: str
    seed: int
    period: tuple[date, date]
    rates: Rates
    catalogue: Catalogue
    dossiers: list[DossierFact]
    events: list[Outgoing]
    kinds: list[str]
    rejections: list[str | None]
    expected_rejections: Counter[str]
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def topic(self) -> str:
        """The input topic of the root."""
        return publisher_topic(self.root)

    def truth(self) -> dict[str, dict[str, Any]]:
        """The ground truth for every unit over the scenario's period."""
        return compute_truth(self.catalogue, self.dossiers, self.period)


@dataclass
class _Applicant:
    kind: str
    raw_id: str | None
    key: str | None
    stored: dict[str, datetime] = field(default_factory=dict)  # document -> first stored scan
    files: dict[str, tuple[str, datetime]] = field(default_factory=dict)  # document -> dossier
    results: list[tuple[str, str, datetime]] = field(default_factory=list)  # digitized results
    warehouse: list[tuple[str, str, datetime]] = field(default_factory=list)  # pushed results


_NOT_ONLINE = frozenset({"paper", "scanned"})
_FLAG_LOSABLE = frozenset(
    {"uploaded", "reused_component", "reused_result", "personal_warehouse", "national_db"}
)
_DB_CODES = {"citizen": "CSDLQGVDC", "business": "CSDLQGDKDN"}


@dataclass
class _Case:
    """One dossier while it is simulated: who, where, what it declared, its statuses so far."""

    code: str
    unit: Unit
    procedure: Procedure
    applicant: _Applicant
    channel: str
    received_at: datetime
    documents: list[str] = field(default_factory=list)  # the procedure's documents it brings
    statuses: list[int] = field(default_factory=list)


def _choose(rng: random.Random, weights: dict[str, float]) -> str:
    names = list(weights)
    return rng.choices(names, weights=[weights[n] for n in names])[0]


class _Simulation:
    def __init__(
        self, root: str, seed: int, rates: Rates, period: tuple[date, date], catalogue: Catalogue
    ) -> None:
        self.root = root
        self.seed = seed
        self.rates = rates
        self.period = period
        self.catalogue = catalogue
        self.rng = random.Random(stable_int("scenario", root, seed, bits=63))
        self.ids = IdFactory(root, self.rng)
        self.pending: list[Pending] = []
        self.facts: list[DossierFact] = []
        self.pool: dict[str, list[_Applicant]] = {}
        self.paper_scans: Counter[str] = Counter()
        self.paper_times: dict[str, set[datetime]] = {}
        self.day_seq: Counter[tuple[str, date]] = Counter()
        self.motcua = f"motcua-{root.lower()}"
        self.dvc = f"dvc-{root.lower()}"
        self.communes = [u for u in catalogue.units if u.level == "commune"]
        self.departments = [u for u in catalogue.units if u.level != "commune"]
        self.departments = [u for u in self.departments if catalogue.procedures_of[u.code]]
        self.communes = [u for u in self.communes if catalogue.procedures_of[u.code]]
        if not self.communes and not self.departments:
            raise ValueError("the catalogue assigns no procedure to any unit")

    # -- plumbing -------------------------------------------------------------------------

    def push(
        self,
        publish_at: datetime,
        kind: str,
        key: str,
        body: dict[str, Any] | bytes,
        files: list[FileRef] | None = None,
        objects: list[ObjectRef] | None = None,
        rejection: str | None = None,
    ) -> Pending:
        p = Pending(
            publish_at, len(self.pending), kind, key, body, files or [], objects or [], rejection
        )
        self.pending.append(p)
        return p

    def emit(
        self,
        event_type: str,
        at: datetime,
        unit: str,
        data: dict[str, Any],
        dossier: str | None = None,
        source: str | None = None,
    ) -> Pending:
        body = envelope(self.rng, event_type, at, source or self.motcua, unit, data, dossier)
        return self.push(at, event_type, dossier or unit, body)

    def new_code(self, unit: str, at: datetime) -> str:
        day = at.astimezone(TZ_VN).date()
        self.day_seq[(unit, day)] += 1
        return f"{unit}-{day:%y%m%d}-{self.day_seq[(unit, day)]:04d}"

    def office_time(self, day: date) -> datetime:
        minutes = 7 * 60 + 30 + self.rng.randrange(9 * 60 + 30)
        return datetime.combine(day, time(minutes // 60, minutes % 60), TZ_VN) + timedelta(
            seconds=self.rng.randrange(60)
        )

    def fault(self) -> FileOutcome:
        r = self.rng.random()
        if r < self.rates.checksum_mismatch:
            return "checksum_mismatch"
        if r < self.rates.checksum_mismatch + self.rates.object_missing:
            return "object_missing"
        return "stored"

    def file_event(
        self,
        event_type: str,
        at: datetime,
        unit: str,
        dossier: str,
        data: dict[str, Any],
        key: str,
        spec: PageSpec,
        outcome: FileOutcome,
    ) -> None:
        obj: dict[str, Any] = {"key": key, "sha256": "", "size": 0}
        obj["content_type"] = spec.content_type
        data["object"] = obj
        body = envelope(self.rng, event_type, at, self.motcua, unit, data, dossier)
        missing = outcome == "object_missing"
        files = [] if missing else [FileRef(key, spec)]
        fault = None if outcome == "stored" else outcome
        ref = ObjectRef(obj, None if missing else spec, fault)
        self.push(at, event_type, dossier, body, files, [ref], fault)

    # -- catalogue ------------------------------------------------------------------------

    def catalogue_events(self) -> None:
        cat = self.catalogue
        at = datetime.combine(self.period[0] - timedelta(days=60), time(8, 0), TZ_VN)
        source = f"csdl-tthc-{self.root.lower()}"
        first_registration: dict[str, Pending] = {}

        def register(unit: Unit, certified: bool, explicit: bool) -> Pending:
            nonlocal at
            at += timedelta(seconds=1)
            data: dict[str, Any] = {"name": unit.name, "parent_code": unit.parent}
            data["level"] = unit.level
            if explicit or not certified or self.rng.random() < 0.67:
                data["certified_copy_service"] = certified
            return self.emit("agency.registered", at, unit.code, data, source=source)

        for unit in cat.units:
            flipped = unit.code in cat.reregistered
            certified = not unit.certified_copy_service if flipped else unit.certified_copy_service
            first_registration[unit.code] = register(unit, certified, flipped)
        for unit_code, proc_code in cat.assignments:
            at += timedelta(seconds=1)
            p = cat.procedure_by_code[proc_code]
            data = {
                "procedure_code": p.code,
                "name": p.name,
                "citizen_facing": p.citizen_facing,
                "result_document_required": p.result_document_required,
            }
            self.emit("procedure.assigned", at, unit_code, data, source=source)
        for code in cat.reregistered:
            register(cat.by_code[code], cat.by_code[code].certified_copy_service, True)
            if self.rates.duplicate > 0:
                # A redelivery of the first registration after the update: must be ignored.
                old = first_registration[code]
                at += timedelta(seconds=1)
                self.push(at, "duplicate:agency.registered", old.key, old.body)

    # -- dossiers -------------------------------------------------------------------------

    def schedule(self, n: int) -> list[tuple[datetime, str]]:
        rng, rates = self.rng, self.rates
        start, end = self.period
        days = (end - start).days + 1
        out: list[tuple[datetime, str]] = []
        boundary = (
            0 if rates.boundary_times == 0 else min(n // 2, max(6, round(rates.boundary_times * n)))
        )
        outside = (
            0 if rates.outside_period == 0 else min(n // 4, max(2, round(rates.outside_period * n)))
        )
        one_day = timedelta(days=1)
        slots = (
            (start, time(0, 15)),  # in: the UTC date is the day before
            (start - one_day, time(23, 30)),  # out
            (end, time(23, 30)),  # in
            (end + one_day, time(0, 15)),  # out: the UTC date is the last day
            (start, time(23, 30)),  # in
            (end, time(0, 15)),  # in
        )
        for i in range(boundary):
            day, at = slots[i % len(slots)]
            moment = datetime.combine(day, at, TZ_VN) + timedelta(seconds=rng.randrange(600))
            out.append((moment, "online"))
        for _ in range(outside):
            if rng.random() < 0.5:
                day = start - timedelta(days=rng.randint(1, 20))
            else:
                day = end + timedelta(days=rng.randint(1, 20))
            out.append((self.office_time(day), "counter"))
        channels = rates.weights("channel")
        for _ in range(n - boundary - outside):
            day = start + timedelta(days=rng.randrange(days))
            channel = _choose(rng, channels)
            if channel == "online":
                moment = datetime.combine(day, time(0), TZ_VN) + timedelta(
                    seconds=rng.randrange(86400)
                )
            else:
                moment = self.office_time(day)
            out.append((moment, channel))
        order = sorted(range(len(out)), key=lambda i: (out[i][0], i))
        return [out[i] for i in order]

    def pick_unit(self) -> Unit:
        rng = self.rng
        if self.communes and (not self.departments or rng.random() < 0.6):
            return rng.choice(self.communes)
        weights = [
            sum(p.weight for p in self.catalogue.procedures_of[u.code]) for u in self.departments
        ]
        return rng.choices(self.departments, weights=weights)[0]

    def pick_procedure(self, unit: Unit, kind: str) -> Procedure:
        procs = self.catalogue.procedures_of[unit.code]
        wanted = ("citizen", "both") if kind == "citizen" else ("business", "both")
        fitting = [p for p in procs if p.audience in wanted] or list(procs)
        return self.rng.choices(fitting, weights=[p.weight for p in fitting])[0]

    def pick_applicant(self, kind: str) -> _Applicant:
        pool = self.pool.setdefault(kind, [])
        if pool and self.rng.random() < self.rates.returning_applicant:
            return self.rng.choice(pool)
        if kind == "citizen":
            raw: str | None = self.ids.citizen()
        elif kind in ("business", "agency"):
            raw = self.ids.tax_code()
        else:
            raw = None
        applicant = _Applicant(kind, raw, None if raw is None else digest(self.seed, "app", raw))
        if raw is not None:
            pool.append(applicant)
        return applicant

    def paper_of(self, applicant: _Applicant, dossier: str, document: str, component: str) -> str:
        if DOCUMENT_TYPES[document].personal and applicant.key is not None:
            return digest("paper", applicant.key, document)
        return digest("paper", dossier, component)

    def components(
        self,
        dossier: str,
        applicant: _Applicant,
        documents: list[tuple[str, str]],
        channel: str,
        at: datetime,
    ) -> tuple[list[ComponentFact], dict[str, str]]:
        """Declare components; return them and the papers of those to be scanned."""
        rng, rates = self.rng, self.rates
        weights = rates.weights("origin")
        if channel == "online":
            weights = dict(weights)
            weights["uploaded"] += sum(weights.pop(o) for o in _NOT_ONLINE)
        out: list[ComponentFact] = []
        scans: dict[str, str] = {}
        for code, document in documents:
            paper = self.paper_of(applicant, dossier, document, code)
            known = applicant.stored.get(document)
            personal = DOCUMENT_TYPES[document].personal
            if (
                personal
                and channel != "online"
                and known is not None
                and known < at
                and rng.random() < rates.rescan
            ):
                origin = "scanned"  # the once-only principle broken: a missed reuse
            else:
                origin = _choose(rng, weights)
            source: tuple[tuple[str, str], ...] = ()
            if origin == "reused_component":
                earlier = applicant.files.get(document)
                if earlier is not None and earlier[1] < at:
                    source = (("dossier_code", earlier[0]),)
            elif origin == "reused_result":
                results = [r for r in applicant.results if r[2] < at]
                if results:
                    source = (("result_code", results[-1][0]), ("dossier_code", results[-1][1]))
            elif origin == "personal_warehouse":
                pushed = [r for r in applicant.warehouse if r[2] < at]
                if pushed:
                    source = (("result_code", pushed[-1][0]), ("dossier_code", pushed[-1][1]))
            elif origin == "national_db":
                source = (("db_code", _DB_CODES.get(applicant.kind, "CSDLQGVDC")),)
            out.append(ComponentFact(code, origin, document, source))
            if origin == "scanned":
                scans[code] = paper
        return out, scans

    def scan(
        self,
        event_type: str,
        target_field: str,
        target: str,
        unit: str,
        dossier: str,
        paper: str,
        at: datetime,
    ) -> list[ScanFact]:
        """A scan of a paper, with its faults and a possible retry; returns the attempts."""
        rng = self.rng
        spec = PageSpec(
            "scan",
            stable_int(self.seed, paper),
            jitter=self.paper_scans[paper],
            rotate_exif=6 if rng.random() < self.rates.rotated else None,
        )
        self.paper_scans[paper] += 1
        attempts: list[ScanFact] = []
        outcome = self.fault()
        taken = self.paper_times.setdefault(paper, set())
        for attempt in (1, 2):
            while at in taken:  # two scans of one paper at the same second would be a tie
                at += timedelta(seconds=1)
            taken.add(at)
            key = f"{self.root}/{at:%Y/%m/%d}/{dossier}/{target}-{attempt}.jpg"
            data: dict[str, Any] = {target_field: target, "scanned_at": rfc3339(at)}
            self.file_event(event_type, at, unit, dossier, data, key, spec, outcome)
            attempts.append(ScanFact(target, at, outcome, paper))
            if outcome == "stored" or rng.random() >= self.rates.bad_file_retry:
                break
            at += timedelta(minutes=rng.randint(5, 60))
            outcome = "stored"  # the retry re-sends the same scan, correctly
        return attempts

    def scan_components(
        self,
        dossier: str,
        unit: str,
        applicant: _Applicant,
        components: list[ComponentFact],
        papers: dict[str, str],
        at: datetime,
    ) -> list[ScanFact]:
        out: list[ScanFact] = []
        for i, c in enumerate(components):
            paper = papers.get(c.code)
            if paper is None:
                continue
            moment = at + timedelta(minutes=3 + 4 * i + self.rng.randint(0, 3))
            attempts = self.scan(
                "component.scanned", "component_code", c.code, unit, dossier, paper, moment
            )
            out.extend(attempts)
            stored = [a.at for a in attempts if a.outcome == "stored"]
            if stored and applicant.key is not None and DOCUMENT_TYPES[c.document].personal:
                applicant.stored.setdefault(c.document, min(stored))
        return out

    def component_dicts(self, components: list[ComponentFact]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for c in components:
            item: dict[str, Any] = {"component_code": c.code}
            item["name"] = _component_name(c)
            item["origin"] = c.origin
            if c.source:
                item["source"] = dict(c.source)
            out.append(item)
        return out

    def intake_data(
        self, intake: IntakeFact, applicant: _Applicant, due: datetime | None
    ) -> dict[str, Any]:
        who: dict[str, Any] = {"kind": intake.applicant_kind}
        if applicant.raw_id is not None:
            who["id"] = applicant.raw_id
        if intake.vneid_authenticated or self.rng.random() < 0.5:
            who["vneid_authenticated"] = intake.vneid_authenticated
        data: dict[str, Any] = {
            "procedure_code": intake.procedure_code,
            "channel": intake.channel,
            "received_at": rfc3339(intake.received_at),
        }
        if due is not None:
            data["due_at"] = rfc3339(due)
        data["applicant"] = who
        if intake.population_data_used or self.rng.random() < 0.5:
            data["population_data_used"] = intake.population_data_used
        data["components"] = self.component_dicts(list(intake.components))
        return data

    def degrade(self, intake: IntakeFact, unit: Unit) -> IntakeFact:
        """The first, wrong version of a corrected receipt: a flag lost, or the wrong procedure."""
        rng = self.rng
        options: list[str] = []
        if any(c.origin in _FLAG_LOSABLE for c in intake.components):
            options.append("origin")
        if intake.vneid_authenticated:
            options.append("vneid")
        if intake.population_data_used:
            options.append("population")
        others = [
            p for p in self.catalogue.procedures_of[unit.code] if p.code != intake.procedure_code
        ]
        if others:
            options.append("procedure")
        if not options:
            options.append("extra_population")
        changes: dict[str, Any] = {}
        for option in rng.sample(options, 2 if len(options) > 1 and rng.random() < 0.3 else 1):
            if option == "origin":
                losable = [i for i, c in enumerate(intake.components) if c.origin in _FLAG_LOSABLE]
                i = rng.choice(losable)
                comps = list(intake.components)
                comps[i] = ComponentFact(comps[i].code, "paper", comps[i].document)
                changes["components"] = tuple(comps)
            elif option == "vneid":
                changes["vneid_authenticated"] = False
            elif option == "population":
                changes["population_data_used"] = False
            elif option == "procedure":
                changes["procedure_code"] = rng.choice(others).code
            else:
                changes["population_data_used"] = True
        return _replace_intake(intake, changes)

    def dossier(self, received_at: datetime, channel: str) -> None:
        """Simulate one dossier: intake, first scans, its course to the last status, its facts.

        The stream is reproducible from the seed, so the steps run in this order and each
        draws its random numbers in the order it always has.
        """
        kind = _choose(self.rng, self.rates.weights("applicant"))
        unit = self.pick_unit()
        procedure = self.pick_procedure(unit, kind)
        applicant = self.pick_applicant(kind)
        code = self.new_code(unit.code, received_at)
        case = _Case(code, unit, procedure, applicant, channel, received_at)
        declared = self.declare_documents(case)
        components, papers = self.components(code, applicant, declared, channel, received_at)
        intakes = self.receive(case, self.intake(case, kind, components))
        self.set_status(case, DossierStatus.RECEIVED, received_at + timedelta(seconds=1))
        scans = self.scan_components(code, unit.code, applicant, components, papers, received_at)
        self.remember_files(case, components, scans)
        supplements, results = self.course(case, scans)
        self.facts.append(
            DossierFact(
                code=code,
                unit=unit.code,
                applicant=applicant.key,
                intakes=tuple(intakes),
                supplements=tuple(supplements),
                scans=tuple(scans),
                results=tuple(results),
                statuses=tuple(case.statuses),
            )
        )

    def declare_documents(self, case: _Case) -> list[tuple[str, str]]:
        """Pick the procedure's documents the dossier brings, plus other ones: (code, type)."""
        rng, rates = self.rng, self.rates
        count = rng.randint(rates.components_min, rates.components_max)
        documents = list(case.procedure.documents)
        if count < len(documents):
            documents = sorted(rng.sample(documents, count), key=documents.index)
        case.documents = documents
        declared = [(d, d) for d in documents]
        declared += [(f"KHAC{i}", "KHAC") for i in range(1, count - len(documents) + 1)]
        return declared

    def intake(self, case: _Case, kind: str, components: list[ComponentFact]) -> IntakeFact:
        """The dossier's intake facts as they finally stand."""
        rng, rates, channel = self.rng, self.rates, case.channel
        return IntakeFact(
            event_id="",
            occurred_at=case.received_at,
            procedure_code=case.procedure.code,
            channel=channel,
            received_at=case.received_at,
            applicant_kind=kind,
            vneid_authenticated=channel == "online" and rng.random() < rates.vneid_authenticated,
            population_data_used=kind == "citizen" and rng.random() < rates.population_data_used,
            components=tuple(components),
        )

    def receive(self, case: _Case, final: IntakeFact) -> list[IntakeFact]:
        """Emit the intake: once, or a degraded first intake and its correction."""
        rng, rates = self.rng, self.rates
        received_at, unit, code = case.received_at, case.unit, case.code
        applicant = case.applicant
        source = self.dvc if case.channel == "online" else self.motcua
        due = received_at + timedelta(days=rng.randint(3, 20)) if rng.random() < 0.9 else None
        intakes: list[IntakeFact] = []
        if rng.random() < rates.correction:
            first = self.degrade(final, unit)
            p = self.emit("dossier.received", received_at, unit.code,
                          self.intake_data(first, applicant, due), code, source)  # fmt: skip
            intakes.append(_with_event(first, p))
            corrected_at = received_at + timedelta(minutes=rng.randint(5, 90))
            final = _replace_intake(final, {"occurred_at": corrected_at})
            p = self.emit("dossier.received", corrected_at, unit.code,
                          self.intake_data(final, applicant, due), code, source)  # fmt: skip
            if rng.random() < rates.correction_out_of_order:
                p.publish_at = received_at - timedelta(seconds=1)  # the correction overtakes
            intakes.append(_with_event(final, p))
        else:
            p = self.emit("dossier.received", received_at, unit.code,
                          self.intake_data(final, applicant, due), code, source)  # fmt: skip
            intakes.append(_with_event(final, p))
        return intakes

    def remember_files(
        self, case: _Case, components: list[ComponentFact], scans: list[ScanFact]
    ) -> None:
        """Note, per document, the applicant's first dossier that holds it as a digital file."""
        for c in components:
            if c.origin not in ("paper", "national_db", "scanned") or any(
                s.target == c.code and s.outcome == "stored" for s in scans
            ):
                case.applicant.files.setdefault(c.document, (case.code, case.received_at))

    def course(
        self, case: _Case, scans: list[ScanFact]
    ) -> tuple[list[ComponentFact], list[ResultFact]]:
        """Rejected at intake, withdrawn, or processed (with a supplement round and results).

        Returns the supplements and results; the supplements' scans are added to `scans`.
        """
        rng, rates = self.rng, self.rates
        supplements: list[ComponentFact] = []
        results: list[ResultFact] = []
        r = rng.random()
        now = case.received_at + timedelta(hours=rng.randint(1, 8))
        if r < rates.rejected_at_intake:
            self.set_status(case, DossierStatus.REJECTED_AT_INTAKE, now)
        elif r < rates.rejected_at_intake + rates.withdrawn:
            self.set_status(case, DossierStatus.PROCESSING, now)
            withdrawn = now + timedelta(days=rng.randint(1, 10))
            self.set_status(case, DossierStatus.WITHDRAWN, withdrawn)
        else:
            self.set_status(case, DossierStatus.PROCESSING, now)
            if rng.random() < rates.supplement:
                supplements, now = self.supplement_round(case, scans, now)
            if rng.random() < rates.result_issued:
                results = self.issue_results(case, now)
        return supplements, results

    def supplement_round(
        self, case: _Case, scans: list[ScanFact], now: datetime
    ) -> tuple[list[ComponentFact], datetime]:
        """Ask for a missing document, receive and scan it, resume processing."""
        rng, code, unit = self.rng, case.code, case.unit.code
        now += timedelta(days=rng.randint(1, 3))
        self.set_status(case, DossierStatus.SUPPLEMENT_REQUESTED, now)
        now += timedelta(days=rng.randint(1, 3))
        missing = [d for d in case.procedure.documents if d not in case.documents]
        extra = [(missing[0], missing[0])] if missing else [("BOSUNG1", "KHAC")]
        supplements, more = self.components(code, case.applicant, extra, case.channel, now)
        data = {"components": self.component_dicts(supplements)}
        self.emit("dossier.components_added", now, unit, data, code)
        scans += self.scan_components(code, unit, case.applicant, supplements, more, now)
        now += timedelta(hours=1)
        self.set_status(case, DossierStatus.PROCESSING, now)
        return supplements, now

    def issue_results(self, case: _Case, now: datetime) -> list[ResultFact]:
        """Process the dossier, issue its results and deliver them."""
        rng = self.rng
        issued = self.office_time((now + timedelta(days=rng.randint(1, 15))).date())
        self.set_status(case, DossierStatus.PROCESSED, issued)
        results = self.results(case.code, case.unit.code, case.applicant, issued)
        delivered = issued + timedelta(days=rng.randint(0, 5), minutes=rng.randint(1, 90))
        self.set_status(case, DossierStatus.RESULT_DELIVERED, delivered)
        return results

    def set_status(self, case: _Case, status: DossierStatus, at: datetime) -> None:
        """Record the dossier's new status and emit its `dossier.status_changed`."""
        case.statuses.append(int(status))
        self.status(case.code, case.unit.code, status, at)

    def status(self, dossier: str, unit: str, status: int, at: datetime) -> None:
        data = {"status": int(status), "changed_at": rfc3339(at)}
        self.emit("dossier.status_changed", at, unit, data, dossier)

    def results(
        self, dossier: str, unit: str, applicant: _Applicant, issued: datetime
    ) -> list[ResultFact]:
        rng, rates = self.rng, self.rates
        out: list[ResultFact] = []
        for n in range(1, 3 if rng.random() < rates.second_result else 2):
            code = f"KQ.{dossier}.{n}"
            at = issued + timedelta(minutes=n - 1)
            electronic = rng.random() < rates.e_result
            data: dict[str, Any] = {"result_code": code, "issued_at": rfc3339(at)}
            data["electronic"] = electronic
            file: FileOutcome | None = None
            file_url = False
            scans: list[ScanFact] = []
            seed = stable_int(self.seed, "result", code)
            if electronic and rng.random() < rates.e_result_file_url:
                file_url = True
                data["file_url"] = f"https://dichvucong.{self.root.lower()}.gov.vn/kq/{code}.pdf"
                self.emit("result.issued", at, unit, data, dossier)
            elif electronic:
                if rng.random() < rates.e_result_jpeg:
                    spec = PageSpec("scan", seed)
                else:
                    spec = PageSpec("pdf", seed, title=code, stamp=int(at.timestamp()))
                ext = "jpg" if spec.kind == "scan" else "pdf"
                key = f"{self.root}/{at:%Y/%m/%d}/{dossier}/{code}.{ext}"
                file = self.fault()
                self.file_event("result.issued", at, unit, dossier, data, key, spec, file)
            else:
                self.emit("result.issued", at, unit, data, dossier)
                if rng.random() < rates.result_scanned:
                    scanned_at = self.office_time((at + timedelta(days=rng.randint(1, 20))).date())
                    paper = digest("result-paper", code)
                    scans = self.scan(
                        "result.scanned", "result_code", code, unit, dossier, paper, scanned_at
                    )
            stored = [s.at for s in scans if s.outcome == "stored"]
            digitized = file == "stored" or file_url or bool(stored)
            pushed = False
            if digitized:
                ready = min(stored) if stored else at
                if applicant.key is not None:
                    applicant.results.append((code, dossier, ready))
                if rng.random() < rates.pushed_to_warehouse:
                    pushed = True
                    pushed_at = ready + timedelta(days=rng.randint(1, 3))
                    push = {"result_code": code, "pushed_at": rfc3339(pushed_at)}
                    self.emit("result.pushed_to_warehouse", pushed_at, unit, push, dossier)
                    if applicant.key is not None:
                        applicant.warehouse.append((code, dossier, pushed_at))
            out.append(ResultFact(code, at, electronic, file, file_url, tuple(scans), pushed))
        return out

    # -- stream faults and serialization --------------------------------------------------

    def duplicates(self) -> None:
        for p in list(self.pending):
            if p.rejection or p.kind.startswith(("duplicate:", "invalid:")):
                continue
            if p.kind in ("agency.registered", "procedure.assigned"):
                continue
            if self.rng.random() < self.rates.duplicate:
                later = p.publish_at + timedelta(seconds=self.rng.randint(1, 36 * 3600))
                self.push(later, f"duplicate:{p.kind}", p.key, p.body)

    def invalid(self) -> None:
        if self.rates.invalid <= 0:
            return
        start, end = self.period
        targets = []
        for d in self.facts:
            intake = max(d.intakes, key=lambda i: i.occurred_at)
            if start <= intake.received_at.astimezone(TZ_VN).date() <= end:
                paper = next((c.code for c in intake.components if c.origin == "paper"), None)
                targets.append(
                    Target(d.code, d.unit, intake.procedure_code, intake.received_at, paper)
                )
        if not targets:
            return
        count = max(len(INVALID_CODES), round(self.rates.invalid * len(self.pending)))
        ctx = FaultContext(self.rng, self.root, self.motcua, targets, self.new_code)
        for p in invalid_events(ctx, count, len(self.pending)):
            self.pending.append(p)

    def finish(self, renderer: Renderer, workers: int) -> tuple[list[Outgoing], list[str], float]:
        self.pending.sort(key=lambda p: (p.publish_at, p.order))
        specs: dict[PageSpec, None] = {}
        for p in self.pending:
            for ref in p.objects:
                if ref.spec is not None:
                    specs[ref.spec] = None
        began = _time.perf_counter()
        unique = list(specs)
        blobs = dict(zip(unique, render_all(unique, renderer, workers), strict=True))
        render_seconds = _time.perf_counter() - began
        sums = {s: hashlib.sha256(b).hexdigest() for s, b in blobs.items()}
        topic = publisher_topic(self.root)
        events: list[Outgoing] = []
        kinds: list[str] = []
        for p in self.pending:
            for ref in p.objects:
                if ref.spec is None:
                    ref.obj["sha256"] = hashlib.sha256(self.rng.randbytes(32)).hexdigest()
                    ref.obj["size"] = self.rng.randint(200_000, 600_000)
                else:
                    blob = blobs[ref.spec]
                    ref.obj["size"] = len(blob)
                    ref.obj["sha256"] = (
                        sums[ref.spec]
                        if ref.fault is None
                        else hashlib.sha256(b"tampered:" + blob).hexdigest()
                    )
            value = p.body if isinstance(p.body, bytes) else encode(p.body)
            files = [(f.key, blobs[f.spec], f.spec.content_type) for f in p.files]
            events.append(Outgoing(topic, p.key.encode(), value, files))
            kinds.append(p.kind)
        return events, kinds, render_seconds


def _component_name(c: ComponentFact) -> str:
    base = DOCUMENT_TYPES[c.document].name
    if c.document == "KHAC":
        return f"{base} ({c.code})"
    return base


def _replace_intake(intake: IntakeFact, changes: dict[str, Any]) -> IntakeFact:
    return dataclasses.replace(intake, **changes)


def _with_event(intake: IntakeFact, pending: Pending) -> IntakeFact:
    assert isinstance(pending.body, dict)
    return _replace_intake(intake, {"event_id": pending.body["event_id"]})


def generate(
    root: str,
    dossiers: int,
    seed: int,
    rates: Rates,
    period: tuple[date, date],
    *,
    catalogue: Catalogue | None = None,
    renderer: Renderer = render_page,
    workers: int = 2,
) -> Scenario:
    """Simulate ``dossiers`` dossiers of ``root`` received over ``period``.

    ``dossiers`` counts every dossier, including the few received just outside the period
    (``rates.outside_period``, ``rates.boundary_times``), which must not count.

    ``catalogue`` defaults to :func:`build_catalogue` (root, seed); ``renderer`` makes the
    files (a module-level function, run in ``workers`` processes).
    """
    start, end = period
    if start > end:
        raise ValueError("the period starts after it ends")
    if dossiers < 0:
        raise ValueError("dossiers must be >= 0")
    began = _time.perf_counter()
    cat = catalogue if catalogue is not None else build_catalogue(root, seed)
    if cat.root != root:
        raise ValueError(f"the catalogue is for {cat.root}, not {root}")
    sim = _Simulation(root, seed, rates, period, cat)
    sim.catalogue_events()
    for received_at, channel in sim.schedule(dossiers):
        sim.dossier(received_at, channel)
    sim.duplicates()
    sim.invalid()
    simulated = _time.perf_counter() - began
    events, kinds, rendering = sim.finish(renderer, workers)
    rejections = [p.rejection for p in sim.pending]
    return Scenario(
        root=root,
        seed=seed,
        period=period,
        rates=rates,
        catalogue=cat,
        dossiers=sim.facts,
        events=events,
        kinds=kinds,
        rejections=rejections,
        expected_rejections=Counter(r for r in rejections if r is not None),
        timings={
            "simulate": simulated,
            "render": rendering,
            "total": _time.perf_counter() - began,
        },
    )
