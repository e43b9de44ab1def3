"""401, 403, 404 and 422 as CONTRACT.md and the issue ask: precise, and in that order."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.reuse.api.province import Province

GOOD = {"unit": "H44", "from": "2026-03-01", "to": "2026-03-31"}
ENDPOINTS: list[tuple[str, dict[str, str]]] = [
    ("/v1/indicators", {}),
    ("/v1/reuse", {}),
    ("/v1/missed-reuse", {}),
    ("/v1/explain", {"indicator": "REUSED_DIGITIZED_DATA"}),
]


async def call(
    province: Province, path: str, params: dict[str, Any], headers: dict[str, str] | None = None
) -> Any:
    return await province.client.get(path, params=params, headers=headers or {})


@pytest.mark.parametrize(("path", "extra"), ENDPOINTS)
@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer",
        "Basic dXNlcjpwYXNz",
        "Bearer not-a-token",
        "Bearer rtk_" + "A" * 43,  # well formed, never issued
        "revoked",
    ],
)
async def test_401_without_a_valid_token(
    province: Province, path: str, extra: dict[str, str], header: str | None
) -> None:
    headers = {}
    if header == "revoked":
        headers = province.auth("revoked")
    elif header is not None:
        headers = {"Authorization": header}
    r = await call(province, path, {**GOOD, **extra}, headers)
    assert r.status_code == 401, r.text
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert "token" in r.json()["detail"]


async def test_401_comes_before_parameter_errors(province: Province) -> None:
    r = await call(province, "/v1/indicators", {"unit": "h44", "from": "yesterday"})
    assert r.status_code == 401


@pytest.mark.parametrize(("path", "extra"), ENDPOINTS)
async def test_403_outside_the_province(
    province: Province, path: str, extra: dict[str, str]
) -> None:
    for unit in ("H44", "H44.01"):
        r = await call(province, path, {**GOOD, **extra, "unit": unit}, province.auth("h10"))
        assert r.status_code == 403, r.text
        assert "H10" in r.json()["detail"]
        assert unit in r.json()["detail"]
        own = await call(province, path, {**GOOD, **extra, "unit": unit}, province.auth("h44"))
        assert own.status_code == 200, own.text
    # An unknown unit of another tree is 403, not 404: nothing is revealed about it.
    other = await call(province, path, {**GOOD, **extra, "unit": "H99"}, province.auth("h44"))
    assert other.status_code == 403


@pytest.mark.parametrize(("path", "extra"), ENDPOINTS)
@pytest.mark.parametrize("unit", ["H44.999", "H99", "H44.01.7"])
async def test_404_for_a_unit_never_seen(
    province: Province, path: str, extra: dict[str, str], unit: str
) -> None:
    r = await call(province, path, {**GOOD, **extra, "unit": unit}, province.auth())
    assert r.status_code == 404, r.text
    assert r.json()["detail"] == f"unknown unit {unit}: not registered and seen in no event"


BAD: list[tuple[str, dict[str, str], str, str]] = [
    ("/v1/indicators", {"unit": "h44"}, "unit", "unit must be a unit code such as H44"),
    ("/v1/indicators", {"unit": "H44/01"}, "unit", "unit must be a unit code"),
    ("/v1/indicators", {"unit": "H" * 33}, "unit", "1 to 32 characters"),
    ("/v1/indicators", {"from": "2026/03/01"}, "from", "from must be a local date written YYYY"),
    ("/v1/indicators", {"to": "2026-02-30"}, "to", "to is not a calendar date"),
    ("/v1/indicators", {"from": "2026-03-01T00:00:00"}, "from", "YYYY-MM-DD"),
    (
        "/v1/indicators",
        {"from": "2026-04-01"},
        "from",
        "from (2026-04-01) is after to (2026-03-31)",
    ),
    ("/v1/indicators", {"denominator": "all"}, "denominator", "'received', 'completed'"),
    ("/v1/indicators", {"breakdown": "parents"}, "breakdown", "'children'"),
    ("/v1/indicators", {"format": "xml"}, "format", "'json' or 'csv'"),
    ("/v1/reuse", {"limit": "0"}, "limit", "greater than or equal to 1"),
    ("/v1/reuse", {"limit": "1001"}, "limit", "less than or equal to 1000"),
    ("/v1/reuse", {"offset": "-1"}, "offset", "greater than or equal to 0"),
    ("/v1/missed-reuse", {"limit": "many"}, "limit", "valid integer"),
    ("/v1/explain", {"indicator": "REUSE"}, "indicator", "REUSED_DIGITIZED_DATA"),
    ("/v1/explain", {"indicator": "REUSED_DIGITIZED_DATA", "counted": "maybe"}, "counted", "bool"),
]


@pytest.mark.parametrize(("path", "change", "field", "message"), BAD)
async def test_422_says_what_is_wrong(
    province: Province, path: str, change: dict[str, str], field: str, message: str
) -> None:
    r = await call(province, path, {**GOOD, **change}, province.auth())
    assert r.status_code == 422, r.text
    errors = r.json()["detail"]
    assert any(e["loc"] == ["query", field] and message in e["msg"] for e in errors), errors


@pytest.mark.parametrize("missing", ["unit", "from", "to"])
async def test_422_for_a_missing_parameter(province: Province, missing: str) -> None:
    params = {k: v for k, v in GOOD.items() if k != missing}
    r = await call(province, "/v1/indicators", params, province.auth())
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["query", missing]
    assert r.json()["detail"][0]["msg"] == "Field required"


async def test_422_lists_every_problem_at_once(province: Province) -> None:
    r = await call(
        province,
        "/v1/explain",
        {"unit": "x", "from": "2026-13-01", "to": "soon", "indicator": "NOPE"},
        province.auth(),
    )
    assert r.status_code == 422
    assert {tuple(e["loc"]) for e in r.json()["detail"]} >= {
        ("query", "unit"),
        ("query", "from"),
        ("query", "to"),
    }
