"""Checks one raw input event against the contract and says why it is refused.

Order matters and follows CONTRACT.md: size, JSON, version, type, schema, object key, agency.
Text that cannot be stored or passed on (unpaired surrogates, control characters) is refused
here, so that no later step can fail on it again and again.
Details never quote the offending value (it could be a personal ID): they name the field
and the rule it broke.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from jsonschema.exceptions import ValidationError

from schemas import EVENT_TYPES, validator_for
from services.common.timeutil import local_date, parse_rfc3339

from .fastcheck import parse_if_plain, surely_valid

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
        value = json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise ValueError("nesting too deep") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{exc.msg} at line {exc.lineno} column {exc.colno}") from None
    # A "\ud800" escape parses into a string that cannot be written as UTF-8 again: every
    # later step (facts, database, rejected topic headers) would fail on it, forever.
    if _find_text(value, _SURROGATE) is not None:
        raise ValueError("a string holds an unpaired UTF-16 surrogate escape")
    return value


_SURROGATE = re.compile("[\ud800-\udfff]")
# C0 controls other than tab, line feed and carriage return: PostgreSQL refuses U+0000 in
# text, and none of them belongs in a code, a name or a key.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_CONTROL_ESCAPES = (b"\\u00", b"\\b", b"\\f")
_MAX_PATH = 200


def _find_text(value: Any, bad: re.Pattern[str]) -> str | None:
    """The path of the first key or string holding a match of `bad` (the path never includes
    the offending key itself, and is cut short if publisher-chosen keys make it long)."""
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if bad.search(item):
                return _short(where)
        elif isinstance(item, dict):
            for k, v in item.items():
                if bad.search(k):
                    return _short(where)
                stack.append((v, f"{where}.{k}" if where else k))
        elif isinstance(item, list):
            stack.extend((v, f"{where}.{i}" if where else str(i)) for i, v in enumerate(item))
    return None


def _short(path: str) -> str:
    if not path:
        return "(event)"
    return path if len(path) <= _MAX_PATH else path[:_MAX_PATH] + "…"


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


# The time fields each type's schema defines; a field of the same name that another type
# does not define is unknown there, and ignored like any unknown field.
_TIMES: dict[str, tuple[str, ...]] = {
    "dossier.received": ("received_at", "due_at"),
    "dossier.status_changed": ("changed_at",),
    "component.scanned": ("scanned_at",),
    "result.issued": ("issued_at",),
    "result.scanned": ("scanned_at",),
    "result.pushed_to_warehouse": ("pushed_at",),
}


def check_times(event: dict[str, Any]) -> str | None:
    """The schema checks the shape of timestamps; this checks they are real instants."""
    candidates = [("occurred_at", event.get("occurred_at"))]
    data = event.get("data", {})
    candidates += [(f"data.{k}", data.get(k)) for k in _TIMES.get(str(event.get("event_type")), ())]
    for where, value in candidates:
        if isinstance(value, str):
            try:
                # The local day must exist too: 9999-12-31T23:59:59-23:59 parses, but its day
                # in Vietnam is past the last date Python can hold.
                local_date(parse_rfc3339(value))
            except (ValueError, OverflowError):
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
    event = parse_if_plain(raw)
    if event is None:
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
    if not surely_valid(event_type, event):
        errors = list(validator_for(event_type).iter_errors(event))
        if errors:
            return Refused("invalid_event", describe(_best_error(errors)))
    time_problem = check_times(event)
    if time_problem is not None:
        return Refused("invalid_event", time_problem)
    key_problem = check_object_key(event, root)
    if key_problem is not None:
        return Refused("invalid_object_key", key_problem)
    # JSON can only carry a control character escaped (\u00XX, \b, \f): walk the event
    # only when its bytes hold such an escape, so the common event pays one byte search.
    if any(escape in raw for escape in _CONTROL_ESCAPES):
        control = _find_text(event, _CONTROL)
        if control is not None:
            return Refused("invalid_event", f"{control}: must not contain control characters")
    return Valid(event)
