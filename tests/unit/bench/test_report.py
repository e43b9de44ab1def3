"""The benchmark driver's bookkeeping: registry, medians, results file and README table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench import __main__ as driver
from bench import registry, report


def _document(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "date": "2026-11-21T00:00:00+00:00",
        "quick": True,
        "runs": len(runs),
        "machine": {
            "cores": 2,
            "cpu": "test CPU",
            "memory_gb": 1.0,
            "python": "3.11",
            "load_average_at_start": [0.0, 0.0, 0.0],
        },
        "suites": {
            "ingest": {
                "median": report.medians(runs),
                "runs": runs,
                "units": {"events_per_s": "events/s"},
                "targets": {"sqlite.events_per_s": ">= 20,000"},
            }
        },
    }


def test_every_registered_suite_has_a_run_function() -> None:
    for name in registry.SUITES:
        assert callable(registry.load(name).run)


def test_an_unknown_suite_is_an_error() -> None:
    with pytest.raises(KeyError, match="unknown suite"):
        registry.load("nope")


def test_a_registered_but_missing_module_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(registry.SUITES, "ghost", "bench.does_not_exist")
    with pytest.raises(ModuleNotFoundError):
        registry.load("ghost")


def test_medians_of_nested_results() -> None:
    runs = [
        {"sqlite": {"events_per_s": 10}, "events": 5, "note": "a"},
        {"sqlite": {"events_per_s": 30}, "events": 5, "note": "b"},
        {"sqlite": {"events_per_s": 20}, "events": 5, "note": "c"},
    ]
    assert report.medians(runs) == {"sqlite.events_per_s": 20, "events": 5, "note": "c"}


def test_readme_table_is_replaced_between_the_markers(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n\n{report.START}\nold\n{report.END}\n\nafter\n")
    doc = _document([{"sqlite": {"events_per_s": 21000}}, {"sqlite": {"events_per_s": 23000}}])
    assert report.update_readme(readme, doc)
    text = readme.read_text()
    assert "old" not in text
    assert (
        "| ingest | sqlite.events_per_s | 22,000 | events/s | >= 20,000 | 21,000, 23,000 |" in text
    )
    assert text.endswith("after\n")
    assert "2 cores" in text


def test_readme_without_markers_is_left_alone(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# x\n")
    assert not report.update_readme(readme, _document([{"a": 1}]))
    assert readme.read_text() == "# x\n"


def test_results_file_round_trips(tmp_path: Path) -> None:
    doc = _document([{"a": 1.5}])
    report.write_results(tmp_path / "r.json", doc)
    assert json.loads((tmp_path / "r.json").read_text()) == doc


def test_driver_refuses_unknown_suites_and_bad_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert driver.main(["--only", "nope", "--no-readme"]) == 2
    assert driver.main(["--runs", "0", "--no-readme"]) == 2
    assert driver.main(["--list"]) == 0
    assert "ingest" in capsys.readouterr().out
