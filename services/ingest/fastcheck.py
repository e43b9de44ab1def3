"""Fast first passes over an event: JSON parsing with msgspec, schema checks with jsonschema-rs.

The reference path (`json` and the `jsonschema` validators of `schemas/`) decides every
verdict and writes every detail; it costs about 400 µs per dossier event, which made it the
whole cost of ingest. The fast passes only ever say "certainly fine": whenever they fail, or
cannot tell, the reference path runs and decides. So the verdicts, codes and details are
those of the reference path by construction, provided a fast "fine" is never wrong. Where
the two libraries differ, this module sends the input to the reference path:

- msgspec refuses what `json` accepts but is not plain JSON text (unpaired surrogate escapes,
  numbers beyond a float's range), and nests deeper than `json` does under the interpreter's
  recursion limit: deeply bracketed documents take the reference parser straight away.
- jsonschema-rs checks formats (date-time, uuid) at least as strictly as `jsonschema` with
  any format checker installed, and a value it cannot represent makes it answer "not sure".
"""

from __future__ import annotations

from functools import cache
from typing import Any

import jsonschema_rs
import msgspec

from schemas import EVENT_TYPES, load_schema

# Far below both parsers' nesting limits; real events nest a handful of levels deep.
_MAX_BRACKETS = 256
_decoder = msgspec.json.Decoder()


def parse_if_plain(raw: bytes) -> Any | None:
    """The parsed document if msgspec parses it (then exactly as `json` would), else None."""
    if raw.count(b"[") + raw.count(b"{") > _MAX_BRACKETS:
        return None
    try:
        return _decoder.decode(raw)
    except (msgspec.DecodeError, ValueError):  # invalid UTF-8 raises UnicodeDecodeError
        return None


@cache
def _validators() -> dict[str, jsonschema_rs.Validator]:
    names = ("defs", "envelope", *EVENT_TYPES)
    registry = jsonschema_rs.Registry(
        [(str(schema["$id"]), schema) for schema in map(load_schema, names)]
    )
    return {
        name: jsonschema_rs.Draft202012Validator(
            load_schema(name), registry=registry, validate_formats=True, offline=True
        )
        for name in EVENT_TYPES
    }


def surely_valid(event_type: str, event: Any) -> bool:
    """True only if `event` certainly satisfies the schema of `event_type` (a known type)."""
    try:
        return _validators()[event_type].is_valid(event)
    except Exception:  # a value it cannot convert: the reference validator decides
        return False
