"""Paging through records for screens: clear columns only, by id, without OFFSET.

A list page needs the clear fields of fifty records. Reading them by
``id > last id seen`` (keyset paging) costs the same on the first page as on
the thousandth, and leaves the sealed columns and search filters unread.
"""

from __future__ import annotations

import json

from sqlalchemy import Text, select

from bearwitness.domain.records import RECORD_TYPES
from bearwitness.errors import InputError
from bearwitness.services.archive import Archive
from bearwitness.services.reading import RecordView
from bearwitness.store.schema import RECORD_TABLES


def page_after(
    archive: Archive, kind: str, *, after: str | None = None, limit: int = 50
) -> list[RecordView]:
    """Up to ``limit`` live records of ``kind`` with ids after ``after``, in id order."""
    if kind not in RECORD_TYPES:
        raise InputError(
            f"{kind!r} is not a record type", hint=f"Use one of: {', '.join(RECORD_TYPES)}."
        )
    table = RECORD_TABLES[kind]
    names = RECORD_TYPES[kind].clear_fields()
    statement = (
        select(*(table.c[name] for name in names), table.c.version)
        .where(table.c.deleted.is_(False))
        .order_by(table.c.id)
        .limit(limit)
    )
    if after:
        statement = statement.where(table.c.id > after[:64])
    with archive.engine.connect() as connection:
        rows = connection.execute(statement).all()
    views = []
    for row in rows:
        mapping = row._mapping
        fields = {
            name: json.loads(mapping[name])
            if isinstance(table.c[name].type, Text)
            else mapping[name]
            for name in names
        }
        views.append(
            RecordView(kind, str(fields["id"]), int(mapping["version"]), False, fields, False)
        )
    return views
