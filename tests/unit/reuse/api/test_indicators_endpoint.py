"""GET /v1/indicators: the reader's object, breakdown, denominator policy, and CSV (the same
CSV the command line prints)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from typing import Any

import pytest
from typer.testing import CliRunner

from reuse_tracker.cli import app as cli
from services.reuse.csvreport import header, indicators_csv
from tests.support import small_province as data
from tests.unit.reuse.api.province import Province

START, END = data.PERIOD
H44 = {"unit": "H44", "from": START.isoformat(), "to": END.isoformat()}


async def get(province: Province, **params: str) -> Any:
    r = await province.client.get("/v1/indicators", params=params, headers=province.auth())
    assert r.status_code == 200, r.text
    return r


async def test_the_reader_object_with_hand_computed_figures(province: Province) -> None:
    body = (await get(province, **H44)).json()
    assert body == await province.reader.indicators("H44", START, END)
    assert "units" not in body
    got = {m["code"]: (m["numerator"], m["denominator"]) for m in body["metrics"]}
    assert got == data.EXPECTED_H44
    assert body["max_score"] == 22


async def test_breakdown_children(province: Province) -> None:
    body = (await get(province, **H44, breakdown="children")).json()
    assert body == await province.reader.indicators("H44", START, END, breakdown=True)
    # H44.03 was never registered: it hangs below the root by its code.
    assert [u["unit"] for u in body["units"]] == ["H44.01", "H44.02", "H44.03"]
    assert "units" not in (await get(province, **H44, breakdown="none")).json()


@pytest.mark.parametrize(
    ("policy", "denominator"), [("received", 6), ("completed", 2), ("result_required", 3)]
)
async def test_denominator_policy(province: Province, policy: str, denominator: int) -> None:
    body = (await get(province, **H44, denominator=policy)).json()
    assert body == await province.reader.indicators("H44", START, END, policy=policy)
    assert body["metrics"][0]["denominator"] == denominator


async def test_a_subtree(province: Province) -> None:
    body = (await get(province, unit="H44.01", **{"from": "2026-03-01", "to": "2026-03-31"})).json()
    assert body["metrics"][0]["denominator"] == 3  # D1, D2 and D4 of the commune H44.100


async def test_csv_has_one_row_per_unit(province: Province) -> None:
    r = await get(province, **H44, breakdown="children", format="csv")
    assert r.headers["content-type"].startswith("text/csv")
    reader = csv.reader(io.StringIO(r.text))
    head = next(reader)
    codes = list(data.EXPECTED_H44)
    assert head == header(codes)
    assert head[:3] == ["unit", "from", "to"]
    assert head[-3:] == ["total_score", "max_score", "ratio"]
    rows = [dict(zip(head, row, strict=True)) for row in reader]
    assert [row["unit"] for row in rows] == ["H44", "H44.01", "H44.02", "H44.03"]
    assert rows[0]["REUSED_DIGITIZED_DATA_numerator"] == "3"
    assert rows[0]["REUSED_DIGITIZED_DATA_ratio"] == "50.00"
    assert rows[0]["REUSED_DIGITIZED_DATA_score"] == "1.25"
    # H44.03 has no procedure assigned: an empty denominator leaves ratio and score empty.
    assert rows[3]["CITIZEN_DATA_CONNECTED_FORMALITY_denominator"] == "0"
    assert rows[3]["CITIZEN_DATA_CONNECTED_FORMALITY_ratio"] == ""
    reference = await province.reader.indicators("H44", START, END, breakdown=True)
    assert r.text == indicators_csv(reference)
    assert float(rows[0]["total_score"]) == reference["total_score"]


def _cli(province: Province, *args: str) -> str:
    result = CliRunner().invoke(
        cli,
        ["indicators", *args, "--var-dir", str(province.var_dir)],
        env=province.env,
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("breakdown", ["none", "children"])
@pytest.mark.slow
async def test_the_cli_prints_what_the_api_answers(province: Province, breakdown: str) -> None:
    args = ["--unit", "H44", "--from", H44["from"], "--to", H44["to"], "--breakdown", breakdown]
    # The command runs its own event loop: give it a thread of its own.
    as_csv = await asyncio.to_thread(_cli, province, *args, "--format", "csv")
    as_json = await asyncio.to_thread(_cli, province, *args, "--format", "json")
    assert as_csv == (await get(province, **H44, breakdown=breakdown, format="csv")).text
    assert json.loads(as_json) == (await get(province, **H44, breakdown=breakdown)).json()
