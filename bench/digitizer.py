"""Digitizer throughput on 200-dpi A4 colour JPEG scans, next to a naive Pillow pass.

Three ways over the same scans, in one process (so on one core), interleaved repetition by
repetition so that a busy machine slows all three alike:

- the digitizer's pipeline without the archival PDF (`process_file(..., build_archival_pdf=
  False)`: size and SHA-256 check, type from the bytes, header limits, `verify()`, a draft
  decode, EXIF orientation, perceptual hash, WebP thumbnail);
- the same with the archival PDF (what the service runs for every image);
- `naive_baseline`: SHA-256, a full decode, then every step on the full-size image.

Rates are pages per CPU second of this process (`time.process_time`), so they read as pages
per second per core and are not skewed by other processes waiting for the CPU; wall-clock
rates are given beside them. Each figure is the median of the repetitions.

The scans are the synthetic rescans of `reuse_tracker.simulator.samples` (text, tables,
a stamp and scanner noise; about half a megabyte each), a few dozen distinct ones repeated.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from reuse_tracker.simulator import samples
from services.digitizer.pipeline import Processed, process_file

from .digitizer_baseline import naive_baseline

#: What the issue asks of the fast path.
TARGET_PAGES_PER_SECOND = 100.0
TARGET_RATIO = 4.0
DPI = 200


def _scans(pages: int, distinct: int) -> list[bytes]:
    """`pages` scans cycling through `distinct` different rescans."""
    unique = [samples.a4_page(1000 + i, dpi=DPI, jitter=1 + i % 3) for i in range(distinct)]
    return [unique[i % distinct] for i in range(pages)]


def _fast(data: bytes) -> object:
    result = process_file(data, "image/jpeg", build_archival_pdf=False)
    if not isinstance(result, Processed):
        raise RuntimeError(f"a benchmark scan was refused: {result}")
    return result


def _with_pdf(data: bytes) -> object:
    result = process_file(data, "image/jpeg")
    if not isinstance(result, Processed) or result.archival_pdf is None:
        raise RuntimeError(f"a benchmark scan was refused: {result}")
    return result


def _rates(step: Callable[[bytes], object], scans: list[bytes]) -> tuple[float, float]:
    """(pages per CPU second, pages per wall second) for one pass over `scans`."""
    cpu, wall = time.process_time(), time.perf_counter()
    for data in scans:
        step(data)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return len(scans) / max(cpu, 1e-9), len(scans) / max(wall, 1e-9)


TARGETS = {"pages_per_second": ">= 100", "ratio": ">= 4"}
UNITS = {"pages_per_second": "pages/s", "pages_per_second_with_archival_pdf": "pages/s"}


def run(*, quick: bool = False) -> dict[str, Any]:
    """Measure the three passes; 200 pages times 5 repetitions (8 times 2 with quick)."""
    pages, repetitions, distinct = (8, 2, 4) if quick else (200, 5, 40)
    scans = _scans(pages, distinct)
    steps: dict[str, Callable[[bytes], object]] = {
        "fast": _fast,
        "with_pdf": _with_pdf,
        "baseline": naive_baseline,
    }
    for step in steps.values():  # warm-up: imports, codec tables, first allocations
        step(scans[0])
    cpu: dict[str, list[float]] = {name: [] for name in steps}
    wall: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(repetitions):
        for name, step in steps.items():
            on_cpu, on_wall = _rates(step, scans)
            cpu[name].append(on_cpu)
            wall[name].append(on_wall)
    med = {name: statistics.median(values) for name, values in cpu.items()}
    fast, with_pdf, baseline = med["fast"], med["with_pdf"], med["baseline"]
    return {
        "unit": "pages per second per core (CPU time of one process)",
        "pages": pages,
        "distinct_scans": distinct,
        "repetitions": repetitions,
        "cores": 1,
        "scan": {
            "dpi": DPI,
            "pixels": list(samples.a4_size(DPI)),
            "mean_bytes": round(statistics.fmean(len(s) for s in scans)),
        },
        "pages_per_second": round(fast, 1),
        "pages_per_second_with_archival_pdf": round(with_pdf, 1),
        "baseline_pages_per_second": round(baseline, 1),
        "ratio": round(fast / baseline, 2),
        "ratio_with_archival_pdf": round(with_pdf / baseline, 2),
        "wall_pages_per_second": {
            name: round(statistics.median(values), 1) for name, values in wall.items()
        },
        "target": {"pages_per_second": TARGET_PAGES_PER_SECOND, "ratio": TARGET_RATIO},
        "meets_target": fast >= TARGET_PAGES_PER_SECOND and fast / baseline >= TARGET_RATIO,
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
