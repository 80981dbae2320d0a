"""column maps: how each source's spreadsheets' columns map to fields, sealed

Revision ID: 0010_sheets_column_maps
Revises: 0009_lists_saved_searches
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_sheets_column_maps"
down_revision = "0009_lists_saved_searches"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if "column_maps" in sa.inspect(op.get_bind()).get_table_names():
        return
    op.create_table(
        "column_maps",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("saved_at", sa.String(length=32), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_column_maps")),
    )


def downgrade() -> None:
    op.drop_table("column_maps")
