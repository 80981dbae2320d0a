"""Reading and writing record rows: clear columns in, records out.

The store never sees plaintext of sealed fields: callers hand it the sealed
ciphertext and the keyed search filter; it hands them back unopened.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, Text, and_, bindparam, func, insert, select, update

from bearwitness.domain.records import RECORD_TYPES, Record
from bearwitness.store.schema import RECORD_TABLES, record_versions


@dataclass(frozen=True)
class StoredRecord:
    """A record's row as stored: clear values, ciphertext, version."""

    kind: str
    clear: dict[str, Any]  # clear fields in their JSON form (as Record.to_dict gives)
    sealed: bytes
    version: int
    deleted: bool
    updated_at: str


@dataclass(frozen=True)
class StoredVersion:
    kind: str
    id: str
    version: int
    payload: bytes
    commitment: str
    actor: str
    recorded_at: str
    operation: str


def clear_columns(record: Record, data: dict[str, Any] | None = None) -> dict[str, Any]:
    """The clear fields of ``record`` as column values (tuples as JSON lists); ``data``:
    its :meth:`Record.to_dict`, when the caller has it already."""
    data = record.to_dict() if data is None else data
    columns: dict[str, Any] = {}
    for name, period in _column_plan(record.KIND):
        value = data[name]
        columns[name] = json.dumps(value) if isinstance(value, list) else value
        if period:
            found = getattr(record, name)
            columns[f"{name}_earliest"] = found.earliest.isoformat() if found else None
            columns[f"{name}_latest"] = found.latest.isoformat() if found else None
    return columns


@functools.cache
def _column_plan(kind: str) -> tuple[tuple[str, bool], ...]:
    """Each clear field that has a column, in field order, and whether it is a period
    (stored with ``_earliest`` and ``_latest`` columns beside it)."""
    table = RECORD_TABLES[kind]
    record = RECORD_TYPES[kind]
    sealed = set(record.sealed_fields())
    return tuple(
        (name, f"{name}_earliest" in table.c)
        for name in (f.name for f in dataclasses.fields(record))
        if name in table.c and name not in sealed
    )


@functools.cache
def _clear_columns(kind: str) -> tuple[tuple[str, bool], ...]:
    """Each clear field's column, and whether it holds JSON (a list)."""
    table = RECORD_TABLES[kind]
    return tuple(
        (name, isinstance(table.c[name].type, Text)) for name in RECORD_TYPES[kind].clear_fields()
    )


def clear_values(kind: str, row: Row[Any]) -> dict[str, Any]:
    """A row's clear fields as a record holds them (JSON lists read); the row must select
    at least those columns."""
    mapping = row._mapping  # made anew at each access
    return {
        name: json.loads(mapping[name]) if is_json else mapping[name]
        for name, is_json in _clear_columns(kind)
    }


def _stored(kind: str, row: Row[Any]) -> StoredRecord:
    mapping = row._mapping
    return StoredRecord(
        kind,
        clear_values(kind, row),
        mapping["sealed"],
        mapping["version"],
        mapping["deleted"],
        mapping["updated_at"],
    )


def insert_records(connection: Connection, kind: str, rows: Sequence[dict[str, Any]]) -> None:
    """Insert new current rows (clear columns plus sealed, version, search_bloom, updated_at)."""
    if rows:
        connection.execute(insert(RECORD_TABLES[kind]), list(rows))


def replace_record(connection: Connection, kind: str, row: dict[str, Any]) -> None:
    table = RECORD_TABLES[kind]
    connection.execute(update(table).where(table.c.id == row["id"]).values(**row))


def insert_versions(connection: Connection, versions: Iterable[StoredVersion]) -> None:
    rows = [vars(version) for version in versions]
    if rows:
        connection.execute(insert(record_versions), rows)


def fetch_record(connection: Connection, kind: str, record_id: str) -> StoredRecord | None:
    table = RECORD_TABLES[kind]
    row = connection.execute(select(table).where(table.c.id == record_id)).first()
    return _stored(kind, row) if row is not None else None


def sealed_of(
    connection: Connection, kind: str, ids: Sequence[str]
) -> list[tuple[str, int, bytes]]:
    """(id, version, sealed fields) of the live rows of ``kind`` with these ids: what
    opening their titles needs, and nothing else of the row."""
    table = RECORD_TABLES[kind]
    statement = select(table.c.id, table.c.version, table.c.sealed).where(
        table.c.id.in_(list(ids)), table.c.deleted.is_(False)
    )
    return [(str(r.id), int(r.version), bytes(r.sealed)) for r in connection.execute(statement)]


def existing_ids(connection: Connection, kind: str, ids: Iterable[str]) -> set[str]:
    table = RECORD_TABLES[kind]
    found: set[str] = set()
    wanted = list(ids)
    for start in range(0, len(wanted), 500):  # stay under bound-parameter limits
        chunk = wanted[start : start + 500]
        found.update(connection.scalars(select(table.c.id).where(table.c.id.in_(chunk))))
    return found


def next_number(connection: Connection, kind: str) -> int:
    """One more than the highest number in this kind's ids (``P-0042`` -> 43)."""
    table = RECORD_TABLES[kind]
    numbers = connection.scalars(select(table.c.id)).all()
    best = 0
    for value in numbers:
        tail = value.rsplit("-", 1)[-1]
        if tail.isdigit():
            best = max(best, int(tail))
    return best + 1


