"""Alembic environment of the reuse service: its own tables and version table only."""

from __future__ import annotations

from services.common.migrations import run_env
from services.reuse import tables, tokens  # noqa: F401 - tokens puts reuse_tokens on the metadata

run_env("reuse", tables.metadata)
