"""estimate runs: reproducible results, committed to the log

Revision ID: 0004_estimate_runs
Revises: 0003_web_users
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_estimate_runs"
down_revision = "0003_web_users"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "estimate_runs",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.String(length=32), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.Column("link_run_id", sa.String(length=64), nullable=True),
        sa.Column("inputs_sha256", sa.String(length=64), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("salt", sa.LargeBinary(), nullable=False),
        sa.Column("commitment", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_estimate_runs")),
    )


def downgrade() -> None:
    op.drop_table("estimate_runs")
