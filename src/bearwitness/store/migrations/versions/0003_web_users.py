"""web users, audit trail and replies to anonymous sources

Revision ID: 0003_web_users
Revises: 0002_linkage_decisions
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_web_users"
down_revision = "0002_linkage_decisions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_users",
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("totp_secret", sa.String(length=64), nullable=False),
        sa.Column("roles", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_web_users")),
    )
    op.create_table(
        "web_audit",
        sa.Column("idx", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("target", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("idx", name=op.f("pk_web_audit")),
    )
    op.create_table(
        "intake_replies",
        sa.Column("idx", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("box", sa.String(length=64), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("idx", name=op.f("pk_intake_replies")),
    )
    with op.batch_alter_table("intake_replies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_intake_replies_box"), ["box"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("intake_replies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intake_replies_box"))
    op.drop_table("intake_replies")
    op.drop_table("web_audit")
    op.drop_table("web_users")
