"""evidence hashes sealed; staff pseudonyms for the log

An evidence file's SHA-256 moves from a clear column into the record's sealed
fields: in the clear it would let whoever seizes the server test a suspect's
own files against it. Every record version keeps it, sealed, in
record_versions; the current row's clear copy is dropped. Staff accounts get a
random pseudonym, which the published log names instead of the username.

Revision ID: 0005_private_hashes
Revises: 0004_estimate_runs
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_private_hashes"
down_revision = "0004_estimate_runs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("evidences", schema=None) as batch_op:
        batch_op.drop_column("sha256")
    with op.batch_alter_table("web_users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pseudonym", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_web_users_pseudonym"), ["pseudonym"])


def downgrade() -> None:
    with op.batch_alter_table("web_users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_web_users_pseudonym"), type_="unique")
        batch_op.drop_column("pseudonym")
    with op.batch_alter_table("evidences", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sha256", sa.String(length=200), nullable=True))
