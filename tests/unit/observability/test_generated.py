"""Committed files generated from code (dashboards, AsyncAPI documents) match the code, and
every metric they or the rules use is in the catalogue of docs/operations.md."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from reuse_tracker.asyncapi import OUT_DIR as ASYNCAPI_DIR
from reuse_tracker.asyncapi import SERVICES
from reuse_tracker.dashboards import DASHBOARDS, OUT_DIR, panel_queries, render
from reuse_tracker.stack.prometheus import PROMETHEUS_DIR

REPO = Path(__file__).resolve().parents[3]
STALE = "is stale: run `make generate` and commit the result"


@pytest.mark.parametrize("name", sorted(DASHBOARDS))
def test_committed_dashboard_matches_the_code(name: str) -> None:
    assert (OUT_DIR / name).read_text(encoding="utf-8") == render(DASHBOARDS[name]()), (
        f"infra/grafana/dashboards/{name} {STALE}"
    )


@pytest.mark.slow
def test_committed_asyncapi_documents_match_the_apps() -> None:
    # In a child process: building the apps sets up logging and reads settings.
    code = (
        "import json; from reuse_tracker.asyncapi import SERVICES, document; "
        "print(json.dumps({s: document(s) for s in SERVICES}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    generated = json.loads(done.stdout)
    for service in SERVICES:
        committed = json.loads((ASYNCAPI_DIR / f"{service}.json").read_text())
        assert committed == generated[service], f"schemas/asyncapi/{service}.json {STALE}"
    ingest = generated["ingest"]
    assert {"facts", "files", "rejected"} <= set(ingest["channels"])
    assert ingest["operations"]["ingest"]["action"] == "receive"


def _used_metrics() -> set[str]:
    text = "\n".join(
        expr for build in DASHBOARDS.values() for _title, expr in panel_queries(build())
    )
    text += "\n".join(p.read_text() for p in (PROMETHEUS_DIR / "rules").glob("*.yml"))
    names = set(re.findall(r"(?<![:\w])(?:tracker|faststream)_[a-z0-9_]+(?![:\w])", text))
    return {re.sub(r"_(bucket|sum|count)$", "", n) for n in names}


def test_every_metric_used_is_catalogued() -> None:
    page = (REPO / "docs" / "operations.md").read_text()
    missing = sorted(n for n in _used_metrics() if f"`{n}`" not in page and not n.endswith("_"))
    assert not missing, f"metrics used by dashboards or rules but not catalogued: {missing}"
