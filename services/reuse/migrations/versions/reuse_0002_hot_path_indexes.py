"""hot path indexes: results by code, assignments by procedure, dossiers by procedure and unit

Revision ID: reuse_0002
Revises: reuse_0001
Create Date: 2026-12-02 11:45:00.000000
"""

from __future__ import annotations

from alembic import op

revision: str = "reuse_0002"
down_revision: str | None = "reuse_0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("reuse_results", schema=None) as batch_op:
        batch_op.create_index(
            "ix_reuse_results_code", ["root", "result_code", "dossier_code"], unique=False
        )
    with op.batch_alter_table("reuse_assignments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_reuse_assignments_procedure", ["root", "procedure_code"], unique=False
        )
    with op.batch_alter_table("reuse_dossiers", schema=None) as batch_op:
        batch_op.drop_index("ix_reuse_dossiers_procedure")
        batch_op.create_index(
            "ix_reuse_dossiers_procedure",
            ["root", "procedure_code", "agency_code"],
            unique=False,
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("reuse_dossiers", schema=None) as batch_op:
        batch_op.drop_index("ix_reuse_dossiers_procedure")
        batch_op.create_index(
            "ix_reuse_dossiers_procedure", ["root", "procedure_code"], unique=False
        )
    with op.batch_alter_table("reuse_assignments", schema=None) as batch_op:
        batch_op.drop_index("ix_reuse_assignments_procedure")
    with op.batch_alter_table("reuse_results", schema=None) as batch_op:
        batch_op.drop_index("ix_reuse_results_code")
