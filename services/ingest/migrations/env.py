"""Alembic environment of the ingest service: its own tables and version table only."""

from __future__ import annotations

from services.common.migrations import run_env
from services.ingest import tables

run_env("ingest", tables.metadata)
