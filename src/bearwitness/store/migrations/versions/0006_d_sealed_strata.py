"""estimate runs: strata sealed

A stratified estimate's stratum labels come from sealed fields (``place`` is
each person's event place), and were kept in the clear result column with
their counts. A run's strata and its salt are now sealed in a new ``sealed``
column, and ``salt`` may be empty. Runs kept before are sealed at the next
unlock (``services.estimates.seal_kept_strata``): this migration has no key.

Revision ID: 0006_d_sealed_strata
Revises: 0006_d_record_filter_keys
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_d_sealed_strata"
down_revision = "0006_d_record_filter_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("estimate_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sealed", sa.LargeBinary(), nullable=True))
        batch_op.alter_column("salt", existing_type=sa.LargeBinary(), nullable=True)


def downgrade() -> None:
    sealed = (
        op.get_bind()
        .execute(sa.text("SELECT count(*) FROM estimate_runs WHERE sealed IS NOT NULL"))
        .scalar()
    )
    if sealed:
        raise RuntimeError(
            f"{sealed} estimate run(s) have sealed strata, which the older "
            "schema cannot hold; downgrading would lose them"
        )
    with op.batch_alter_table("estimate_runs", schema=None) as batch_op:
        batch_op.alter_column("salt", existing_type=sa.LargeBinary(), nullable=False)
        batch_op.drop_column("sealed")
