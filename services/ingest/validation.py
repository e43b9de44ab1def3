"""Checks one raw input event against the contract and says why it is refused.

Order matters and follows CONTRACT.md: size, JSON, version, type, schema, object key, agency.
Details never quote the offending value (it could be a personal ID): they name the field
and the rule it broke.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from jsonschema.exceptions import ValidationError

from schemas import EVENT_TYPES, validator_for
from services.common.timeutil import parse_rfc3339

MAX_EVENT_BYTES = 256 * 1024
FILE_EVENT_TYPES = frozenset({"component.scanned", "result.issued", "result.scanned"})


@dataclass(frozen=True)
class Valid:
    """An event that passed every check, as parsed JSON."""

    event: dict[str, Any]


@dataclass(frozen=True)
class Refused:
    """An event refused with a contract rejection code and a precise, value-free detail."""

    code: str
    detail: str


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def parse_json(raw: bytes) -> Any:
    """Strict JSON: valid UTF-8, no NaN/Infinity; raises ValueError with a reason."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not valid UTF-8 at byte {exc.start}") from None
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise ValueError("nesting too deep") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{exc.msg} at line {exc.lineno} column {exc.colno}") from None


def _where(error: ValidationError) -> str:
    path = ".".join(str(p) for p in error.absolute_path)
    return path or "(event)"


_PHRASES = {
    "type": lambda v: f"must be of type {v}",
    "enum": lambda v: f"must be one of {', '.join(map(str, v))}",
    "const": lambda v: f"must be {json.dumps(v)}",
    "pattern": lambda v: f"must match {v}",
    "format": lambda v: f"must be a valid {v}",
    "minLength": lambda v: f"must have at least {v} characters",
    "maxLength": lambda v: f"must have at most {v} characters",
    "minimum": lambda v: f"must be at least {v}",
    "maximum": lambda v: f"must be at most {v}",
    "maxItems": lambda v: f"must have at most {v} items",
    "minItems": lambda v: f"must have at least {v} items",
}


def describe(error: ValidationError) -> str:
    """A detail naming the field and the broken rule, never the offending value."""
    if error.validator == "required":
        # jsonschema's message is "'<name>' is a required property": only the schema's word.
        return f"{_where(error)}: {error.message}"
    if error.validator in {"anyOf", "oneOf"} and error.context:
        return describe(min(error.context, key=lambda e: len(list(e.absolute_path))))
    phrase = _PHRASES.get(str(error.validator))
    if phrase is not None:
        return f"{_where(error)}: {phrase(error.validator_value)}"
    return f"{_where(error)}: violates '{error.validator}'"


def _best_error(errors: list[ValidationError]) -> ValidationError:
    # The deepest error is the most precise one to report to a publisher.
    return max(errors, key=lambda e: (len(list(e.absolute_path)), e.validator == "required"))


_TIMES = ("received_at", "due_at", "changed_at", "scanned_at", "issued_at", "pushed_at")


def check_times(event: dict[str, Any]) -> str | None:
    """The schema checks the shape of timestamps; this checks they are real instants."""
    candidates = [("occurred_at", event.get("occurred_at"))]
    data = event.get("data", {})
    candidates += [(f"data.{k}", data.get(k)) for k in _TIMES]
    for where, value in candidates:
        if isinstance(value, str):
            try:
                parse_rfc3339(value)
            except ValueError:
                return f"{where}: must be a real date and time with an offset"
    return None


def check_object_key(event: dict[str, Any], root: str) -> str | None:
    """The claim-check key must stay under `<ROOT>/` with no `..` or empty segments."""
    obj = event.get("data", {}).get("object")
    if not isinstance(obj, dict):
        return None
    key = str(obj.get("key", ""))
    parts = key.split("/")
    if parts[0] != root or len(parts) < 2:
        return f"data.object.key must be under {root}/"
    if any(p in {"", ".", ".."} for p in parts[1:]) or "\\" in key or "\x00" in key:
        return "data.object.key must not contain '.', '..', empty segments or backslashes"
    return None


def check_event(raw: bytes, root: str) -> Valid | Refused:
    """Validate one raw message of topic `dossier-events.<root>` (agency check excluded)."""
    if len(raw) > MAX_EVENT_BYTES:
        return Refused("too_large", f"event is {len(raw)} bytes, limit {MAX_EVENT_BYTES}")
    try:
        event = parse_json(raw)
    except ValueError as exc:
        return Refused("malformed_json", str(exc))
    if not isinstance(event, dict):
        return Refused("invalid_event", "(event): must be a JSON object")
    if "schema_version" not in event:
        return Refused("invalid_event", "(event): 'schema_version' is a required property")
    version = event["schema_version"]
    if type(version) is not int or version != 1:
        return Refused("unsupported_schema_version", "schema_version must be 1")
    event_type = event.get("event_type")
    if not isinstance(event_type, str):
        return Refused("invalid_event", "event_type: must be of type string")
    if event_type not in EVENT_TYPES:
        return Refused("unknown_event_type", f"event_type must be one of {', '.join(EVENT_TYPES)}")
    errors = list(validator_for(event_type).iter_errors(event))
    if errors:
        return Refused("invalid_event", describe(_best_error(errors)))
    time_problem = check_times(event)
    if time_problem is not None:
        return Refused("invalid_event", time_problem)
    key_problem = check_object_key(event, root)
    if key_problem is not None:
        return Refused("invalid_object_key", key_problem)
    return Valid(event)
