"""The contract's JSON Schemas: well-formed, wired together, and saying what CONTRACT.md says."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, ValidationError

import schemas
from schemas import (
    EVENT_TYPES,
    FILE_REJECTION_CODES,
    REJECTION_CODES,
    SCHEMA_DIR,
    load_schema,
    registry,
    validator_for,
)

V1 = SCHEMA_DIR / "v1"
EXAMPLES = V1 / "examples"
ID_BASE = "https://reuse-tracker.example/schemas/v1/"
DOSSIER_SCOPED = tuple(
    t for t in EVENT_TYPES if t.split(".")[0] in {"dossier", "component", "result"}
)
CATALOGUE = tuple(t for t in EVENT_TYPES if t not in DOSSIER_SCOPED)
WITH_COMPONENTS = ("dossier.received", "dossier.components_added")

Event = dict[str, Any]

# (instance path, failing keyword, text the message must contain) for each invalid example,
# so that an invalid example cannot fail for some other, accidental reason.
INVALID_EXPECTED: dict[str, tuple[tuple[str | int, ...], str, str]] = {
    "agency.registered": (("data", "level"), "enum", "'district'"),
    "procedure.assigned": (("data",), "required", "'result_document_required'"),
    "dossier.received": (("data", "channel"), "enum", "2 is not one of"),
    "dossier.components_added": (("data", "components", 1), "required", "'origin'"),
    "dossier.status_changed": (("data", "status"), "maximum", "11 is greater than"),
    "component.scanned": (("data", "object", "sha256"), "pattern", "^[0-9a-f]{64}$"),
    "result.issued": (("data",), "anyOf", "is not valid under any of the given schemas"),
    "result.scanned": (("data", "object", "content_type"), "enum", "'image/heic'"),
    "result.pushed_to_warehouse": (("data", "pushed_at"), "pattern", "'20260306155948'"),
}


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def example(event_type: str, kind: str = "valid") -> Event:
    loaded = _read_json(EXAMPLES / f"{event_type}.{kind}.json")
    assert isinstance(loaded, dict)
    return loaded


def errors(event_type: str, event: Event) -> list[ValidationError]:
    return list(validator_for(event_type).iter_errors(event))


def summary(errs: list[ValidationError]) -> list[tuple[tuple[str | int, ...], str, str]]:
    return [(tuple(e.absolute_path), str(e.validator), e.message) for e in errs]


def schema_files() -> list[Path]:
    return sorted(V1.rglob("*.schema.json"))


# --- the loader module ------------------------------------------------------------------


def test_event_types_match_schema_files() -> None:
    on_disk = {p.name.removesuffix(".schema.json") for p in (V1 / "events").iterdir()}
    assert on_disk == set(EVENT_TYPES)
    assert len(EVENT_TYPES) == 9
    assert EVENT_TYPES[0] == "agency.registered"
    assert EVENT_TYPES[-1] == "result.pushed_to_warehouse"


def test_rejection_codes() -> None:
    assert REJECTION_CODES == (
        "malformed_json",
        "invalid_event",
        "unknown_event_type",
        "unsupported_schema_version",
        "foreign_agency",
        "too_large",
        "invalid_object_key",
        "object_missing",
        "checksum_mismatch",
        "unsupported_file",
        "image_too_large",
        "corrupt_file",
    )
    assert FILE_REJECTION_CODES == (
        "invalid_object_key",
        "object_missing",
        "checksum_mismatch",
        "unsupported_file",
        "image_too_large",
        "corrupt_file",
    )


def test_schema_dir_is_the_package_folder() -> None:
    assert Path(schemas.__file__).resolve().parent == SCHEMA_DIR
    assert (SCHEMA_DIR / "v1" / "envelope.schema.json").is_file()


@pytest.mark.parametrize("name", ["", "nope", "../pyproject", "v1/envelope", "examples"])
def test_load_schema_rejects_unknown_names(name: str) -> None:
    with pytest.raises(ValueError, match="unknown schema"):
        load_schema(name)


def test_load_schema_returns_a_fresh_copy() -> None:
    first = load_schema("envelope")
    first["title"] = "changed"
    assert load_schema("envelope")["title"] != "changed"


def test_validator_for_is_cached_and_checks_formats() -> None:
    validator = validator_for("dossier.received")
    assert validator is validator_for("dossier.received")
    assert isinstance(validator, Draft202012Validator)
    assert validator.format_checker is not None
    assert "uuid" in validator.format_checker.checkers


def test_validator_for_rejects_unknown_types() -> None:
    with pytest.raises(ValueError, match="unknown event type"):
        validator_for("dossier.archived")


def test_registry_holds_every_schema_by_id() -> None:
    reg = registry()
    for path in schema_files():
        schema = _read_json(path)
        assert reg.contents(schema["$id"]) == schema


# --- the schema files themselves --------------------------------------------------------


@pytest.mark.parametrize("path", schema_files(), ids=lambda p: p.name)
def test_schema_is_valid_draft_2020_12(path: Path) -> None:
    schema = _read_json(path)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == ID_BASE + path.relative_to(V1).as_posix()
    assert schema["title"]
    assert schema["description"]


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_event_schema_shape(event_type: str) -> None:
    schema = load_schema(event_type)
    assert schema["allOf"] == [{"$ref": "../envelope.schema.json"}]
    assert schema["properties"]["event_type"] == {"const": event_type}
    assert schema["properties"]["schema_version"] == {"const": 1}
    assert ("dossier_code" in schema["required"]) == (event_type in DOSSIER_SCOPED)
    # Unknown fields inside data are ignored, never refused.
    assert "additionalProperties" not in json.dumps(schema)


def test_object_key_rule_is_documented_as_not_in_schema() -> None:
    obj = load_schema("defs")["$defs"]["object"]
    assert "<ROOT>/" in obj["$comment"]
    assert "invalid_object_key" in obj["$comment"]


@pytest.mark.parametrize(
    ("event_type", "pointer", "default"),
    [
        ("agency.registered", ("certified_copy_service",), True),
        ("dossier.received", ("applicant", "vneid_authenticated"), False),
        ("dossier.received", ("population_data_used",), False),
    ],
)
def test_contract_defaults_are_declared(
    event_type: str, pointer: tuple[str, ...], default: bool
) -> None:
    node: Any = load_schema(event_type)["properties"]["data"]
    for part in pointer:
        node = node["properties"][part]
    assert node == {**node, "type": "boolean", "default": default}


def test_no_stray_example_files() -> None:
    expected = {f"{t}.{kind}.json" for t in EVENT_TYPES for kind in ("valid", "invalid")}
    expected.add("envelope.invalid.json")
    assert {p.name for p in EXAMPLES.iterdir()} == expected


# --- the examples -----------------------------------------------------------------------


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_valid_example_validates(event_type: str) -> None:
    event = example(event_type)
    assert event["event_type"] == event_type
    assert summary(errors(event_type, event)) == []
    assert summary(errors("envelope", event)) == []


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_invalid_example_fails_for_the_intended_reason(event_type: str) -> None:
    event = example(event_type, "invalid")
    assert event["event_type"] == event_type
    # The envelope is fine: the fault is specific to the type.
    assert summary(errors("envelope", event)) == []
    errs = errors(event_type, event)
    assert len(errs) == 1, summary(errs)
    path, keyword, text = INVALID_EXPECTED[event_type]
    assert tuple(errs[0].absolute_path) == path
    assert errs[0].validator == keyword
    assert text in errs[0].message


def test_envelope_invalid_example_fails_on_occurred_at() -> None:
    event = example("envelope", "invalid")
    errs = errors("envelope", event)
    assert [(tuple(e.absolute_path), e.validator) for e in errs] == [(("occurred_at",), "pattern")]
    # and so does the full event schema of its type, for the same reason
    errs = errors(event["event_type"], event)
    assert [(tuple(e.absolute_path), e.validator) for e in errs] == [(("occurred_at",), "pattern")]


# --- extra cases per type ---------------------------------------------------------------


def mutated(event_type: str, change: Callable[[Event], object]) -> Event:
    event = copy.deepcopy(example(event_type))
    change(event)
    return event


@pytest.mark.parametrize("event_type", DOSSIER_SCOPED)
def test_missing_dossier_code_fails_for_dossier_scoped_events(event_type: str) -> None:
    event = mutated(event_type, lambda e: e.pop("dossier_code"))
    assert summary(errors("envelope", event)) == []
    errs = errors(event_type, event)
    assert [(tuple(e.absolute_path), e.validator) for e in errs] == [((), "required")]
    assert "'dossier_code'" in errs[0].message


@pytest.mark.parametrize("event_type", CATALOGUE)
def test_catalogue_events_need_no_dossier_code(event_type: str) -> None:
    event = example(event_type)
    assert "dossier_code" not in event
    assert summary(errors(event_type, event)) == []


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_schema_version_2_fails_the_const(event_type: str) -> None:
    event = mutated(event_type, lambda e: e.update(schema_version=2))
    # The envelope only types it, so the code can answer unsupported_schema_version.
    assert summary(errors("envelope", event)) == []
    errs = errors(event_type, event)
    assert [(tuple(e.absolute_path), e.validator) for e in errs] == [(("schema_version",), "const")]


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_other_event_type_fails_the_const(event_type: str) -> None:
    other = EVENT_TYPES[(EVENT_TYPES.index(event_type) + 1) % len(EVENT_TYPES)]
    event = mutated(event_type, lambda e: e.update(event_type=other))
    errs = errors(event_type, event)
    assert [(tuple(e.absolute_path), e.validator) for e in errs] == [(("event_type",), "const")]


@pytest.mark.parametrize("event_type", EVENT_TYPES)
@pytest.mark.parametrize(
    "occurred_at",
    [
        "2026-03-02T08:15:00",
        "2026-03-02 08:15:00+07:00",
        "2026-03-02T08:15:00+0700",
        "2026-03-02T08:15:00+07:00\n",
        "2026-13-02T08:15:00+07:00",
        "2026-03-02T24:00:00Z",
        "20260302081500",
        "2026-03-02",
    ],
)
def test_occurred_at_needs_rfc3339_with_offset(event_type: str, occurred_at: str) -> None:
    event = mutated(event_type, lambda e: e.update(occurred_at=occurred_at))
    errs = errors(event_type, event)
    assert errs
    assert {tuple(e.absolute_path) for e in errs} == {("occurred_at",)}


@pytest.mark.parametrize(
    "occurred_at",
    [
        "2026-03-02T08:15:00+07:00",
        "2026-03-02T01:15:00Z",
        "2026-03-02T01:15:00.123456789Z",
        "2026-03-02T01:15:00.5-03:30",
    ],
)
def test_occurred_at_accepts_offsets(occurred_at: str) -> None:
    event = mutated("dossier.status_changed", lambda e: e.update(occurred_at=occurred_at))
    assert summary(errors("dossier.status_changed", event)) == []


@pytest.mark.parametrize("event_type", EVENT_TYPES)
@pytest.mark.parametrize("agency_code", ["h44.07", "H44.07\n", ".H44", "", "H44 07", "H" * 33])
def test_bad_agency_code_fails(event_type: str, agency_code: str) -> None:
    event = mutated(event_type, lambda e: e.update(agency_code=agency_code))
    errs = errors(event_type, event)
    assert errs
    assert {tuple(e.absolute_path) for e in errs} == {("agency_code",)}


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_unknown_field_inside_data_is_accepted(event_type: str) -> None:
    event = mutated(event_type, lambda e: e["data"].update(ma_don_vi_cu="H44.227", ghi_chu="x"))
    assert summary(errors(event_type, event)) == []


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_unknown_top_level_field_is_accepted(event_type: str) -> None:
    event = mutated(event_type, lambda e: e.update(trace_id="4bf92f3577b34da6"))
    assert summary(errors(event_type, event)) == []


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_every_required_data_field_is_required(event_type: str) -> None:
    required = load_schema(event_type)["properties"]["data"]["required"]
    assert required
    for field in required:
        event = copy.deepcopy(example(event_type))
        del event["data"][field]
        errs = errors(event_type, event)
        assert [(tuple(e.absolute_path), e.validator) for e in errs] == [(("data",), "required")]
        assert repr(field) in errs[0].message


@pytest.mark.parametrize("event_type", EVENT_TYPES)
@pytest.mark.parametrize(
    "field",
    [
        "event_id",
        "event_type",
        "schema_version",
        "occurred_at",
        "source_system",
        "agency_code",
        "data",
    ],
)
def test_envelope_fields_are_required(event_type: str, field: str) -> None:
    event = mutated(event_type, lambda e: e.pop(field))
    errs = errors("envelope", event)
    assert [(tuple(e.absolute_path), e.validator) for e in errs] == [((), "required")]
    assert errors(event_type, event)


@pytest.mark.parametrize(
    ("event_id", "ok"),
    [
        ("0195a3c2-7b41-7d2e-9a10-3f6c2b8e4d03", True),
        ("0195A3C2-7B41-7D2E-9A10-3F6C2B8E4D03", True),
        ("0195a3c27b417d2e9a103f6c2b8e4d03", False),
        ("{0195a3c2-7b41-7d2e-9a10-3f6c2b8e4d03}", False),
        ("urn:uuid:0195a3c2-7b41-7d2e-9a10-3f6c2b8e4d03", False),
        ("0195a3c2-7b41-7d2e-9a10-3f6c2b8e4d03\n", False),
        ("0195a3c2-7b41-7d2e-9a10-3f6c2b8e4d0g", False),
        ("H44.07-260302-0001", False),
    ],
)
def test_event_id_is_a_canonical_uuid(event_id: str, ok: bool) -> None:
    event = mutated("dossier.received", lambda e: e.update(event_id=event_id))
    errs = errors("dossier.received", event)
    assert (errs == []) == ok
    assert {tuple(e.absolute_path) for e in errs} <= {("event_id",)}


@pytest.mark.parametrize(("source_system", "ok"), [("x", True), ("", False), ("x" * 65, False)])
def test_source_system_length(source_system: str, ok: bool) -> None:
    event = mutated("result.scanned", lambda e: e.update(source_system=source_system))
    assert (errors("result.scanned", event) == []) == ok


@pytest.mark.parametrize("dossier_code", ["", "H" * 65, 260302])
def test_bad_dossier_code_fails(dossier_code: object) -> None:
    event = mutated("dossier.received", lambda e: e.update(dossier_code=dossier_code))
    errs = errors("dossier.received", event)
    assert errs
    assert {tuple(e.absolute_path) for e in errs} == {("dossier_code",)}


def test_data_must_be_an_object() -> None:
    event = mutated("dossier.status_changed", lambda e: e.update(data=[]))
    assert errors("envelope", event)


# agency.registered


@pytest.mark.parametrize(
    ("parent_code", "ok"), [(None, True), ("H44", True), ("h44", False), ("", False)]
)
def test_agency_parent_code(parent_code: object, ok: bool) -> None:
    event = mutated("agency.registered", lambda e: e["data"].update(parent_code=parent_code))
    assert (errors("agency.registered", event) == []) == ok


def test_root_agency_registers_with_null_parent() -> None:
    def root(e: Event) -> None:
        e["agency_code"] = "H44"
        e["data"] = {
            "name": "Ủy ban nhân dân tỉnh Phú Thọ",
            "parent_code": None,
            "level": "province",
        }

    assert summary(errors("agency.registered", mutated("agency.registered", root))) == []


def test_certified_copy_service_must_be_boolean() -> None:
    event = mutated("agency.registered", lambda e: e["data"].update(certified_copy_service="có"))
    errs = errors("agency.registered", event)
    assert [tuple(e.absolute_path) for e in errs] == [("data", "certified_copy_service")]


# procedure.assigned


@pytest.mark.parametrize(
    ("procedure_code", "ok"), [("1.001234", True), ("", False), ("1" * 33, False)]
)
def test_procedure_code_length(procedure_code: str, ok: bool) -> None:
    event = mutated("procedure.assigned", lambda e: e["data"].update(procedure_code=procedure_code))
    assert (errors("procedure.assigned", event) == []) == ok


# dossier.received / dossier.components_added


@pytest.mark.parametrize("event_type", WITH_COMPONENTS)
def test_component_origin_must_be_known(event_type: str) -> None:
    event = mutated(event_type, lambda e: e["data"]["components"][0].update(origin="scanned_twice"))
    errs = errors(event_type, event)
    assert [(tuple(e.absolute_path), e.validator) for e in errs] == [
        (("data", "components", 0, "origin"), "enum")
    ]


@pytest.mark.parametrize("event_type", WITH_COMPONENTS)
@pytest.mark.parametrize(
    "origin",
    [
        "paper",
        "scanned",
        "uploaded",
        "reused_component",
        "reused_result",
        "personal_warehouse",
        "national_db",
    ],
)
def test_every_contract_origin_is_accepted(event_type: str, origin: str) -> None:
    event = mutated(event_type, lambda e: e["data"]["components"][0].update(origin=origin))
    assert summary(errors(event_type, event)) == []


@pytest.mark.parametrize("event_type", WITH_COMPONENTS)
def test_component_limits(event_type: str) -> None:
    component = {"component_code": "TP1", "origin": "paper"}
    at_limit = mutated(event_type, lambda e: e["data"].update(components=[component] * 500))
    assert errors(event_type, at_limit) == []
    over = mutated(event_type, lambda e: e["data"].update(components=[component] * 501))
    assert [tuple(e.absolute_path) for e in errors(event_type, over)] == [("data", "components")]
    long_name = mutated(event_type, lambda e: e["data"]["components"][0].update(name="x" * 513))
    assert [tuple(e.absolute_path) for e in errors(event_type, long_name)] == [
        ("data", "components", 0, "name")
    ]
    long_code = mutated(
        event_type, lambda e: e["data"]["components"][0].update(component_code="x" * 65)
    )
    assert [tuple(e.absolute_path) for e in errors(event_type, long_code)] == [
        ("data", "components", 0, "component_code")
    ]


def test_component_source_fields() -> None:
    def source(value: object) -> Event:
        return mutated(
            "dossier.received", lambda e: e["data"]["components"][1].update(source=value)
        )

    assert errors("dossier.received", source({"db_code": "x" * 129}))
    assert errors("dossier.received", source("H44.100-KS-2025-000812"))
    assert errors("dossier.received", source({"result_code": "R", "ma_csdl_cu": "y"})) == []


def test_dossier_received_minimal_and_empty_components() -> None:
    def minimal(e: Event) -> None:
        e["data"] = {
            "procedure_code": "1.001234",
            "channel": "counter",
            "received_at": "2026-03-02T08:14:52+07:00",
            "applicant": {"kind": "business"},
            "components": [],
        }

    assert summary(errors("dossier.received", mutated("dossier.received", minimal))) == []


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"kind": "foreigner"}, ("data", "applicant", "kind")),
        ({"id": ""}, ("data", "applicant", "id")),
        ({"id": "0" * 65}, ("data", "applicant", "id")),
        ({"vneid_authenticated": 1}, ("data", "applicant", "vneid_authenticated")),
    ],
)
def test_applicant_fields(change: dict[str, object], path: tuple[str, ...]) -> None:
    event = mutated("dossier.received", lambda e: e["data"]["applicant"].update(change))
    assert [tuple(e.absolute_path) for e in errors("dossier.received", event)] == [path]


def test_applicant_kind_is_required() -> None:
    event = mutated("dossier.received", lambda e: e["data"]["applicant"].pop("kind"))
    errs = errors("dossier.received", event)
    assert [(tuple(e.absolute_path), e.validator) for e in errs] == [
        (("data", "applicant"), "required")
    ]


def test_due_at_needs_an_offset() -> None:
    event = mutated("dossier.received", lambda e: e["data"].update(due_at="2026-03-09"))
    assert [tuple(e.absolute_path) for e in errors("dossier.received", event)] == [
        ("data", "due_at")
    ]


# dossier.status_changed


@pytest.mark.parametrize(
    ("status", "ok"), [(1, True), (10, True), (0, False), (11, False), ("4", False), (4.5, False)]
)
def test_status_range(status: object, ok: bool) -> None:
    event = mutated("dossier.status_changed", lambda e: e["data"].update(status=status))
    assert (errors("dossier.status_changed", event) == []) == ok


# files: component.scanned / result.issued / result.scanned


FILE_EVENTS = ("component.scanned", "result.issued", "result.scanned")


@pytest.mark.parametrize("event_type", FILE_EVENTS)
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"sha256": "ab" * 31}, "sha256"),
        ({"sha256": "ab" * 32 + "\n"}, "sha256"),
        ({"size": -1}, "size"),
        ({"size": "541337"}, "size"),
        ({"content_type": "image/gif"}, "content_type"),
        ({"key": ""}, "key"),
        ({"key": "H44/" + "x" * 1021}, "key"),
    ],
)
def test_object_fields(event_type: str, change: dict[str, object], field: str) -> None:
    event = mutated(event_type, lambda e: e["data"]["object"].update(change))
    assert [tuple(e.absolute_path) for e in errors(event_type, event)] == [
        ("data", "object", field)
    ]


@pytest.mark.parametrize("event_type", FILE_EVENTS)
@pytest.mark.parametrize("field", ["key", "sha256", "size", "content_type"])
def test_object_fields_are_required(event_type: str, field: str) -> None:
    event = mutated(event_type, lambda e: e["data"]["object"].pop(field))
    errs = errors(event_type, event)
    assert [(tuple(e.absolute_path), e.validator) for e in errs] == [
        (("data", "object"), "required")
    ]


@pytest.mark.parametrize("event_type", FILE_EVENTS)
def test_object_key_root_rule_is_left_to_the_code(event_type: str) -> None:
    # Not expressible without the topic's root: the schema lets it through on purpose.
    event = mutated(event_type, lambda e: e["data"]["object"].update(key="H45/../H44/x.jpg"))
    assert errors(event_type, event) == []


@pytest.mark.parametrize(
    ("data_change", "ok"),
    [
        ({"electronic": False, "object": None}, True),
        (
            {
                "electronic": True,
                "object": None,
                "file_url": "https://dichvucong.phutho.gov.vn/kq/153.pdf",
            },
            True,
        ),
        ({"electronic": True}, True),
        ({"electronic": True, "object": None}, False),
        ({"electronic": True, "object": None, "file_url": ""}, False),
        ({"electronic": "true"}, False),
    ],
)
def test_result_issued_electronic_rule(data_change: dict[str, object], ok: bool) -> None:
    def change(e: Event) -> None:
        for key, value in data_change.items():
            if value is None:
                e["data"].pop(key, None)
            else:
                e["data"][key] = value

    event = mutated("result.issued", change)
    assert (errors("result.issued", event) == []) == ok


def test_result_issued_electronic_true_without_file_fails_with_any_of() -> None:
    event = example("result.issued", "invalid")
    assert event["data"]["electronic"] is True
    assert "object" not in event["data"]
    assert "file_url" not in event["data"]
    errs = errors("result.issued", event)
    assert [(tuple(e.absolute_path), e.validator) for e in errs] == [(("data",), "anyOf")]
