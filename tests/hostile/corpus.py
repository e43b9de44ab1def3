"""The hostile-input corpus: cases kept as files, and the recipes that make the big inputs.

`manifest.json` lists every case: its `name`, the `code` it must be refused with, what it is
`about`, and its input, one of:

- `"event": "cases/<name>.json"`: an event template, serialized with `json.dumps` (ASCII
  escapes, so lone surrogates and control characters survive as the publisher sends them);
- `"raw": "cases/<name>.bin"`: the message bytes, published exactly as they are;
- `"recipe": "<name>"`: message bytes made at test time (inputs too big to keep in git).

A case may carry Kafka `headers`: `[[name, value], ...]`, each value's characters taken as
bytes 0-255 (so `"\u00ff"` is the byte 0xff, which is not UTF-8).

A template's string placeholders: `@uuid` (a fresh event ID), `@dossier` (a dossier code of
its own) and `@object` (the claim-check object of the case's file). A case with a `file`
puts that file into the inbox first: `{"path": "files/<name>"}` or `{"recipe": "<name>"}`,
with `content_type`, and optionally `"upload": false` (never put), `"sha256"` (declared
instead of the real one), `"size_delta"` (added to the declared size) or `"key"` (the inbox key,
by default `H44/hostile/<name>`).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reuse_tracker.simulator import samples

HERE = Path(__file__).resolve().parent
MANIFEST = HERE / "manifest.json"
ROOT = "H44"
TOPIC = f"dossier-events.{ROOT}"
_T = "2026-03-02T08:15:00+07:00"


def _event(event_type: str, agency: str, data: dict[str, Any], dossier: bool = True) -> Any:
    event: dict[str, Any] = {
        "event_id": str(uuid.uuid4()),
        "event_type": event_type,
        "schema_version": 1,
        "occurred_at": _T,
        "source_system": "hostile-corpus",
        "agency_code": agency,
        "data": data,
    }
    if dossier:
        event["dossier_code"] = f"{agency}-HOSTILE-{uuid.uuid4().hex[:8]}"
    return event


def _agency_name_of(size: int) -> bytes:
    data = {"name": "x" * size, "parent_code": ROOT, "level": "department"}
    return json.dumps(_event("agency.registered", f"{ROOT}.98", data, dossier=False)).encode()


def _components(n: int) -> list[dict[str, str]]:
    return [{"component_code": f"TP{i}", "origin": "paper"} for i in range(n)]


def _received(components: list[dict[str, str]]) -> bytes:
    data = {
        "procedure_code": "1.001234",
        "channel": "counter",
        "received_at": _T,
        "applicant": {"kind": "business"},
        "components": components,
    }
    return json.dumps(_event("dossier.received", f"{ROOT}.01", data)).encode()


def _nested_channel(depth: int) -> bytes:
    # Built as text: json.dumps itself would hit the recursion limit.
    head, tail = _received([]).split(b'"channel": "counter"')
    return head + b'"channel": ' + b"[" * depth + b"]" * depth + tail


#: Message bytes made at test time.
EVENT_RECIPES: dict[str, Callable[[], bytes]] = {
    "huge_string": lambda: _agency_name_of(300 * 1024),
    "huge_array": lambda: _received(_components(9000)),
    "huge_unknown_field": lambda: _received([])[:-1] + b', "note": "' + b"y" * 270_000 + b'"}',
    "deep_nesting": lambda: b"[" * 100_000 + b"]" * 100_000,
    "deep_nesting_in_field": lambda: _nested_channel(5000),
    "components_over_limit": lambda: _received(_components(1000)),
}


def _jpeg_dimension_bomb() -> bytes:
    """A small JPEG whose frame header claims 65535 x 65535 pixels."""
    data = bytearray(samples.a4_page(5, dpi=50))
    at = data.index(b"\xff\xc0")
    data[at + 5 : at + 9] = b"\xff\xff\xff\xff"
    return bytes(data)


def _truncated_pdf() -> bytes:
    pdf = samples.pdf_doc(3)
    return pdf[: len(pdf) // 2]


#: Inbox files made at test time (too big to keep, or built from the sample makers).
FILE_RECIPES: dict[str, Callable[[], bytes]] = {
    "a4_page": lambda: samples.a4_page(3, dpi=100),
    "decompression_bomb_png": samples.decompression_bomb_png,
    "bomb_81_megapixels_png": lambda: samples.decompression_bomb_png(9000, 9000),
    "thousand_page_tiff": samples.thousand_page_tiff,
    "huge_second_page_tiff": samples.huge_second_page_tiff,
    "tiff_first_page_100k_square": lambda: samples.bilevel_tiff([(100_000, 100_000)]),
    "jpeg_dimension_bomb": _jpeg_dimension_bomb,
    "pdf_250_pages": lambda: samples.pdf_doc(250),
    "truncated_jpeg": samples.truncated_jpeg,
    "truncated_pdf": _truncated_pdf,
    "png_page_50dpi": lambda: samples.png_page(0, dpi=50),
}


@dataclass(frozen=True)
class InboxFile:
    """A file to put into the inbox before the event, and what the event declares."""

    key: str
    data: bytes
    content_type: str
    upload: bool
    declared: dict[str, Any]


@dataclass(frozen=True)
class Case:
    """One hostile input: the message bytes, its file if any, and the code it must get."""

    name: str
    code: str
    about: str
    value: bytes
    file: InboxFile | None
    headers: list[tuple[str, bytes]]


def manifest() -> list[dict[str, Any]]:
    """The manifest's entries, as written."""
    entries: list[dict[str, Any]] = json.loads(MANIFEST.read_text())
    return entries


def _file_of(entry: dict[str, Any]) -> InboxFile | None:
    spec = entry.get("file")
    if spec is None:
        return None
    path = spec.get("path")
    data = (HERE / path).read_bytes() if path else FILE_RECIPES[spec["recipe"]]()
    key = spec.get("key", f"{ROOT}/hostile/{entry['name']}")
    declared = {
        "key": key,
        "sha256": spec.get("sha256", hashlib.sha256(data).hexdigest()),
        "size": len(data) + int(spec.get("size_delta", 0)),
        "content_type": spec["content_type"],
    }
    return InboxFile(key, data, spec["content_type"], bool(spec.get("upload", True)), declared)


def _fill(value: Any, case: str, obj: dict[str, Any] | None) -> Any:
    if isinstance(value, dict):
        return {k: _fill(v, case, obj) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, case, obj) for v in value]
    if value == "@uuid":
        return str(uuid.uuid4())
    if value == "@dossier":
        return f"{ROOT}.01-HOSTILE-{case}"[:64]
    if value == "@object":
        if obj is None:
            raise ValueError(f"case {case} uses @object but has no file")
        return obj
    return value


def load_case(entry: dict[str, Any]) -> Case:
    """Build one case's message bytes (fresh IDs each time) and file."""
    file = _file_of(entry)
    if "event" in entry:
        template = json.loads((HERE / entry["event"]).read_text())
        value = json.dumps(_fill(template, entry["name"], file.declared if file else None))
        raw = value.encode("ascii")
    elif "raw" in entry:
        raw = (HERE / entry["raw"]).read_bytes()
    else:
        raw = EVENT_RECIPES[entry["recipe"]]()
    headers = [(k, v.encode("latin-1")) for k, v in entry.get("headers", [])]
    return Case(entry["name"], entry["code"], entry["about"], raw, file, headers)


def load_corpus() -> list[Case]:
    """Every case of the manifest, in its order."""
    return [load_case(entry) for entry in manifest()]
