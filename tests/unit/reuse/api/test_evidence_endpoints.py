"""GET /v1/reuse, /v1/missed-reuse and /v1/explain on the hand-computed province."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from services.reuse import tables as t
from services.reuse.vocabulary import INDICATOR_CODES, POLICIES
from tests.support import small_province as data
from tests.unit.reuse.api.province import Province

START, END = data.PERIOD
PERIOD = {"from": START.isoformat(), "to": END.isoformat()}


async def get(province: Province, path: str, **params: Any) -> Any:
    r = await province.client.get(path, params=params, headers=province.auth())
    assert r.status_code == 200, r.text
    return r.json()


# -- /v1/reuse -------------------------------------------------------------------------------


async def test_reuse_edges(province: Province) -> None:
    body = await get(province, "/v1/reuse", unit="H44", **PERIOD)
    assert (body["total"], body["verified"], body["limit"], body["offset"]) == (4, 1, 100, 0)
    got = [
        (
            r["dossier_code"],
            r["unit"],
            r["component_code"],
            r["origin"],
            r["source_unit"],
            r["verified"],
        )
        for r in body["items"]
    ]
    assert got == [
        ("D7", "H44.02", "TP1", "reused_component", None, False),  # 1 March local, first
        ("D3", "H44.02", "TP1", "reused_result", "H44.01", True),
        ("D3", "H44.02", "TP2", "personal_warehouse", None, False),
        ("D5", "H44.03", "TP1", "national_db", None, False),
    ]
    d3 = body["items"][1]
    assert (d3["source_result_code"], d3["source_dossier_code"]) == ("R1", "D1")
    assert body["items"][0]["source_document_code"] == "DOC-404"
    assert body["items"][3]["source_db_code"] == "CSDLQGVDC"
    figures = await province.reader.indicators("H44", START, END)
    reused = next(m for m in figures["metrics"] if m["code"] == "REUSED_DIGITIZED_DATA")
    assert len({r["dossier_code"] for r in body["items"]}) == reused["numerator"]


async def test_reuse_pages_and_subtrees(province: Province) -> None:
    whole = (await get(province, "/v1/reuse", unit="H44", **PERIOD))["items"]
    paged: list[Any] = []
    for offset in range(0, 6, 2):
        page = await get(province, "/v1/reuse", unit="H44", limit=2, offset=offset, **PERIOD)
        assert page["total"] == 4
        paged += page["items"]
    assert paged == whole
    department = await get(province, "/v1/reuse", unit="H44.02", **PERIOD)
    assert [r["dossier_code"] for r in department["items"]] == ["D7", "D3", "D3"]
    commune = await get(province, "/v1/reuse", unit="H44.100", **PERIOD)
    assert (commune["total"], commune["items"]) == (0, [])
    february = await get(
        province, "/v1/reuse", unit="H44", **{"from": "2026-02-01", "to": "2026-02-28"}
    )
    assert [r["dossier_code"] for r in february["items"]] == ["D6"]  # 23:00 local, 28 Feb


# -- /v1/missed-reuse ------------------------------------------------------------------------


async def test_missed_reuse_summary_and_both_documents(province: Province) -> None:
    r = await province.client.get(
        "/v1/missed-reuse", params={"unit": "H44", **PERIOD}, headers=province.auth()
    )
    assert r.status_code == 200, r.text
    body = r.json()
    summary = await province.reader.missed_summary("H44", START, END)
    assert {k: body[k] for k in summary} == summary
    assert (body["missed_components"], body["missed_dossiers"], body["total"]) == (1, 1, 1)
    assert body["reuse"]["numerator"] == 3
    assert body["reuse_without_missed"]["numerator"] == 4
    assert body["reuse_without_missed"]["score"] == 1.67
    assert "units" not in body
    [row] = body["items"]
    assert (row["dossier_code"], row["unit"], row["component_code"]) == ("D2", "H44.01", "TP1")
    assert row["earlier"]["dossier_code"] == "D1"
    assert row["earlier"]["unit"] == "H44.01"
    assert (row["earlier"]["target_kind"], row["earlier"]["target_code"]) == ("component", "TP1")
    assert row["sha256"] == row["earlier"]["sha256"] == data.SHA_X
    assert (row["match"], row["distance"]) == ("sha256", 0)
    # Applicant hashes never leave the tracker.
    async with province.engine.connect() as conn:
        hashes = (await conn.execute(select(t.dossiers.c.applicant_hash))).scalars().all()
    assert hashes
    assert all(h not in r.text for h in hashes)
    assert "applicant" not in r.text


async def test_missed_reuse_breakdown_policy_and_paging(province: Province) -> None:
    body = await get(
        province, "/v1/missed-reuse", unit="H44", breakdown="children", offset=1, **PERIOD
    )
    assert [u["unit"] for u in body["units"]] == ["H44.01", "H44.02", "H44.03"]
    assert body["units"][0]["missed_components"] == 1
    assert (body["total"], body["items"]) == (1, [])
    completed = await get(
        province, "/v1/missed-reuse", unit="H44", denominator="completed", **PERIOD
    )
    assert (completed["policy"], completed["missed_components"], completed["total"]) == (
        "completed",
        0,
        0,
    )
    assert (await get(province, "/v1/missed-reuse", unit="H44.02", **PERIOD))["total"] == 0


# -- /v1/explain -----------------------------------------------------------------------------


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.slow
async def test_explain_counts_equal_the_indicator(province: Province, policy: str) -> None:
    for unit in ("H44", "H44.01", "H44.02", "H44.03", "H44.100"):
        figures = await province.reader.indicators(unit, START, END, policy=policy)
        for metric in figures["metrics"]:
            code = metric["code"]
            query = {"unit": unit, "indicator": code, "denominator": policy, **PERIOD}
            both = await get(province, "/v1/explain", **query)
            yes = await get(province, "/v1/explain", counted="true", **query)
            no = await get(province, "/v1/explain", counted="false", **query)
            where = f"{unit} {code} {policy}"
            assert (both["numerator"], both["denominator"]) == (
                metric["numerator"],
                metric["denominator"],
            ), where
            assert both["total"] == len(both["items"]) == metric["denominator"], where
            assert yes["total"] == len(yes["items"]) == metric["numerator"], where
            assert no["total"] == len(no["items"]) == metric["denominator"] - metric["numerator"]
            assert all(i["counted"] for i in yes["items"])
            assert not any(i["counted"] for i in no["items"])
            assert {i["code"] for i in yes["items"]} | {i["code"] for i in no["items"]} == {
                i["code"] for i in both["items"]
            }


@pytest.mark.parametrize("code", INDICATOR_CODES)
@pytest.mark.slow
async def test_explain_pages(province: Province, code: str) -> None:
    whole = await get(province, "/v1/explain", unit="H44", indicator=code, **PERIOD)
    paged: list[Any] = []
    for offset in range(0, whole["total"] + 2, 2):
        page = await get(
            province, "/v1/explain", unit="H44", indicator=code, limit=2, offset=offset, **PERIOD
        )
        assert page["total"] == whole["total"]
        paged += page["items"]
    assert paged == whole["items"]


async def reasons(province: Province, code: str, unit: str = "H44") -> dict[str, str]:
    body = await get(province, "/v1/explain", unit=unit, indicator=code, **PERIOD)
    return {i["code"]: i["reason"] for i in body["items"]}


async def test_explain_reasons_for_dossiers(province: Province) -> None:
    e_result = await reasons(province, "ORIGINAL_RESULT_AVAILABLE")
    assert e_result["D1"] == "electronic result issued: R1"
    assert e_result["D2"] == "result issued but not electronic: R2"
    assert e_result["D3"] == "no electronic result issued"
    assert e_result["D4"].startswith("electronic result without a stored file or url: R4")
    assert e_result["D5"] == "electronic result issued: R5"

    so_hoa = await reasons(province, "SO_HOA_GIAY_TO_GIAI_QUYET")
    assert so_hoa["D1"] == "component with a file: TP1; required result digitized: R1"
    assert so_hoa["D2"] == "result required but not digitized (R2 on paper, not scanned)"
    assert so_hoa["D3"] == "component with a file: TP1, TP2; no result document required"
    assert so_hoa["D4"] == (
        "no component with a file (TP1 scanned, scan refused (checksum_mismatch)); "
        "result required but not digitized (R4 electronic, file not stored)"
    )

    reuse = await reasons(province, "REUSED_DIGITIZED_DATA")
    assert reuse["D1"] == "no reuse"
    assert reuse["D2"] == "no reuse; 1 component(s) scanned again: missed reuse"
    assert reuse["D3"] == "reused: TP1 (reused_result), TP2 (personal_warehouse)"
    assert reuse["D5"] == "reused: TP1 (national_db)"

    synced = await reasons(province, "SYNCED_WITH_DVCQG_PERSONAL_STORAGE")
    assert synced["D3"] == "synced: personal-warehouse component"
    assert synced["D5"] == "synced: result pushed to the warehouse"
    assert synced["D1"].startswith("not synced")

    connected = await reasons(province, "CITIZEN_DATA_CONNECTED_DOSSIER")
    assert connected["D1"] == "citizen data connected: VNeID-authenticated"
    assert connected["D4"] == "citizen data connected: population data used"
    assert connected["D2"] == "not VNeID-authenticated, no population data, no warehouse component"


async def test_explain_procedures_and_units(province: Province) -> None:
    body = await get(
        province, "/v1/explain", unit="H44", indicator="CITIZEN_DATA_CONNECTED_FORMALITY", **PERIOD
    )
    assert body["counts"] == "procedures"
    got = {i["code"]: (i["counted"], i["units"], i["reason"]) for i in body["items"]}
    assert got == {
        "1.001": (True, ["H44.01"], "1 of 2 dossier(s) in the period with citizen data connected"),
        "1.002": (True, ["H44.02"], "1 of 3 dossier(s) in the period with citizen data connected"),
        "1.004": (False, ["H44.02"], "no dossier received in the period"),
    }
    # 1.003 is assigned to H44.100 but is not citizen-facing: not among the procedures.
    units = await get(
        province, "/v1/explain", unit="H44.01", indicator="ELECTRONIC_CERTIFIED_COPY", **PERIOD
    )
    assert units["counts"] == "units"
    assert [(i["code"], i["counted"]) for i in units["items"]] == [
        ("H44.01", False),
        ("H44.100", True),
    ]
    assert units["items"][0]["reason"] == "does not offer certified electronic copies"


async def test_explain_never_shows_applicant_hashes(province: Province) -> None:
    async with province.engine.connect() as conn:
        hashes = (await conn.execute(select(t.dossiers.c.applicant_hash))).scalars().all()
    for code in INDICATOR_CODES:
        r = await province.client.get(
            "/v1/explain",
            params={"unit": "H44", "indicator": code, **PERIOD},
            headers=province.auth(),
        )
        assert all(h not in r.text for h in hashes)
