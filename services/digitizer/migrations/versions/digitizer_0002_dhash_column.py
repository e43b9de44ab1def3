"""rename digitizer_documents.phash to dhash

The column holds a difference hash (dHash) of the first page, not a perceptual hash (pHash):
it is named for what it holds. Same type, same values.

Revision ID: digitizer_0002
Revises: digitizer_0001
Create Date: 2026-12-02 17:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "digitizer_0002"
down_revision: str | None = "digitizer_0001"
branch_labels: str | None = None
depends_on: str | None = None

TABLE = "digitizer_documents"


def _rename(old: str, new: str) -> None:
    present = {c["name"] for c in sa.inspect(op.get_bind()).get_columns(TABLE)}
    # A database created from the tables of this code before it was stamped has the new name.
    if old not in present:
        return
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.alter_column(
            old, new_column_name=new, existing_type=sa.String(length=16), existing_nullable=True
        )


def upgrade() -> None:
    """Apply this revision."""
    _rename("phash", "dhash")


def downgrade() -> None:
    """Undo this revision."""
    _rename("dhash", "phash")
