"""The province simulator: a seeded, realistic stream of contract-v1 events and its ground truth.

``generate`` builds a :class:`~reuse_tracker.simulator.generate.Scenario` (events, files and the
facts behind them), ``truth`` computes the exact indicators from those facts, ``publish`` sends
the scenario to Kafka and the S3 inbox and writes ``truth.json`` / ``summary.json``.
"""

from __future__ import annotations

from .generate import Outgoing, Scenario, generate
from .publish import PublishStats, publish, write_outputs
from .rates import Rates, parse_rates
from .truth import compute_truth

__all__ = [
    "Outgoing",
    "PublishStats",
    "Rates",
    "Scenario",
    "compute_truth",
    "generate",
    "parse_rates",
    "publish",
    "write_outputs",
]
