"""The generated stream: deterministic, contract-shaped, and faulty exactly where intended."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections import Counter
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from reuse_tracker.simulator.faults import INVALID_CODES
from reuse_tracker.simulator.generate import Scenario, generate
from reuse_tracker.simulator.rates import Rates
from schemas import EVENT_TYPES, validator_for
from tests.unit.simulator.scenarios import PERIOD, STRESS
from tests.unit.simulator.standin import tiny_page

MAX_EVENT = 256 * 1024
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
AGENCY = re.compile(r"^[A-Z0-9][A-Z0-9.-]{0,31}$")
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")


def _under(root: str, agency: str) -> bool:
    return agency == root or agency.startswith(root + ".")


def _faults(root: str, value: bytes, stored: dict[str, bytes]) -> set[str]:
    """Every reason, judged independently of the simulator, to refuse one message."""
    faults: set[str] = set()
    if len(value) > MAX_EVENT:
        faults.add("too_large")
    try:
        body = json.loads(value.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return faults | {"malformed_json"}
    assert isinstance(body, dict)
    if body.get("schema_version") != 1:
        faults.add("unsupported_schema_version")
    if body.get("event_type") not in EVENT_TYPES:
        faults.add("unknown_event_type")
    elif "unsupported_schema_version" not in faults and list(
        validator_for(body["event_type"]).iter_errors(body)
    ):
        faults.add("invalid_event")
    if not _under(root, body.get("agency_code", "")):
        faults.add("foreign_agency")
    obj = body.get("data", {}).get("object")
    if isinstance(obj, dict):
        key = obj["key"]
        if not key.startswith(root + "/") or ".." in key:
            faults.add("invalid_object_key")
        elif key not in stored:
            faults.add("object_missing")
        elif hashlib.sha256(stored[key]).hexdigest() != obj["sha256"]:
            faults.add("checksum_mismatch")
        elif len(stored[key]) != obj["size"]:
            faults.add("size_mismatch")
    return faults


def _bodies(scenario: Scenario) -> list[tuple[int, dict[str, Any]]]:
    """Index and body of every message meant to be accepted as a new event."""
    out = []
    for i, (event, kind) in enumerate(zip(scenario.events, scenario.kinds, strict=True)):
        if kind.startswith(("invalid:", "duplicate:")):
            continue
        out.append((i, json.loads(event.value)))
    return out


@pytest.mark.slow
def test_same_seed_same_scenario() -> None:
    a = generate("H44", 120, 42, STRESS, PERIOD, renderer=tiny_page, workers=0)
    b = generate("H44", 120, 42, STRESS, PERIOD, renderer=tiny_page, workers=0)
    assert a.events == b.events
    assert a.kinds == b.kinds
    assert a.rejections == b.rejections
    assert a.expected_rejections == b.expected_rejections
    assert a.dossiers == b.dossiers
    assert a.truth() == b.truth()
    c = generate("H44", 120, 43, STRESS, PERIOD, renderer=tiny_page, workers=0)
    assert c.events != a.events


@pytest.mark.slow
def test_every_message_is_refused_exactly_as_intended(stress: Scenario) -> None:
    stored: dict[str, bytes] = {}
    for event, expected in zip(stress.events, stress.rejections, strict=True):
        for key, data, _ in event.files:
            assert key not in stored, f"{key} put twice"
            stored[key] = data
        assert _faults("H44", event.value, stored) == ({expected} if expected else set())
    produced = Counter(r for r in stress.rejections if r)
    assert produced == stress.expected_rejections
    for code in (*INVALID_CODES, "checksum_mismatch", "object_missing"):
        assert stress.expected_rejections[code] >= 1, code


@pytest.mark.slow
def test_invalid_events_are_a_few_per_thousand(default_scenario: Scenario) -> None:
    invalid = [k for k in default_scenario.kinds if k.startswith("invalid:")]
    assert len(invalid) >= len(INVALID_CODES)
    assert {k.removeprefix("invalid:") for k in invalid} == set(INVALID_CODES)
    assert len(invalid) <= 0.01 * len(default_scenario.events) + len(INVALID_CODES)


@pytest.mark.slow
def test_valid_events_have_the_envelope(stress: Scenario) -> None:
    seen_ids: set[str] = set()
    types: Counter[str] = Counter()
    for i, body in _bodies(stress):
        if stress.rejections[i] is not None:
            continue
        assert str(uuid.UUID(body["event_id"])) == body["event_id"]
        assert body["event_id"] not in seen_ids
        seen_ids.add(body["event_id"])
        assert body["event_type"] in EVENT_TYPES
        assert body["schema_version"] == 1
        assert RFC3339.match(body["occurred_at"])
        assert 1 <= len(body["source_system"]) <= 64
        assert AGENCY.match(body["agency_code"])
        assert _under("H44", body["agency_code"])
        if body["event_type"].startswith(("dossier.", "component.", "result.")):
            assert 1 <= len(body["dossier_code"]) <= 64
        assert isinstance(body["data"], dict)
        assert not list(validator_for(body["event_type"]).iter_errors(body))
        types[body["event_type"]] += 1
        event = stress.events[i]
        assert event.topic == "dossier-events.H44"
        expected_key = body.get("dossier_code", body["agency_code"])
        assert event.key == expected_key.encode()
        assert len(event.value) <= MAX_EVENT
        assert b"\\u" not in event.value  # Vietnamese is written as UTF-8
    assert set(types) == set(EVENT_TYPES)


@pytest.mark.slow
def test_catalogue_comes_first_with_a_reregistration_trap(stress: Scenario) -> None:
    cat = stress.catalogue
    first_dossier = stress.kinds.index("dossier.received")
    head = stress.kinds[:first_dossier]
    assert Counter(head)["procedure.assigned"] == len(cat.assignments)
    assert Counter(head)["agency.registered"] == len(cat.units) + len(cat.reregistered)
    assert Counter(head)["duplicate:agency.registered"] == len(cat.reregistered)
    values = [json.loads(e.value) for e in stress.events[:first_dossier]]
    assert values[0]["agency_code"] == "H44"
    assert values[0]["data"]["parent_code"] is None
    for code in cat.reregistered:
        registrations = [
            v for v in values if v["event_type"] == "agency.registered" and v["agency_code"] == code
        ]
        final = cat.by_code[code].certified_copy_service
        assert registrations[-1]["data"]["certified_copy_service"] == (not final)  # redelivery
        assert registrations[-2]["data"]["certified_copy_service"] == final
        assert registrations[-1]["event_id"] == registrations[0]["event_id"]


def test_duplicates_repeat_an_earlier_message_without_files(stress: Scenario) -> None:
    earlier: set[bytes] = set()
    duplicates = 0
    for event, kind in zip(stress.events, stress.kinds, strict=True):
        if kind.startswith("duplicate:"):
            duplicates += 1
            assert event.value in earlier
            assert not event.files
        earlier.add(event.value)
    assert duplicates > 10


@pytest.mark.slow
def test_received_times_and_the_period(stress: Scenario) -> None:
    received: dict[str, datetime] = {}
    for i, body in _bodies(stress):
        if body["event_type"] == "dossier.received" and stress.rejections[i] is None:
            assert body["data"]["received_at"].endswith("+07:00")
            received[body["dossier_code"]] = datetime.fromisoformat(body["data"]["received_at"])
    assert set(received) == {d.code for d in stress.dossiers}
    start, end = PERIOD
    local = {code: at.astimezone(LOCAL) for code, at in received.items()}
    inside = [c for c, at in local.items() if start <= at.date() <= end]
    assert len(inside) == stress.truth()["H44"]["dossiers"]
    assert len(inside) < len(received)  # some just outside
    clock = {(at.date(), at.hour, at.minute // 15) for at in local.values()}
    one = date.resolution
    assert (start, 0, 1) in clock  # 00:15 on the first day: in
    assert (end + one, 0, 1) in clock  # 00:15 the day after: out
    assert (end, 23, 2) in clock  # 23:30 on the last day: in
    assert (start - one, 23, 2) in clock  # 23:30 the day before: out


def test_corrections_come_in_both_orders(stress: Scenario) -> None:
    corrected = [d for d in stress.dossiers if len(d.intakes) == 2]
    assert corrected
    position = {}
    for i, body in _bodies(stress):
        if body["event_type"] == "dossier.received":
            position[body["event_id"]] = i
    orders = set()
    for d in corrected:
        first, second = sorted(d.intakes, key=lambda x: x.occurred_at)
        assert first.received_at == second.received_at
        assert first != second
        orders.add(position[first.event_id] < position[second.event_id])
    assert orders == {True, False}


def test_reuse_sources_name_earlier_dossiers_of_the_same_applicant(stress: Scenario) -> None:
    facts = {d.code: d for d in stress.dossiers}
    received = {d.code: d.intakes[0].received_at for d in stress.dossiers}
    checked = Counter[str]()
    for d in stress.dossiers:
        for intake in d.intakes:
            for c in intake.components:
                source = dict(c.source)
                if c.origin == "national_db":
                    assert source["db_code"]
                if "dossier_code" not in source:
                    continue
                earlier = facts[source["dossier_code"]]
                assert earlier.applicant == d.applicant
                assert received[earlier.code] < received[d.code]
                checked[c.origin] += 1
                if c.origin == "reused_result":
                    assert source["result_code"] in {r.code for r in earlier.results}
                if c.origin == "personal_warehouse":
                    pushed = {r.code for r in earlier.results if r.pushed}
                    assert source["result_code"] in pushed
    assert checked["reused_component"] > 0
    assert checked["reused_result"] > 0
    assert checked["personal_warehouse"] > 0


def test_missed_reuse_happens(stress: Scenario) -> None:
    truth = stress.truth()
    assert truth["H44"]["missed_reuse"] > 0
    assert (
        sum(truth[u]["missed_reuse"] for u in truth["H44"]["children"])
        == truth["H44"]["missed_reuse"]
    )


@pytest.mark.slow
def test_applicant_ids_look_real(default_scenario: Scenario) -> None:
    kinds: Counter[str] = Counter()
    for i, body in _bodies(default_scenario):
        if body["event_type"] != "dossier.received" or default_scenario.rejections[i]:
            continue
        applicant = body["data"]["applicant"]
        if applicant["kind"] == "citizen":
            assert re.fullmatch(r"0\d{2}[0-3]\d{8}", applicant["id"])
        elif applicant["kind"] in ("business", "agency"):
            assert re.fullmatch(r"\d{10}", applicant["id"])
        kinds[applicant["kind"]] += 1
    assert kinds["citizen"] > kinds["business"] > 0


def test_files_are_named_by_their_event(stress: Scenario) -> None:
    content_types: Counter[str] = Counter()
    for event in stress.events:
        if not event.files:
            continue
        body = json.loads(event.value)
        (key, data, content_type) = event.files[0]
        assert len(event.files) == 1
        assert body["data"]["object"]["key"] == key
        assert body["data"]["object"]["content_type"] == content_type
        assert body["data"]["object"]["size"] == len(data)
        assert key.startswith("H44/")
        content_types[content_type] += 1
    assert set(content_types) == {"image/jpeg", "application/pdf"}


@pytest.mark.parametrize("root", ["H45", "G09"])
@pytest.mark.slow
def test_other_roots(root: str) -> None:
    scenario = generate(root, 40, 1, Rates(), PERIOD, renderer=tiny_page, workers=0)
    assert all(e.topic == f"dossier-events.{root}" for e in scenario.events)
    stored: dict[str, bytes] = {}
    for event, expected in zip(scenario.events, scenario.rejections, strict=True):
        stored.update({k: d for k, d, _ in event.files})
        assert _faults(root, event.value, stored) == ({expected} if expected else set())
    assert set(scenario.truth()) == {u.code for u in scenario.catalogue.units}


def test_empty_and_bad_arguments() -> None:
    empty = generate("H44", 0, 1, Rates(), PERIOD, renderer=tiny_page, workers=0)
    assert not empty.dossiers
    assert set(empty.kinds) <= {
        "agency.registered",
        "procedure.assigned",
        "duplicate:agency.registered",
    }
    with pytest.raises(ValueError, match="period"):
        generate("H44", 1, 1, Rates(), (PERIOD[1], PERIOD[0]))
    with pytest.raises(ValueError, match="dossiers"):
        generate("H44", -1, 1, Rates(), PERIOD)
