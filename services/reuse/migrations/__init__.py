"""The reuse service's schema history (Alembic); see docs/runbook.md, "Upgrade"."""
