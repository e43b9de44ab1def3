"""Every benchmark suite, by name, in the order `make bench` runs them.

A suite is a module with `run(*, quick: bool = False) -> dict[str, Any]` (numbers, possibly
nested one level as "a.b" keys) and optionally `TARGETS` and `UNITS`. Modules are imported
only when their suite runs; a missing module is an error, never a skipped suite.
"""

from __future__ import annotations

import importlib
from types import ModuleType

SUITES: dict[str, str] = {
    "ingest": "bench.ingest",
    "pipeline": "bench.pipeline",
    "latency": "bench.latency",
    "memory": "bench.memory",
    "digitizer": "bench.digitizer",
    "queries": "bench.queries",
    "province": "bench.province",
}


def load(name: str) -> ModuleType:
    """The suite's module (ImportError if it is registered but missing)."""
    if name not in SUITES:
        raise KeyError(f"unknown suite {name!r}; known: {', '.join(SUITES)}")
    module = importlib.import_module(SUITES[name])
    if not callable(getattr(module, "run", None)):
        raise TypeError(f"{SUITES[name]} has no run(*, quick=False) function")
    return module
