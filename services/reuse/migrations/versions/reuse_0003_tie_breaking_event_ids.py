"""event ids that break ties between registrations, assignments and statuses

Of two facts about the same thing at the same instant the greater event_id wins, so the
projection no longer depends on which arrived first. Rows written before have no event id
(null): any later fact, or one at the same instant, replaces them.

Revision ID: reuse_0003
Revises: reuse_0002
Create Date: 2026-12-02 11:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "reuse_0003"
down_revision: str | None = "reuse_0002"
branch_labels: str | None = None
depends_on: str | None = None


ADDED = {
    "reuse_units": [sa.Column("registered_event_id", sa.String(length=36), nullable=True)],
    "reuse_assignments": [
        sa.Column("assigned_at", sa.String(length=40), nullable=True),
        sa.Column("assigned_event_id", sa.String(length=36), nullable=True),
    ],
    "reuse_statuses": [sa.Column("event_id", sa.String(length=36), nullable=True)],
}


def upgrade() -> None:
    """Apply this revision."""
    inspector = sa.inspect(op.get_bind())
    for table, columns in ADDED.items():
        # A database created from the tables of this code before it was stamped has them.
        present = {c["name"] for c in inspector.get_columns(table)}
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                if column.name not in present:
                    batch_op.add_column(column)


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table("reuse_statuses", schema=None) as batch_op:
        batch_op.drop_column("event_id")
    with op.batch_alter_table("reuse_assignments", schema=None) as batch_op:
        batch_op.drop_column("assigned_event_id")
        batch_op.drop_column("assigned_at")
    with op.batch_alter_table("reuse_units", schema=None) as batch_op:
        batch_op.drop_column("registered_event_id")
