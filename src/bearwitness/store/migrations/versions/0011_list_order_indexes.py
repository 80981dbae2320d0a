"""list order indexes: lists read by id, or by date with ties by id, straight from an index

Each single-column index on a list's facet or date becomes one that also holds the id, and
a facet gets one with its date too, so that a filtered, sorted page stops after its rows
instead of sorting every row the filter keeps (100,000 documents of one kind, newest
first: 54 ms to 1 ms a page on SQLite).

Revision ID: 0011_list_order_indexes
Revises: 0010_sheets_column_maps
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_list_order_indexes"
down_revision = "0010_sheets_column_maps"
branch_labels = None
depends_on = None

# table: (facet columns, date columns) whose single-column indexes this replaces
TABLES = {
    "sources": (["kind"], []),
    "documents": (["kind"], ["received"]),
    "evidences": ([], ["captured"]),
    "events": (["district"], ["date"]),
    "acts": (["act_type"], ["date"]),
    "persons": (["role"], []),
    "person_records": (["list_name"], []),
    "interventions": (["kind"], ["date"]),
}


def _new(table: str, facets: list[str], dates: list[str]) -> list[tuple[str, list[str]]]:
    made = [(f"ix_{table}_{d}_earliest_id", [f"{d}_earliest", "id"]) for d in dates]
    for facet in facets:
        made.append((f"ix_{table}_{facet}_id", [facet, "id"]))
        made += [
            (f"ix_{table}_{facet}_{d}_earliest", [facet, f"{d}_earliest", "id"]) for d in dates
        ]
    return made


def _old(table: str, facets: list[str], dates: list[str]) -> list[tuple[str, list[str]]]:
    return [(f"ix_{table}_{c}", [c]) for c in facets + [f"{d}_earliest" for d in dates]]


def _swap(
    remove: list[tuple[str, list[str]]], add: list[tuple[str, list[str]]], table: str
) -> None:
    present = {index["name"] for index in sa.inspect(op.get_bind()).get_indexes(table)}
    for name, _ in remove:
        if name in present:
            op.drop_index(name, table_name=table)
    for name, columns in add:
        if name not in present:
            op.create_index(name, table, columns)


def upgrade() -> None:
    for table, (facets, dates) in TABLES.items():
        _swap(_old(table, facets, dates), _new(table, facets, dates), table)


def downgrade() -> None:
    for table, (facets, dates) in TABLES.items():
        _swap(_new(table, facets, dates), _old(table, facets, dates), table)
