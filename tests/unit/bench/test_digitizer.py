"""The digitizer benchmark runs and reports its numbers (their size is the benchmark's business)."""

from __future__ import annotations

import json

import pytest

from bench.digitizer import run


@pytest.mark.slow
def test_quick_run_reports_every_figure() -> None:
    result = run(quick=True)
    json.dumps(result)  # JSON-able as it is
    for key in (
        "pages_per_second",
        "pages_per_second_with_archival_pdf",
        "baseline_pages_per_second",
        "ratio",
        "ratio_with_archival_pdf",
    ):
        assert isinstance(result[key], float), key
        assert result[key] > 0, key
    assert (result["pages"], result["repetitions"], result["cores"]) == (8, 2, 1)
    assert result["scan"]["dpi"] == 200
    assert set(result["wall_pages_per_second"]) == {"fast", "with_pdf", "baseline"}
    assert isinstance(result["meets_target"], bool)
