"""Medians of several runs, bench/results.json, and the table in docs/performance.md."""

from __future__ import annotations

import json
import re
import statistics
from pathlib import Path
from typing import Any

START = "<!-- bench:start -->"
END = "<!-- bench:end -->"


def flatten(result: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """{"a": {"b": 1}} -> {"a.b": 1}."""
    out: dict[str, Any] = {}
    for key, value in result.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, f"{name}."))
        else:
            out[name] = value
    return out


def medians(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The median of every numeric measure over the runs (others: the last run's value)."""
    flat = [flatten(r) for r in runs]
    keys = list(dict.fromkeys(k for r in flat for k in r))
    out: dict[str, Any] = {}
    for key in keys:
        values = [r[key] for r in flat if key in r]
        numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
        out[key] = (
            round(statistics.median(numbers), 3) if len(numbers) == len(values) else values[-1]
        )
    return out


def write_results(path: Path, document: dict[str, Any]) -> None:
    """Write the results file (pretty, stable key order)."""
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _unit(units: dict[str, str], key: str) -> str:
    for suffix, unit in units.items():
        if key == suffix or key.endswith("." + suffix) or key.endswith(suffix):
            return unit
    return ""


def _fmt(value: Any) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.3f}".rstrip("0").rstrip(".") if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int | float):
        return f"{value:,.0f}"
    return str(value)


def table(document: dict[str, Any]) -> str:
    """The docs/performance.md table of a results document."""
    m = document["machine"]
    lines = [
        f"Measured on {m['cores']} cores ({m['cpu']}), {m['memory_gb']} GB, "
        f"Python {m['python']}; the median of each suite's runs:",
        "",
    ]
    for name, suite in document["suites"].items():
        # Suites kept from an earlier run (--merge) carry their own date, sizes and load.
        date = suite.get("date", document["date"])
        quick = suite.get("quick", document["quick"])
        load = suite.get("load_average", m["load_average_at_start"])
        lines.append(
            f"- `{name}`: {len(suite['runs'])} run(s), {'quick' if quick else 'full'} sizes, "
            f"{date}, load average {load}"
        )
    lines += [
        "",
        "| suite | measure | median | unit | target | runs |",
        "|---|---|---:|---|---|---|",
    ]
    for name, suite in document["suites"].items():
        units = suite.get("units", {})
        targets = suite.get("targets", {})
        for key, value in suite["median"].items():
            raw = ", ".join(_fmt(flatten(r).get(key, "")) for r in suite["runs"])
            lines.append(
                f"| {name} | {key} | {_fmt(value)} | {_unit(units, key)} | "
                f"{targets.get(key, '')} | {raw} |"
            )
    return "\n".join(lines)


def update_readme(readme: Path, document: dict[str, Any]) -> bool:
    """Replace the text between the markers; False if the page has no markers."""
    text = readme.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.DOTALL)
    if not pattern.search(text):
        return False
    new = f"{START}\n{table(document)}\n{END}"
    readme.write_text(pattern.sub(lambda _m: new, text), encoding="utf-8")
    return True
