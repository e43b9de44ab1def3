"""The corpus itself, without a broker: at least 40 cases covering every rejection code, and
each one refused with its code by the step that owns it (ingest's checks, the agency rule,
the digitizer's file pipeline). The stack test sends the same cases through the system."""

from __future__ import annotations

from collections import Counter

import pytest

from schemas import REJECTION_CODES
from services.digitizer.pipeline import Rejected, process_file
from services.ingest.directory import UnitDirectory
from services.ingest.validation import Refused, Valid, check_event
from tests.hostile.corpus import HERE, ROOT, Case, load_corpus, manifest

CASES = load_corpus()


def test_the_corpus_is_big_enough_and_covers_every_code() -> None:
    entries = manifest()
    assert len(entries) >= 40
    names = [e["name"] for e in entries]
    assert len(set(names)) == len(names), "case names must be unique"
    codes = Counter(e["code"] for e in entries)
    assert set(codes) == set(REJECTION_CODES)
    for entry in entries:
        for key in ("event", "raw"):
            if key in entry:
                assert (HERE / entry[key]).is_file(), entry["name"]
        if "path" in entry.get("file", {}):
            assert (HERE / entry["file"]["path"]).is_file(), entry["name"]
    assert len({c.value for c in CASES}) == len(CASES), "every case must be distinct bytes"


def _verdict(case: Case) -> str:
    """What the system must answer, decided step by step as the services do."""
    verdict = check_event(case.value, ROOT)
    if isinstance(verdict, Refused):
        return verdict.code
    assert isinstance(verdict, Valid)
    directory = UnitDirectory()
    directory.add(ROOT, ROOT)
    directory.add(ROOT, f"{ROOT}.01")
    directory.topic_roots.add("H45")  # the stack test creates H45's topic too
    event = verdict.event
    if event["event_type"] == "agency.registered":
        allowed = directory.may_register(ROOT, event["agency_code"], event["data"]["parent_code"])
    else:
        allowed = directory.belongs(ROOT, event["agency_code"])
    if not allowed:
        return "foreign_agency"
    assert case.file is not None, f"{case.name} is a valid event without a file"
    if not case.file.upload:
        return "object_missing"
    if case.file.declared["size"] != len(case.file.data):
        return "checksum_mismatch"
    outcome = process_file(case.file.data, case.file.content_type, case.file.declared["sha256"])
    assert isinstance(outcome, Rejected), f"{case.name}: the file was accepted"
    return outcome.code


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_case_is_refused_with_its_code(case: Case) -> None:
    assert _verdict(case) == case.code
