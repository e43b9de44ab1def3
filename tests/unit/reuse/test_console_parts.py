"""The console's small parts: signed sessions, CSRF, number and date formats, periods, and
the server-drawn chart."""

from __future__ import annotations

import stat
from datetime import date
from pathlib import Path

import pytest

from services.reuse.console.chart import Series, line_chart
from services.reuse.console.labels import INDICATOR_NAMES, count, day, number, percent
from services.reuse.console.periods import BadPeriod, Span, chosen, last_months, preset
from services.reuse.console.session import SESSION_SECONDS, Signer, load_key
from services.reuse.indicators import METRICS

TOKEN = "rtk_" + "a" * 43


def test_a_session_cookie_holds_only_while_signed_and_fresh(tmp_path: Path) -> None:
    signer = Signer(load_key(tmp_path / "k"))
    cookie = signer.session(TOKEN, now=1000)
    assert signer.token_of(cookie, now=1000 + SESSION_SECONDS) == TOKEN
    assert signer.token_of(cookie, now=1001 + SESSION_SECONDS) is None
    assert signer.token_of(cookie, now=999) is None
    payload, mac = cookie.split(".")
    assert signer.token_of(f"{payload}x.{mac}", now=1000) is None
    assert signer.token_of(f"{payload}.{mac[:-1]}", now=1000) is None
    assert signer.token_of("", now=1000) is None
    other = Signer(b"o" * 32)
    assert other.token_of(cookie, now=1000) is None


def test_the_key_is_made_once_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "var" / "console-session.key"
    key = load_key(path)
    assert len(key) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_key(path) == key
    path.write_bytes(b"short")
    with pytest.raises(ValueError, match="fewer than 32"):
        load_key(path)


def test_csrf_fields_match_only_their_nonce() -> None:
    signer = Signer(b"k" * 32)
    nonce = signer.nonce()
    assert signer.csrf_ok(nonce, signer.csrf(nonce))
    assert not signer.csrf_ok(nonce, signer.csrf(signer.nonce()))
    assert not signer.csrf_ok(None, signer.csrf(nonce))
    assert not signer.csrf_ok(nonce, None)


def test_vietnamese_and_english_numbers_and_dates() -> None:
    assert percent(46.97, "vi") == "46,97%"
    assert percent(46.97, "en") == "46.97%"
    assert number(1237.5, "vi") == "1.237,50"
    assert number(1237.5, "en") == "1,237.50"
    assert count(1237, "vi") == "1.237"
    assert percent(None, "vi") == number(None, "vi") == "—"
    assert day(date(2026, 3, 31), "vi") == "31/03/2026"
    assert day(date(2026, 3, 31), "en") == "2026-03-31"
    assert set(INDICATOR_NAMES) == {spec.code for spec in METRICS}


def test_periods() -> None:
    today = date(2026, 8, 15)
    assert preset("this_month", today) == Span(date(2026, 8, 1), today)
    assert preset("this_quarter", today) == Span(date(2026, 7, 1), today)
    assert preset("year_to_date", today) == Span(date(2026, 1, 1), today)
    assert preset("last_year", today) == Span(date(2025, 1, 1), date(2025, 12, 31))
    assert chosen(None, None, today) == preset("year_to_date", today)
    assert chosen("2026-02-01", "2026-02-28", today) == Span(date(2026, 2, 1), date(2026, 2, 28))
    for start, end in (
        ("2026-02-01", None),
        ("2026-2-1", "2026-02-28"),
        ("2026-03-01", "2026-02-01"),
        ("2026-02-30", "2026-03-01"),
    ):
        with pytest.raises(BadPeriod):
            chosen(start, end, today)
    months = last_months(date(2026, 3, 10))
    assert len(months) == 12
    assert months[0] == Span(date(2025, 4, 1), date(2025, 4, 30))
    assert months[-1] == Span(date(2026, 3, 1), date(2026, 3, 31))
    assert months[-2].end == date(2026, 2, 28)


def test_the_chart_escapes_its_labels_and_breaks_on_gaps() -> None:
    svg = line_chart(
        '<b>"t"</b>', ["01/26", "02/26", "03/26"], [Series("m0", "<i>x</i>", [1.0, None, 2.0])], 4
    )
    assert "<b>" not in svg
    assert "<i>" not in svg
    assert "&lt;b&gt;" in svg
    assert svg.count("<polyline") == 2
    assert "style=" not in svg
    assert "<script" not in svg
