"""Benchmarks of the tracker: `make bench` (see docs/performance.md)."""
