"""consents: what a person or source agreed their information may be used for

A new record type (``domain.records.Consent``): clear scope and method codes, and
everything else sealed, the person or source it is about included.

Revision ID: 0008_consents
Revises: 0007_s_sealed_links
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_consents"
down_revision = "0007_s_sealed_links"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A schema that has it already (a database stamped back to an older revision, as a test
    # does) is left as it is.
    if "consents" in sa.inspect(op.get_bind()).get_table_names():
        return
    op.create_table(
        "consents",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("fictional", sa.Boolean(), nullable=False),
        sa.Column("scopes", sa.Text(), nullable=False),
        sa.Column("method", sa.String(length=200), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("search_bloom", sa.LargeBinary(), nullable=True),
        sa.Column("updated_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
    )


def downgrade() -> None:
    op.drop_table("consents")
