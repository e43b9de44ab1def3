"""Property-based checks of the envelope validator: any input gets a verdict (never an
exception), the verdict is acceptance or a contract code, whatever is accepted can be handed
on, and targeted mutations of valid events get exactly the code the contract names."""

from __future__ import annotations

import copy
import json
from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas import EVENT_TYPES, SCHEMA_DIR
from schemas.internal import encode
from services.ingest.normalize import to_fact
from services.ingest.pseudonymize import ApplicantHasher
from services.ingest.validation import MAX_EVENT_BYTES, Refused, Valid, check_event

ROOT = "H44"
# What ingest itself can answer (the agency and file codes come from later steps).
INGEST_CODES = frozenset(
    {
        "malformed_json",
        "invalid_event",
        "unknown_event_type",
        "unsupported_schema_version",
        "too_large",
        "invalid_object_key",
    }
)
HASHER = ApplicantHasher(b"p" * 32)
EXAMPLES: dict[str, dict[str, Any]] = {
    t: json.loads((SCHEMA_DIR / "v1" / "examples" / f"{t}.valid.json").read_text())
    for t in EVENT_TYPES
}
FILE_EXAMPLES = [t for t, e in EXAMPLES.items() if isinstance(e["data"].get("object"), dict)]
LIMITS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _surrogate(text: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in text)


# Any code point, lone surrogates and control characters included (JSON escapes them).
any_text = st.text(alphabet=st.characters(blacklist_categories=()), max_size=20)
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | any_text
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text, inner, max_size=4),
    max_leaves=20,
)
# The same without lone surrogates (which make the whole message malformed_json): for the
# mutations whose code is decided by the mutated field alone.
clean_values = st.recursive(
    json_scalars.filter(lambda v: not (isinstance(v, str) and _surrogate(v))),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
# Text a careful publisher might send: no surrogates, no control characters.
clean_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30
)


def verdict(value: Any) -> Valid | Refused:
    return check_event(json.dumps(value).encode(), ROOT)


def assert_contract_verdict(result: Valid | Refused, raw: bytes) -> None:
    """Acceptance that can be handed on, or a contract code with a short detail."""
    if isinstance(result, Refused):
        assert result.code in INGEST_CODES
        assert result.detail
        return
    source = {"topic": f"dossier-events.{ROOT}", "partition": 0, "offset": 0}
    fact = to_fact(result.event, ROOT, source, raw, HASHER)  # type: ignore[arg-type]
    encode(fact).decode("utf-8")


@LIMITS
@given(json_values)
@pytest.mark.slow
def test_any_json_value_gets_a_contract_verdict(value: Any) -> None:
    raw = json.dumps(value).encode()
    assert_contract_verdict(check_event(raw, ROOT), raw)


@LIMITS
@given(st.binary(max_size=512))
def test_any_bytes_get_a_contract_verdict(raw: bytes) -> None:
    assert_contract_verdict(check_event(raw, ROOT), raw)


envelope_values = st.fixed_dictionaries(
    {},
    optional={
        "event_id": st.uuids().map(str) | json_values,
        "event_type": st.sampled_from(EVENT_TYPES) | json_values,
        "schema_version": st.just(1) | json_values,
        "occurred_at": st.just("2026-03-02T08:15:00+07:00") | json_values,
        "source_system": clean_text | json_values,
        "agency_code": st.from_regex(r"\AH44(\.[0-9]{1,3})?\Z") | json_values,
        "dossier_code": clean_text | json_values,
        "data": st.dictionaries(st.text(max_size=12), json_values, max_size=6) | json_values,
    },
)


@LIMITS
@given(envelope_values)
@pytest.mark.slow
def test_envelope_shaped_values_get_a_contract_verdict(value: dict[str, Any]) -> None:
    raw = json.dumps(value).encode()
    assert_contract_verdict(check_event(raw, ROOT), raw)


