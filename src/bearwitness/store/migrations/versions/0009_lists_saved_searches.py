"""saved searches: each user's saved lists and searches, sealed

Revision ID: 0009_lists_saved_searches
Revises: 0008_consents
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_lists_saved_searches"
down_revision = "0008_consents"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A schema that has it already (a database stamped back to an older revision, as a test
    # does) is left as it is.
    if "saved_searches" in sa.inspect(op.get_bind()).get_table_names():
        return
    op.create_table(
        "saved_searches",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("saved_at", sa.String(length=32), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_searches")),
    )
    op.create_index(op.f("ix_saved_searches_owner"), "saved_searches", ["owner"])


def downgrade() -> None:
    op.drop_index(op.f("ix_saved_searches_owner"), table_name="saved_searches")
    op.drop_table("saved_searches")
