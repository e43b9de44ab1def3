"""Alembic environment of the digitizer service: its own tables and version table only."""

from __future__ import annotations

from services.common.migrations import run_env
from services.digitizer import tables

run_env("digitizer", tables.metadata)
