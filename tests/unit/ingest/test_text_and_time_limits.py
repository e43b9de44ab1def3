"""Text and instants that would make a later step fail on every redelivery are refused at
intake: unpaired surrogate escapes, control characters, days past Python's date range."""

from __future__ import annotations

import json
from typing import Any

import pytest

from schemas.internal import encode
from services.ingest.normalize import to_fact
from services.ingest.pseudonymize import ApplicantHasher
from services.ingest.validation import Refused, Valid, check_event
from tests.support import factories as f


def verdict(event: dict[str, Any]) -> Valid | Refused:
    # ensure_ascii keeps lone surrogates as "\ud800" escapes, as a hostile publisher sends them.
    return check_event(json.dumps(event).encode(), "H44")


def test_an_unpaired_surrogate_escape_is_malformed_json() -> None:
    event = f.received("H44.07", "D\ud800")
    result = verdict(event)
    assert isinstance(result, Refused)
    assert result.code == "malformed_json"


def test_a_surrogate_pair_escape_is_ordinary_text() -> None:
    event = f.received("H44.07", "D-\U0001f600")
    assert isinstance(verdict(event), Valid)


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x1b", "\x1f", "\x0b"])
def test_control_characters_are_refused_with_the_field_named(char: str) -> None:
    event = f.received("H44.07", f"D{char}1")
    result = verdict(event)
    assert isinstance(result, Refused)
    assert (result.code, result.detail) == (
        "invalid_event",
        "dossier_code: must not contain control characters",
    )


def test_control_characters_in_unknown_keys_are_refused_without_quoting_the_key() -> None:
    event = f.received("H44.07", "D1")
    event["data"]["extra\x00079203004512"] = 1
    result = verdict(event)
    assert isinstance(result, Refused)
    assert result.detail == "data: must not contain control characters"


@pytest.mark.parametrize("char", ["\t", "\n", "\r"])
def test_tabs_and_line_breaks_in_names_are_fine(char: str) -> None:
    event = f.procedure("H44.07")
    event["data"]["name"] = f"Chứng thực{char}bản sao"
    assert isinstance(verdict(event), Valid)


@pytest.mark.parametrize(
    "instant",
    ["9999-12-31T23:59:59-23:59", "9999-12-31T23:00:00+00:00", "0001-01-01T00:00:00+23:59"],
)
def test_instants_whose_local_day_does_not_exist_are_refused(instant: str) -> None:
    event = f.received("H44.07", "D1")
    event["data"]["received_at"] = instant
    result = verdict(event)
    assert isinstance(result, Refused)
    assert result.code == "invalid_event"
    assert result.detail.startswith("data.received_at:")


def test_every_accepted_event_can_be_handed_on() -> None:
    event = f.received("H44.07", "D-\U0001f600", applicant_id="0792 0300 4512")
    raw = json.dumps(event).encode()
    result = check_event(raw, "H44")
    assert isinstance(result, Valid)
    source = {"topic": "dossier-events.H44", "partition": 0, "offset": 0}
    fact = to_fact(result.event, "H44", source, raw, ApplicantHasher(b"k" * 32))  # type: ignore[arg-type]
    assert encode(fact).decode("utf-8")


def test_a_time_field_another_type_defines_is_an_ignored_unknown_field() -> None:
    event = f.agency("H44.07", "H44")
    event["data"]["due_at"] = "next week"
    assert isinstance(verdict(event), Valid)
    event = f.received("H44.07", "D1")
    event["data"]["due_at"] = "next week"
    assert isinstance(verdict(event), Refused)