@LIMITS
@given(st.sampled_from(EVENT_TYPES), clean_values)
@pytest.mark.slow
def test_any_schema_version_but_the_integer_one_is_unsupported(
    event_type: str, version: Any
) -> None:
    event = copy.deepcopy(EXAMPLES[event_type])
    event["schema_version"] = version
    result = verdict(event)
    if type(version) is int and version == 1:
        assert isinstance(result, Valid)
    else:
        assert isinstance(result, Refused)
        assert result.code == "unsupported_schema_version"


@LIMITS
@given(st.sampled_from(EVENT_TYPES), clean_text | clean_values)
@pytest.mark.slow
def test_an_event_type_outside_the_contract_is_unknown_or_invalid(
    event_type: str, new_type: Any
) -> None:
    event = copy.deepcopy(EXAMPLES[event_type])
    event["event_type"] = new_type
    result = verdict(event)
    if isinstance(new_type, str) and new_type in EVENT_TYPES:
        assert isinstance(result, Valid | Refused)  # another type's schema decides
    elif isinstance(new_type, str):
        assert isinstance(result, Refused)
        assert result.code == "unknown_event_type"
    else:
        assert isinstance(result, Refused)
        assert result.code == "invalid_event"


@LIMITS
@given(
    st.sampled_from(EVENT_TYPES),
    st.sampled_from(["event_id", "occurred_at", "source_system", "agency_code", "data"]),
)
def test_a_missing_envelope_field_is_invalid(event_type: str, field: str) -> None:
    event = copy.deepcopy(EXAMPLES[event_type])
    del event[field]
    result = verdict(event)
    assert isinstance(result, Refused)
    assert result.code == "invalid_event"


@LIMITS
@given(st.sampled_from(EVENT_TYPES), st.datetimes(min_value=datetime(1900, 1, 1)))
@pytest.mark.slow
def test_a_timestamp_without_offset_is_invalid(event_type: str, moment: datetime) -> None:
    event = copy.deepcopy(EXAMPLES[event_type])
    event["occurred_at"] = moment.isoformat(timespec="seconds")
    result = verdict(event)
    assert isinstance(result, Refused)
    assert result.code == "invalid_event"


@LIMITS
@given(st.sampled_from(FILE_EXAMPLES), clean_text)
@pytest.mark.slow
def test_an_object_key_outside_the_root_prefix_is_refused(event_type: str, key: str) -> None:
    event = copy.deepcopy(EXAMPLES[event_type])
    for bad in (key if not key.startswith(f"{ROOT}/") else f"../{key}", f"{ROOT}/../{key}"):
        event["data"]["object"]["key"] = bad
        result = verdict(event)
        assert isinstance(result, Refused)
        assert result.code == "invalid_object_key"


@LIMITS
@given(st.sampled_from(EVENT_TYPES), st.dictionaries(clean_text, clean_text, max_size=5))
@pytest.mark.slow
def test_unknown_data_fields_are_ignored_and_dropped(
    event_type: str, extra: dict[str, str]
) -> None:
    event = copy.deepcopy(EXAMPLES[event_type])
    known = set(event["data"])
    for name, value in extra.items():
        if name not in known and name not in {"object", "file_url", "components", "applicant"}:
            event["data"][name] = value
    raw = json.dumps(event).encode()
    result = check_event(raw, ROOT)
    assert isinstance(result, Valid)
    source = {"topic": f"dossier-events.{ROOT}", "partition": 0, "offset": 0}
    fact = to_fact(result.event, ROOT, source, raw, HASHER)  # type: ignore[arg-type]
    for name in extra:
        if name not in known and name not in {"object", "file_url", "components", "applicant"}:
            assert name not in fact["data"]


@settings(max_examples=10, deadline=None)
@given(st.sampled_from(EVENT_TYPES), st.integers(min_value=1, max_value=4096))
def test_anything_over_256_kib_is_too_large(event_type: str, extra: int) -> None:
    event = copy.deepcopy(EXAMPLES[event_type])
    event["data"]["padding"] = ""
    base = len(json.dumps(event).encode())
    event["data"]["padding"] = "x" * (MAX_EVENT_BYTES - base + extra)
    result = verdict(event)
    assert isinstance(result, Refused)
    assert result.code == "too_large"
