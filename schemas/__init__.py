"""The event contract v1 as JSON Schema (draft 2020-12), and a small typed loader for it.

Layout (see README.md): ``v1/defs.schema.json`` (shared ``$defs``), ``v1/envelope.schema.json``
(the fields every event carries), ``v1/events/<event_type>.schema.json`` (one full event schema
per type) and ``v1/examples/`` (one valid and one invalid event per type). Every schema has an
``$id`` under ``https://reuse-tracker.example/schemas/v1/`` so that relative ``$ref`` resolve
through :func:`registry`, never over the network.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import referencing
from jsonschema import Draft202012Validator
from jsonschema.protocols import Validator
from referencing.jsonschema import DRAFT202012

__all__ = [
    "EVENT_TYPES",
    "FILE_REJECTION_CODES",
    "REJECTION_CODES",
    "SCHEMA_DIR",
    "load_schema",
    "registry",
    "validator_for",
]

SCHEMA_DIR: Path = Path(__file__).resolve().parent
"""The ``schemas/`` folder (shipped as package data)."""

_V1_DIR = SCHEMA_DIR / "v1"

EVENT_TYPES: tuple[str, ...] = (
    "agency.registered",
    "procedure.assigned",
    "dossier.received",
    "dossier.components_added",
    "dossier.status_changed",
    "component.scanned",
    "result.issued",
    "result.scanned",
    "result.pushed_to_warehouse",
)
"""The event types of contract v1, in the contract's order."""

REJECTION_CODES: tuple[str, ...] = (
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
"""Every ``error.code`` the tracker puts on a rejected event, in the contract's order."""

FILE_REJECTION_CODES: tuple[str, ...] = REJECTION_CODES[-6:]
"""Refusals for the event's file: the event still counts as an attempt."""

_SHARED_SCHEMAS: dict[str, Path] = {
    "defs": _V1_DIR / "defs.schema.json",
    "envelope": _V1_DIR / "envelope.schema.json",
}


def _schema_path(name: str) -> Path:
    if name in _SHARED_SCHEMAS:
        return _SHARED_SCHEMAS[name]
    if name in EVENT_TYPES:
        return _V1_DIR / "events" / f"{name}.schema.json"
    known = ", ".join((*_SHARED_SCHEMAS, *EVENT_TYPES))
    raise ValueError(f"unknown schema {name!r}; known: {known}")


def load_schema(name: str) -> dict[str, Any]:
    """Return a fresh copy of one schema: ``"envelope"``, ``"defs"`` or an event type.

    Raises ``ValueError`` for any other name.
    """
    loaded: Any = json.loads(_schema_path(name).read_text(encoding="utf-8"))
    if not isinstance(loaded, dict):
        raise TypeError(f"schema {name!r} is not a JSON object")
    return loaded


@cache
def registry() -> referencing.Registry[Any]:
    """All v1 schemas, registered by their ``$id`` (no network retrieval)."""
    resources = []
    for name in (*_SHARED_SCHEMAS, *EVENT_TYPES):
        contents = load_schema(name)
        resource = referencing.Resource.from_contents(contents, default_specification=DRAFT202012)
        resources.append((str(contents["$id"]), resource))
    return referencing.Registry().with_resources(resources).crawl()


@cache
def validator_for(event_type: str) -> Validator:
    """A cached draft 2020-12 validator, with :func:`registry` and format checking.

    ``event_type`` is one of :data:`EVENT_TYPES`; ``"envelope"`` gives the envelope alone
    (useful to tell ``invalid_event`` from ``unknown_event_type`` before picking a type).
    Raises ``ValueError`` for anything else.
    """
    if event_type != "envelope" and event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type!r}")
    validator: Validator = Draft202012Validator(
        load_schema(event_type),
        registry=registry(),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )
    return validator
