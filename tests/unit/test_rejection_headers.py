"""The headers every service puts on a refused event (CONTRACT.md: the `.rejected` topics)."""

from __future__ import annotations

from schemas.rejection import MAX_DETAIL_CHARS, rejection_headers


def test_headers_name_the_reason_and_the_source() -> None:
    headers = rejection_headers("malformed_json", "line 1: bad", "dossier-events.H44", 2, 41)
    assert headers == {
        "error.code": "malformed_json",
        "error.detail": "line 1: bad",
        "source.topic": "dossier-events.H44",
        "source.partition": "2",
        "source.offset": "41",
    }


def test_a_long_detail_is_cut() -> None:
    detail = "x" * (MAX_DETAIL_CHARS - 1) + "yz"
    headers = rejection_headers("invalid_event", detail, "dossier-events.H44", 0, 0)
    assert headers["error.detail"] == detail[:MAX_DETAIL_CHARS]
    assert len(headers["error.detail"]) == MAX_DETAIL_CHARS


def test_every_header_is_a_string() -> None:
    headers = rejection_headers("too_large", "", "dossier-events.B01", 0, 10**12)
    assert all(isinstance(v, str) for v in headers.values())
