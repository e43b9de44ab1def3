"""The fast passes never change a verdict: whatever they accept, the reference path accepts
too, and check_event answers exactly the same with and without them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas import EVENT_TYPES, SCHEMA_DIR, validator_for
from services.ingest import validation
from services.ingest.fastcheck import parse_if_plain, surely_valid
from services.ingest.validation import Refused, Valid, check_event, parse_json
from tests.support import factories as f

EXAMPLES = sorted((SCHEMA_DIR / "v1" / "examples").glob("*.json"))


def _load(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def _seeds() -> list[dict[str, Any]]:
    events = [_load(p) for p in EXAMPLES]
    events += [f.received("H44.07", "D1"), f.agency("H44.07", "H44"), f.procedure("H44.07")]
    events += f.others("H44.07", "D1")
    events.append(f.scanned("H44.07", "D1", f.obj("H44/2026/scan.jpg", b"x")))
    return events


SEEDS = _seeds()

tricky_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.sampled_from([0, 1, 4, 9, -1, 2**63, 2**64 + 1, 1.0, 4.0, -0.0, 0.5, 1e300]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=70),
    st.sampled_from(
        [
            "",
            "H44\n",
            "H44.07",
            "x" * 65,
            "2026-02-30T08:15:00+07:00",
            "2026-03-02T08:15:00Z",
            "2026-03-02T08:15:00.1234567+07:00",
            "2026-03-02T24:00:00+07:00",
            "2026-03-02T08:15:00",
            "0195A3C2-7B41-7D2E-9A10-3F6C2B8E4D01",
            "0195a3c27b417d2e9a103f6c2b8e4d01",
            "online",
            "uploaded",
            "a" * 64,
            "H44/../x",
            "\ud83d\ude00",
        ]
    ),
)
json_values = st.recursive(
    tricky_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=6,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*prefix, i))
    return out


def _mutate(event: Any, path: tuple[Any, ...], new: Any, delete: bool) -> Any:
    if not path:
        return new
    copy = json.loads(json.dumps(event))
    parent = copy
    for step in path[:-1]:
        parent = parent[step]
    if delete and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = new
    return copy


@st.composite
def mutated_events(draw: st.DrawFn) -> Any:
    event: Any = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        path = draw(st.sampled_from(_paths(event)))
        event = _mutate(event, path, draw(json_values), draw(st.booleans()))
    return event


def _reference_valid(event_type: str, event: Any) -> bool:
    return not list(validator_for(event_type).iter_errors(event))


def _slow_check(raw: bytes, root: str, monkeypatch: pytest.MonkeyPatch) -> Valid | Refused:
    with monkeypatch.context() as m:
        m.setattr(validation, "parse_if_plain", lambda _raw: None)
        m.setattr(validation, "surely_valid", lambda _t, _e: False)
        return check_event(raw, root)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_examples_get_the_reference_verdict(path: Path) -> None:
    event = _load(path)
    event_type = event.get("event_type")
    if event_type in EVENT_TYPES:
        assert surely_valid(event_type, event) == _reference_valid(event_type, event)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_events())
@pytest.mark.slow
def test_fast_schema_check_never_accepts_what_the_reference_refuses(event: Any) -> None:
    for event_type in EVENT_TYPES:
        if surely_valid(event_type, event):
            assert _reference_valid(event_type, event), event_type


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(event=mutated_events(), ascii_only=st.booleans())
@pytest.mark.slow
def test_check_event_answers_as_without_fast_paths(event: Any, ascii_only: bool) -> None:
    raw = json.dumps(event, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
    with pytest.MonkeyPatch.context() as mp:
        assert check_event(raw, "H44") == _slow_check(raw, "H44", mp)


@settings(max_examples=500, deadline=None)
@given(
    seed=st.sampled_from(SEEDS),
    edits=st.lists(
        st.tuples(st.integers(min_value=0), st.sampled_from(list(b'{}[]":,.0123456789eE+-\\u'))),
        max_size=4,
    ),
)
@pytest.mark.slow
def test_fast_parse_is_the_reference_parse(seed: Any, edits: list[tuple[int, int]]) -> None:
    raw = bytearray(json.dumps(seed, ensure_ascii=False).encode())
    for pos, byte in edits:
        raw[pos % len(raw)] = byte
    fast = parse_if_plain(bytes(raw))
    if not edits:  # a plain event: the fast parser must take it itself
        assert fast is not None
    if fast is not None:
        assert repr(fast) == repr(parse_json(bytes(raw)))


# The edge documents msgspec parses itself; it hands the others to the reference parser.
FAST_EDGES = {
    b"123456789012345678901234567890",
    b'{"a": "\\ud83d\\ude00"}',
    b'{"a": 1, "a": 2}',
    b'{"a": -0}',
}


@pytest.mark.parametrize(
    "raw",
    [
        b"123456789012345678901234567890",
        b'{"a": 1e400}',
        b'{"a": "\\ud800"}',
        b'{"a": "\\ud83d\\ude00"}',
        b"[" * 900 + b"]" * 900,
        b'{"a": 1, "a": 2}',
        b"\xef\xbb\xbf{}",
        b'{"a": -0}',
    ],
)
def test_edge_documents_parse_as_the_reference_says(raw: bytes) -> None:
    fast = parse_if_plain(raw)
    assert (fast is not None) == (raw in FAST_EDGES)
    try:
        reference: Any = parse_json(raw)
    except ValueError:
        assert fast is None
        return
    assert fast is None or repr(fast) == repr(reference)


def test_a_lone_surrogate_is_refused_not_handed_on() -> None:
    event = f.received("H44.07", "D1")
    event["data"]["applicant"]["id"] = "\ud800"
    raw = json.dumps(event).encode()
    verdict = check_event(raw, "H44")
    assert verdict == Refused(
        "malformed_json", "a string holds an unpaired UTF-16 surrogate escape"
    )


def _boom(*_args: Any) -> Any:
    raise AssertionError("the reference path ran for a plain, valid event")


PLAIN_VALID = [e for e in SEEDS if _reference_valid(e["event_type"], e)]


@pytest.mark.parametrize("event", PLAIN_VALID, ids=lambda e: str(e["event_type"]))
def test_plain_valid_events_never_reach_the_reference_path(
    event: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every other test here passes if the fast passes answer "not sure" every time (they
    # would then only cost time): this one fails if msgspec or jsonschema-rs stops working.
    raw = json.dumps(event, ensure_ascii=False).encode()
    verdict = check_event(raw, "H44")
    monkeypatch.setattr(validation, "parse_json", _boom)
    monkeypatch.setattr(validation, "validator_for", _boom)
    assert parse_if_plain(raw) == event
    assert surely_valid(event["event_type"], event)
    assert check_event(raw, "H44") == verdict
