"""record linkage: runs, scored pairs, clusters and review decisions

Revision ID: 0002_linkage_decisions
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_linkage_decisions"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "link_runs",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.String(length=32), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("pairs", sa.Integer(), nullable=False),
        sa.Column("persons", sa.Integer(), nullable=False),
        sa.Column("decisions", sa.Integer(), nullable=False),
        sa.Column("commitment", sa.String(length=64), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_runs")),
    )
    op.create_table(
        "link_pairs",
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("left_id", sa.String(length=64), nullable=False),
        sa.Column("right_id", sa.String(length=64), nullable=False),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["link_runs.id"], name=op.f("fk_link_pairs_run_id")),
        sa.PrimaryKeyConstraint("run_id", "left_id", "right_id", name=op.f("pk_link_pairs")),
    )
    op.create_table(
        "link_clusters",
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("cluster_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("link_probability", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["link_runs.id"], name=op.f("fk_link_clusters_run_id")),
        sa.PrimaryKeyConstraint("run_id", "record_id", name=op.f("pk_link_clusters")),
    )
    with op.batch_alter_table("link_clusters", schema=None) as batch_op:
        batch_op.create_index("ix_link_clusters_person_id", ["person_id"], unique=False)

    op.create_table(
        "link_decisions",
        sa.Column("idx", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("left_id", sa.String(length=64), nullable=False),
        sa.Column("right_id", sa.String(length=64), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("analyst", sa.String(length=64), nullable=False),
        sa.Column("decided_at", sa.String(length=32), nullable=False),
        sa.Column("commitment", sa.String(length=64), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("idx", name=op.f("pk_link_decisions")),
    )
    with op.batch_alter_table("link_decisions", schema=None) as batch_op:
        batch_op.create_index("ix_link_decisions_pair", ["left_id", "right_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("link_decisions", schema=None) as batch_op:
        batch_op.drop_index("ix_link_decisions_pair")
    op.drop_table("link_decisions")
    with op.batch_alter_table("link_clusters", schema=None) as batch_op:
        batch_op.drop_index("ix_link_clusters_person_id")
    op.drop_table("link_clusters")
    op.drop_table("link_pairs")
    op.drop_table("link_runs")