def query_records(
    connection: Connection,
    kind: str,
    *,
    equals: dict[str, Any] | None = None,
    since: str | None = None,
    until: str | None = None,
    ids: Sequence[str] | None = None,
    include_deleted: bool = False,
    limit: int | None = None,
    offset: int = 0,
) -> Iterator[StoredRecord]:
    """Rows of ``kind`` matching clear-column filters; dates compared as intervals."""
    table = RECORD_TABLES[kind]
    conditions = [table.c[name] == value for name, value in (equals or {}).items()]
    if not include_deleted:
        conditions.append(table.c.deleted.is_(False))
    if since is not None and "date_latest" in table.c:
        conditions.append(table.c.date_latest >= since)
    if until is not None and "date_earliest" in table.c:
        conditions.append(table.c.date_earliest <= until)
    if ids is not None:
        conditions.append(table.c.id.in_(list(ids)))
    statement = select(table).where(and_(True, *conditions)).order_by(table.c.id)
    if limit is not None:
        statement = statement.limit(limit).offset(offset)
    for row in connection.execute(statement):
        yield _stored(kind, row)


def count_records(connection: Connection, kind: str) -> int:
    table = RECORD_TABLES[kind]
    return int(
        connection.scalar(select(func.count()).select_from(table).where(table.c.deleted.is_(False)))
        or 0
    )


def search_filters(connection: Connection, kind: str) -> list[tuple[str, bytes | None]]:
    """Each live record's id and search filter (None: it has none yet)."""
    table = RECORD_TABLES[kind]
    statement = select(table.c.id, table.c.search_bloom).where(table.c.deleted.is_(False))
    return [
        (row.id, None if row.search_bloom is None else bytes(row.search_bloom))
        for row in connection.execute(statement)
    ]


def set_search_filters(
    connection: Connection, kind: str, filters: Sequence[tuple[str, int, bytes]]
) -> dict[str, bytes]:
    """Give records that have no filter one, each only if still at the version it was made
    from (id, version, filter); returns the filters these records now have."""
    table = RECORD_TABLES[kind]
    if filters:
        connection.execute(
            update(table)
            .where(
                table.c.id == bindparam("b_id"),
                table.c.version == bindparam("b_version"),
                table.c.search_bloom.is_(None),
            )
            .values(search_bloom=bindparam("b_bloom")),
            [{"b_id": i, "b_version": v, "b_bloom": b} for i, v, b in filters],
        )
    ids = [record_id for record_id, _, _ in filters]
    found = connection.execute(
        select(table.c.id, table.c.search_bloom).where(
            table.c.id.in_(ids), table.c.search_bloom.is_not(None)
        )
    )
    return {row.id: bytes(row.search_bloom) for row in found}


def fetch_versions(
    connection: Connection, kind: str | None = None, record_id: str | None = None
) -> Iterator[StoredVersion]:
    """Every stored version, by kind, id and version; or those of one kind or record."""
    statement = select(record_versions).order_by(
        record_versions.c.kind, record_versions.c.id, record_versions.c.version
    )
    if kind is not None:
        statement = statement.where(record_versions.c.kind == kind)
    if record_id is not None:
        statement = statement.where(record_versions.c.id == record_id)
    for row in connection.execute(statement):
        yield StoredVersion(**row._mapping)


def fetch_version(
    connection: Connection, kind: str, record_id: str, version: int
) -> StoredVersion | None:
    """One stored version of one record, or None."""
    row = connection.execute(
        select(record_versions).where(
            record_versions.c.kind == kind,
            record_versions.c.id == record_id,
            record_versions.c.version == version,
        )
    ).first()
    return StoredVersion(**row._mapping) if row is not None else None


def replace_search_filters(
    connection: Connection, kind: str, filters: Sequence[tuple[str, int, bytes]]
) -> int:
    """Give records a new search filter (id, version, filter), each only if still at the
    version it was made from; returns how many were given one."""
    table = RECORD_TABLES[kind]
    if not filters:
        return 0
    result = connection.execute(
        update(table)
        .where(table.c.id == bindparam("b_id"), table.c.version == bindparam("b_version"))
        .values(search_bloom=bindparam("b_bloom")),
        [{"b_id": i, "b_version": v, "b_bloom": b} for i, v, b in filters],
    )
    return int(result.rowcount or 0)


def stale_search_filters(
    connection: Connection, kind: str, fresh: Callable[[bytes], bool], *, after: str, limit: int
) -> tuple[list[StoredRecord], str | None]:
    """Of the next ``limit`` live records of ``kind`` after id ``after`` (in id order), those
    whose filter is missing or not ``fresh``; and the last id read (None: no more)."""
    table = RECORD_TABLES[kind]
    rows = connection.execute(
        select(table)
        .where(table.c.deleted.is_(False), table.c.id > after)
        .order_by(table.c.id)
        .limit(limit)
    ).all()
    stale = [
        _stored(kind, row)
        for row in rows
        if row.search_bloom is None or not fresh(bytes(row.search_bloom))
    ]
    return stale, (str(rows[-1].id) if rows else None)
