"""search filters under per-record keys: the old, linkable filters removed

Until now every record's search filter used one key for the whole archive, so
the same word set the same bits in every record: whoever seized a locked
archive could compare two records' filters and tell that they share names
(person records of one person on two lists matched every time). Filters are
now keyed per record. The old ones cannot be converted without the keys, so
this migration removes them all (SQLite overwrites what it frees: secure
delete); the first search after an unlock gives every record a new filter
(``services.reading.load_filters``).

Downgrade leaves the filters empty: code from before this revision does not
find records without a filter until they are written again.

Revision ID: 0006_d_record_filter_keys
Revises: 0005_private_hashes
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_d_record_filter_keys"
down_revision = "0005_private_hashes"
branch_labels = None
depends_on = None

# Every record table as of revision 0005 (each has a search_bloom column).
TABLES = (
    "sources",
    "persons",
    "events",
    "documents",
    "evidences",
    "acts",
    "person_records",
    "claims",
    "interventions",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("PRAGMA secure_delete = ON")  # freed bytes are zeroed, not left behind
    for table in TABLES:
        op.execute(sa.table(table, sa.column("search_bloom")).update().values(search_bloom=None))


def downgrade() -> None:
    pass  # nothing to restore: the old filters could only be rebuilt with the keys
