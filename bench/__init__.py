"""Benchmarks of the tracker: `make bench` (see README, Performance)."""
