"""Grafana dashboards as code: an operations overview and a province view.

`python -m reuse_tracker.dashboards` (`make dashboards`) writes them as plain JSON into
`infra/grafana/dashboards/`; a test fails when the committed files differ, and the stack test
runs every panel query against a real Prometheus. Queries use only the metrics catalogued
in docs/operations.md and the recording rules of `infra/prometheus/rules/`.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

OUT_DIR = Path(__file__).resolve().parents[1] / "infra" / "grafana" / "dashboards"
DATASOURCE = {"type": "prometheus", "uid": "tracker-prometheus"}
SERVICES_RE = "ingest|digitizer|reuse"


@dataclass
class Target:
    """One query of a panel."""

    expr: str
    legend: str = ""
    instant: bool = False


@dataclass
class Panel:
    """A panel: its kind, title, queries, unit and size."""

    title: str
    targets: list[Target]
    kind: str = "timeseries"
    unit: str = "short"
    width: int = 12
    height: int = 8
    description: str = ""
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class Variable:
    """A templating variable: a label query or a fixed list."""

    name: str
    label: str
    query: str = ""
    values: tuple[str, ...] = ()


def _target(t: Target, ref: int) -> dict[str, Any]:
    return {
        "datasource": DATASOURCE,
        "expr": t.expr,
        "legendFormat": t.legend or "__auto",
        "instant": t.instant,
        "range": not t.instant,
        "refId": chr(ord("A") + ref),
    }


def _panels(rows: list[tuple[str, list[Panel]]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    y = 0
    pid = 1
    for row_title, panels in rows:
        out.append(
            {
                "type": "row",
                "title": row_title,
                "id": pid,
                "collapsed": False,
                "gridPos": {"h": 1, "w": 24, "x": 0, "y": y},
                "panels": [],
            }
        )
        pid += 1
        y += 1
        x = 0
        row_height = 0
        for p in panels:
            if x + p.width > 24:
                x, y = 0, y + row_height
                row_height = 0
            out.append(
                {
                    "type": p.kind,
                    "title": p.title,
                    "description": p.description,
                    "id": pid,
                    "datasource": DATASOURCE,
                    "gridPos": {"h": p.height, "w": p.width, "x": x, "y": y},
                    "fieldConfig": {"defaults": {"unit": p.unit}, "overrides": []},
                    "options": p.options,
                    "targets": [_target(t, i) for i, t in enumerate(p.targets)],
                }
            )
            pid += 1
            x += p.width
            row_height = max(row_height, p.height)
        y += row_height
    return out


def _variable(v: Variable) -> dict[str, Any]:
    if v.values:
        return {
            "type": "custom",
            "name": v.name,
            "label": v.label,
            "query": ",".join(v.values),
            "current": {"text": v.values[0], "value": v.values[0]},
            "options": [
                {"text": x, "value": x, "selected": i == 0} for i, x in enumerate(v.values)
            ],
            "hide": 0,
        }
    return {
        "type": "query",
        "name": v.name,
        "label": v.label,
        "datasource": DATASOURCE,
        "query": {"query": v.query, "refId": "PrometheusVariableQueryEditor-VariableQuery"},
        "definition": v.query,
        "refresh": 2,
        "sort": 1,
        "hide": 0,
        "includeAll": False,
        "multi": False,
    }


def dashboard(
    uid: str,
    title: str,
    description: str,
    rows: list[tuple[str, list[Panel]]],
    variables: list[Variable] | None = None,
    time_from: str = "now-6h",
) -> dict[str, Any]:
    """A complete dashboard JSON model (schemaVersion 39, Grafana 10 and later)."""
    return {
        "uid": uid,
        "title": title,
        "description": description,
        "tags": ["reuse-tracker"],
        "timezone": "browser",
        "editable": True,
        "graphTooltip": 1,
        "refresh": "30s",
        "schemaVersion": 39,
        "version": 1,
        "time": {"from": time_from, "to": "now"},
        "templating": {"list": [_variable(v) for v in variables or []]},
        "annotations": {"list": []},
        "panels": _panels(rows),
    }


def _rate(metric: str, by: str, matchers: str = "") -> str:
    return f"sum by ({by}) (rate({metric}{{{matchers}}}[$__rate_interval]))"


def _p95(metric: str) -> str:
    return f"histogram_quantile(0.95, sum by (le) (rate({metric}_bucket[$__rate_interval])))"


def operations() -> dict[str, Any]:
    """Throughput, lag, rejections, errors and latency of the pipeline."""
    flow = [
        Panel(
            "Services up",
            [Target(f'up{{job=~"{SERVICES_RE}"}}', "{{job}}")],
            kind="stat",
            width=6,
            description="1 when Prometheus can scrape the service.",
        ),
        Panel(
            "Events accepted / s by root",
            [Target(_rate("tracker_ingest_events_accepted_total", "root"), "{{root}}")],
            unit="ops",
            width=9,
        ),
        Panel(
            "Events refused / s by root and code",
            [
                Target(
                    _rate("tracker_ingest_events_rejected_total", "root, code"),
                    "{{root}} {{code}}",
                )
            ],
            unit="ops",
            width=9,
        ),
        Panel(
            "Share of events refused (15 min) by root",
            [Target("root:tracker_ingest_events_rejected:ratio15m", "{{root}}")],
            unit="percentunit",
            width=8,
            description="The alert TrackerRejectionsRising fires above 5%.",
        ),
        Panel(
            "Duplicates ignored / s by root",
            [Target(_rate("tracker_ingest_events_duplicate_total", "root"), "{{root}}")],
            unit="ops",
            width=8,
        ),
        Panel(
            "Seconds since each root's last event",
            [Target("time() - tracker_ingest_last_event_timestamp_seconds", "{{root}}")],
            unit="s",
            width=8,
            description="The alert TrackerSilentPublisher fires above 12 hours.",
        ),
    ]
    files = [
        Panel(
            "Files stored / s by root and kind",
            [
                Target(
                    _rate("tracker_digitizer_files_stored_total", "root, kind"),
                    "{{root}} {{kind}}",
                )
            ],
            unit="ops",
            width=8,
        ),
        Panel(
            "Pages stored / s by root",
            [Target(_rate("tracker_digitizer_pages_total", "root"), "{{root}}")],
            unit="ops",
            width=8,
        ),
        Panel(
            "Files refused / s by root and code",
            [
                Target(
                    _rate("tracker_digitizer_files_rejected_total", "root, code"),
                    "{{root}} {{code}}",
                )
            ],
            unit="ops",
            width=8,
        ),
    ]
    health = [
        Panel(
            "Consumer lag (records) by group and topic",
            [Target("sum by (group, topic) (tracker_consumer_lag_records)", "{{group}} {{topic}}")],
            width=12,
            description="End offset minus committed offset, clamped at 0 per partition.",
        ),
        Panel(
            "Dependency errors / s by service and dependency",
            [
                Target(
                    "sum by (job, dependency) (rate({__name__=~"
                    '"tracker_(ingest|digitizer|reuse)_dependency_errors_total"}'
                    "[$__rate_interval]))",
                    "{{job}} {{dependency}}",
                )
            ],
            unit="ops",
            width=12,
            description="Failed calls to the database, S3 or the broker (each retried).",
        ),
        Panel(
            "Latency p95",
            [
                Target(_p95("tracker_ingest_batch_seconds"), "ingest batch"),
                Target(_p95("tracker_digitizer_file_seconds"), "digitizer file"),
                Target(_p95("tracker_reuse_batch_seconds"), "reuse batch"),
                Target(_p95("tracker_reuse_gauges_refresh_seconds"), "score gauges refresh"),
            ],
            unit="s",
            width=12,
        ),
        Panel(
            "Messages handled / s by service and status (FastStream)",
            [
                Target(
                    _rate("faststream_received_processed_messages_total", "app_name, status"),
                    "{{app_name}} {{status}}",
                )
            ],
            unit="ops",
            width=12,
        ),
    ]
    return dashboard(
        "tracker-operations",
        "reuse-tracker · operations",
        "Throughput, lag, rejections, errors and latency of ingest, digitizer and reuse.",
        [("Events", flow), ("Files", files), ("Health", health)],
    )


def province() -> dict[str, Any]:
    """A province (root) and one of its units: the seven indicators, ranking, missed reuse."""
    unit = 'root="$root", unit="$unit", period="$period"'
    root = 'root="$root", period="$period"'
    variables = [
        Variable("root", "Province / ministry", "label_values(tracker_reuse_unit_score, root)"),
        Variable("unit", "Unit", 'label_values(tracker_reuse_unit_score{root="$root"}, unit)'),
        Variable("period", "Period", values=("month", "year")),
    ]
    scores = [
        Panel(
            "Total score (of 22)",
            [Target(f"tracker_reuse_unit_score{{{unit}}}", "{{unit}}")],
            width=8,
        ),
        Panel(
            "Score of each indicator",
            [Target(f"tracker_reuse_indicator_score{{{unit}}}", "{{indicator}}")],
            width=16,
        ),
        Panel(
            "Ratio of each indicator",
            [
                Target(
                    f"tracker_reuse_indicator_numerator{{{unit}}}"
                    f" / (tracker_reuse_indicator_denominator{{{unit}}} > 0)",
                    "{{indicator}}",
                )
            ],
            unit="percentunit",
            width=12,
        ),
        Panel(
            "Numerator and denominator now",
            [
                Target(f"tracker_reuse_indicator_numerator{{{unit}}}", "{{indicator}}", True),
                Target(f"tracker_reuse_indicator_denominator{{{unit}}}", "{{indicator}}", True),
            ],
            kind="table",
            width=12,
        ),
    ]
    ranking = [
        Panel(
            "Ranking of units by total score",
            [Target(f"sort_desc(tracker_reuse_unit_score{{{root}}})", "{{unit}}", True)],
            kind="bargauge",
            width=12,
            height=12,
            options={"orientation": "horizontal", "displayMode": "basic"},
        ),
        Panel(
            "Lowest REUSED_DIGITIZED_DATA scores",
            [
                Target(
                    "bottomk(15, tracker_reuse_indicator_score{"
                    f'{root}, indicator="REUSED_DIGITIZED_DATA"}})',
                    "{{unit}}",
                    True,
                )
            ],
            kind="bargauge",
            width=12,
            height=12,
            options={"orientation": "horizontal", "displayMode": "basic"},
        ),
    ]
    reuse = [
        Panel(
            "Missed reuse: components scanned again",
            [
                Target(f"tracker_reuse_missed_components{{{unit}}}", "components"),
                Target(f"tracker_reuse_missed_dossiers{{{unit}}}", "dossiers"),
            ],
            width=8,
        ),
        Panel(
            "Units with the most missed reuse",
            [Target(f"topk(10, tracker_reuse_missed_components{{{root}}})", "{{unit}}", True)],
            kind="bargauge",
            width=8,
            options={"orientation": "horizontal", "displayMode": "basic"},
        ),
        Panel(
            "Reuse claimed versus verified",
            [
                Target(f"tracker_reuse_components_claimed{{{unit}}}", "claimed"),
                Target(f"tracker_reuse_components_verified{{{unit}}}", "verified"),
            ],
            width=8,
        ),
    ]
    return dashboard(
        "tracker-province",
        "reuse-tracker · province",
        "The portal's seven digitization indicators of a unit (its whole subtree) for the "
        "current month or year, the ranking of the province's units, and missed reuse.",
        [("Scores of $unit", scores), ("Ranking in $root", ranking), ("Reuse", reuse)],
        variables,
        time_from="now-7d",
    )


DASHBOARDS = {"operations.json": operations, "province.json": province}


def render(model: dict[str, Any]) -> str:
    """Stable JSON text of a dashboard."""
    return json.dumps(model, indent=2, ensure_ascii=False) + "\n"


def write(out_dir: Path = OUT_DIR) -> list[Path]:
    """Write every dashboard into `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, build in DASHBOARDS.items():
        path = out_dir / name
        path.write_text(render(build()), encoding="utf-8")
        paths.append(path)
    return paths


def panel_queries(model: dict[str, Any]) -> list[tuple[str, str]]:
    """(panel title, expr) of every query of a dashboard."""
    return [
        (panel["title"], target["expr"])
        for panel in model["panels"]
        for target in panel.get("targets", [])
    ]


if __name__ == "__main__":
    for written in write(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT_DIR):
        print(written)
