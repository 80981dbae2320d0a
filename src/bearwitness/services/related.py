"""A record's links in both directions, for its page: what it names and what names it.

Clear references (an act's event and victim, a document's events) are read from
the clear columns, forward and backward, and work while the archive is locked. A
person record's Person is sealed (which list entries are one human being must not
be readable from a locked archive), so a Person's list entries are found only while
unlocked, by opening the person records in memory.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Text, select

from bearwitness.domain.records import RECORD_TYPES, PersonRecord
from bearwitness.errors import InputError, NotFound
from bearwitness.services import reading
from bearwitness.services._sealing import open_record
from bearwitness.services.archive import Archive
from bearwitness.services.reading import RecordView
from bearwitness.store import rows as store
from bearwitness.store.schema import RECORD_TABLES

SHOWN = 200  # linked records listed per group, at most


@dataclass(frozen=True)
class Group:
    """Records of one kind linked to a record through one field."""

    kind: str  # of the linked records
    field: str  # the field that links them
    backward: bool  # True: the linked records name this one; False: this one names them
    views: list[RecordView]


@dataclass(frozen=True)
class Entry:
    """A list's entry about a Person: its record, its list and, if revealed, its name."""

    id: str
    list_name: str
    name: str = ""


@dataclass(frozen=True)
class Links:
    groups: list[Group] = field(default_factory=list)
    entries: list[Entry] | None = None  # a Person's list entries; None while locked
    lists: list[str] = field(default_factory=list)  # the lists those entries are on


def _referring() -> list[tuple[str, str, str, bool]]:
    """(kind, field, target kind, many) of every clear reference field."""
    found = []
    for kind, cls in RECORD_TYPES.items():
        for item in cls.__dataclass_fields__.values():
            meta = item.metadata
            if meta.get("refers") and not meta.get("sealed"):
                many = "tuple" in str(item.type)
                found.append((kind, item.name, str(meta["refers"]), many))
    return found


def _views(kind: str, rows: Sequence[Any]) -> list[RecordView]:
    table = RECORD_TABLES[kind]
    names = RECORD_TYPES[kind].clear_fields()
    views = []
    for row in rows:
        mapping = row._mapping
        fields = {
            name: json.loads(mapping[name])
            if isinstance(table.c[name].type, Text) and mapping[name] is not None
            else mapping[name]
            for name in names
        }
        views.append(
            RecordView(kind, str(fields["id"]), int(mapping["version"]), False, fields, False)
        )
    return views


def naming(archive: Archive, record_id: str) -> list[Group]:
    """The records whose clear references name ``record_id``, by kind and field."""
    target = reading.kind_of(record_id)
    groups = []
    with archive.engine.connect() as connection:
        for kind, name, refers, many in _referring():
            if refers != target:
                continue
            table = RECORD_TABLES[kind]
            column = table.c[name]
            condition: ColumnElement[bool]
            if many:
                escaped = record_id.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                condition = column.like(f'%"{escaped}"%', escape="\\")
            else:
                condition = column == record_id
            statement = (
                select(*(table.c[n] for n in RECORD_TYPES[kind].clear_fields()), table.c.version)
                .where(condition & table.c.deleted.is_(False))
                .order_by(table.c.id)
                .limit(SHOWN)
            )
            rows = list(connection.execute(statement).all())
            if rows:
                groups.append(Group(kind, name, True, _views(kind, rows)))
    return groups


def named(archive: Archive, view: RecordView) -> list[Group]:
    """The records ``view``'s clear references name, by field (those that exist)."""
    groups = []
    for kind, name, refers, _ in _referring():
        if kind != view.kind:
            continue
        value = view.fields.get(name)
        ids = [value] if isinstance(value, str) else list(value or ())
        found = []
        for linked in ids[:SHOWN]:
            try:
                found.append(reading.get(archive, str(linked)))
            except (InputError, NotFound):  # a dangling or malformed id: left out
                continue
        if found:
            groups.append(Group(refers, name, False, found))
    return groups


def person_entries(
    archive: Archive, person_id: str, *, names: bool = False
) -> tuple[list[Entry], list[str]]:
    """The person records linkage resolved to ``person_id``, and the lists they are on.

    Needs an unlock (a person record's Person is sealed): each person record is opened
    in memory. ``names``: give each entry its name as its list wrote it.
    """
    archive.require_secrets()
    entries = []
    with archive.engine.connect() as connection:
        for stored in store.query_records(connection, "person_record"):
            record = open_record(archive.sealer, stored, stored.clear["id"])
            if isinstance(record, PersonRecord) and record.person_id == person_id:
                name = ""
                if names:
                    name = record.full_name or " ".join(
                        part
                        for part in (record.surname, record.given_name, record.patronymic)
                        if part
                    )
                entries.append(Entry(record.id, record.list_name, name))
    return entries, sorted({entry.list_name for entry in entries if entry.list_name})


def links(archive: Archive, view: RecordView, *, names: bool = False) -> Links:
    """Everything linked to the record of ``view``, both ways; a Person's list entries
    too while unlocked (their names with ``names``)."""
    groups = named(archive, view) + naming(archive, view.id)
    if view.kind != "person" or archive.locked:
        return Links(groups)
    entries, lists = person_entries(archive, view.id, names=names)
    return Links(groups, entries, lists)
