"""Ingest's checks: each rejection code of CONTRACT.md that needs no file, in contract order."""

from __future__ import annotations

import json
from typing import Any

import pytest

from services.ingest.directory import UnitDirectory
from services.ingest.pseudonymize import ApplicantHasher
from services.ingest.validation import Refused, Valid, check_event
from tests.support import factories as f


def raw(event: dict[str, Any]) -> bytes:
    return json.dumps(event, ensure_ascii=False).encode()


def code_of(event: bytes | dict[str, Any], root: str = "H44") -> str:
    verdict = check_event(event if isinstance(event, bytes) else raw(event), root)
    return "valid" if isinstance(verdict, Valid) else verdict.code


def test_valid_dossier_is_accepted() -> None:
    assert code_of(f.received("H44.07", "D1")) == "valid"


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (lambda e: e.update(schema_version=2), "unsupported_schema_version"),
        (lambda e: e.update(schema_version="1"), "unsupported_schema_version"),
        (lambda e: e.update(schema_version=True), "unsupported_schema_version"),
        (lambda e: e.update(schema_version=1.0), "unsupported_schema_version"),
        (lambda e: e.pop("schema_version"), "invalid_event"),
        (lambda e: e.update(event_type="dossier.archived"), "unknown_event_type"),
        (lambda e: e.update(event_type=7), "invalid_event"),
        (lambda e: e.update(occurred_at="2026-03-02T08:15:00"), "invalid_event"),
        (lambda e: e.update(occurred_at="2026-02-30T08:15:00+07:00"), "invalid_event"),
        (lambda e: e.pop("dossier_code"), "invalid_event"),
        (lambda e: e["data"].pop("applicant"), "invalid_event"),
        (lambda e: e["data"].update(channel="fax"), "invalid_event"),
        (lambda e: e["data"].update(unknown_field={"x": 1}), "valid"),
    ],
)
def test_envelope_and_data_rules(mutate: Any, code: str) -> None:
    event = f.received("H44.07", "D1")
    mutate(event)
    assert code_of(event) == code


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (b'{"a": ', "malformed_json"),
        (b"\xff\xfe{}", "malformed_json"),
        (b'{"a": NaN}', "malformed_json"),
        (b"[" * 50_000 + b"]" * 50_000, "malformed_json"),
        (b"[]", "invalid_event"),
        (b'"text"', "invalid_event"),
        (b"{" + b'"k": "' + b"x" * (257 * 1024) + b'"}', "too_large"),
    ],
)
def test_bytes_level_rules(payload: bytes, code: str) -> None:
    assert code_of(payload) == code


@pytest.mark.parametrize(
    ("key", "code"),
    [
        ("H44/2026/scan.jpg", "valid"),
        ("H44/../H45/scan.jpg", "invalid_object_key"),
        ("H45/scan.jpg", "invalid_object_key"),
        ("H44", "invalid_object_key"),
        ("H44//scan.jpg", "invalid_object_key"),
        ("H44/./scan.jpg", "invalid_object_key"),
        ("H44.07/scan.jpg", "invalid_object_key"),
    ],
)
def test_object_key_must_stay_under_the_root(key: str, code: str) -> None:
    assert code_of(f.scanned("H44.07", "D1", f.obj(key, b"x"))) == code


def test_details_never_quote_the_value() -> None:
    event = f.received("H44.07", "D1", applicant_id="079203004512")
    event["data"]["applicant"]["id"] = 79203004512  # wrong type: the number must not leak
    verdict = check_event(raw(event), "H44")
    assert isinstance(verdict, Refused)
    assert verdict.detail == "data.applicant.id: must be of type string"
    assert "79203004512" not in verdict.detail


def test_directory_decides_foreign_agencies() -> None:
    d = UnitDirectory()
    assert d.belongs("H44", "H44")
    assert d.belongs("H44", "H44.07.01")
    assert not d.belongs("H44", "H45.01")
    assert not d.belongs("H44", "H440")
    assert d.may_register("H44", "H44", None)
    assert d.may_register("H44", "X99", "H44.07")  # registered below the root by its parent
    d.add("H44", "X99")
    assert d.belongs("H44", "X99")
    assert not d.belongs("H45", "X99")
    assert not d.may_register("H45", "X99", "H45")  # already another root's unit
    assert not d.may_register("H44", "H45.01", "H45")


def test_a_root_cannot_register_a_code_that_names_another_known_root() -> None:
    d = UnitDirectory()
    d.add("H44", "H44")
    d.add("H44", "H44.07")
    # H45 not known yet: a code of its form is, for now, just a code outside H44's prefix.
    assert d.may_register("H44", "H45.01", "H44.07")
    d.topic_roots.add("H45")  # H45's topic exists
    assert not d.may_register("H44", "H45.01", "H44.07")
    assert not d.may_register("H44", "H45", "H44.07")
    assert not d.may_register("H44", "H45.01.02", "H44")
    assert d.may_register("H45", "H45.01", "H45")
    assert d.may_register("H44", "H440.01", "H44.07")  # H440 is no known root
    assert d.may_register("H44", "000.00.01", "H44.07")  # codes outside every prefix stay allowed
    # Registered before H46 was known: H44 keeps it and may re-register (update) it.
    d.add("H44", "H46.01")
    d.topic_roots.add("H46")
    assert d.may_register("H44", "H46.01", "H44.07")
    assert not d.belongs("H46", "H46.01")
    assert d.known_roots() == {"H44", "H45", "H46"}


def test_hash_is_keyed_normalized_and_not_the_id() -> None:
    a = ApplicantHasher(b"k" * 32)
    b = ApplicantHasher(b"j" * 32)
    assert a.hash("0792 0300-4512") == a.hash("079203004512")
    assert a.hash("079203004512") != b.hash("079203004512")
    assert "079203004512" not in a.hash("079203004512")
    assert "k" * 32 not in repr(a)
    with pytest.raises(ValueError, match="32 bytes"):
        ApplicantHasher(b"short")
