"""Peak resident memory (VmHWM, with worker processes) of each service under the steady
1,000 events/s load of the latency suite."""

from __future__ import annotations

from typing import Any

from .harness import bench_stack
from .steady import steady_load

SECONDS = {False: 60.0, True: 15.0}
TARGETS = {"ingest_mb": "< 300", "reuse_mb": "< 300", "digitizer_mb": "< 300"}
UNITS = {"ingest_mb": "MB", "reuse_mb": "MB", "digitizer_mb": "MB"}


def run(*, quick: bool = False) -> dict[str, Any]:
    """One steady run; the peak of each service."""
    with bench_stack() as bench:
        result = steady_load(bench, SECONDS[quick])
    return {f"{name}_mb": mb for name, mb in sorted(result.rss_mb.items())}
