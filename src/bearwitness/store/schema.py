"""The database schema, derived from the record declarations in the domain.

One table per record type: the record's clear fields as columns (a partial
date adds ``<name>_earliest`` and ``<name>_latest`` ISO days so that period
queries compare intervals), the sealed fields as one ciphertext, and a keyed
Bloom filter over the sealed text for search that writes no plaintext.

``record_versions`` keeps every version of every record, sealed whole with its
salt, and its salted commitment: history is never erased. ``log_entries`` is
the transparency log's queue, written in the same transaction as the change.
"""

from __future__ import annotations

import dataclasses
import types
import typing

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

from bearwitness.domain.counts import QualifiedCount
from bearwitness.domain.dates import PartialDateRange
from bearwitness.domain.records import RECORD_TYPES, Record

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# Reference fields that point at another record type's table.
REFERENCES = {
    "source_id": "source",
    "document_id": "document",
    "event_id": "event",
    "victim_id": "person",
    "person_id": "person",
    "parent_id": "event",
}

# Clear columns worth an index for the queries the interfaces make.
INDEXED = {"act_type", "district", "list_name", "role", "kind", "date_latest", "date_earliest"}


def table_name(kind: str) -> str:
    return f"{kind}s"


def _columns(cls: type[Record]) -> list[Column[typing.Any]]:
    hints = typing.get_type_hints(cls)
    columns: list[Column[typing.Any]] = [Column("id", String(64), primary_key=True)]
    for f in dataclasses.fields(cls):
        if f.metadata.get("sealed") or f.name == "id":
            continue
        hint = hints[f.name]
        options = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
        kind = next(o for o in options if o is not type(None))
        index = f.name in INDEXED
        if f.name in REFERENCES:
            target = f"{table_name(REFERENCES[f.name])}.id"
            columns.append(Column(f.name, String(64), ForeignKey(target), nullable=True,
                                  index=True))
        elif kind is PartialDateRange:
            columns += [
                Column(f.name, String(40), nullable=True),
                Column(f"{f.name}_earliest", String(10), nullable=True, index=True),
                Column(f"{f.name}_latest", String(10), nullable=True, index=True),
            ]
        elif kind is QualifiedCount:
            columns.append(Column(f.name, String(40), nullable=True))
        elif kind is bool:
            columns.append(Column(f.name, Boolean, nullable=False, default=False))
        elif kind is int:
            columns.append(Column(f.name, Integer, nullable=False, default=0))
        elif typing.get_origin(kind) is tuple:
            columns.append(Column(f.name, Text, nullable=False, default="[]"))  # JSON list
        else:
            columns.append(Column(f.name, String(200), nullable=True, index=index))
    columns += [
        Column("version", Integer, nullable=False),
        Column("deleted", Boolean, nullable=False, default=False),
        Column("sealed", LargeBinary, nullable=False),
        Column("search_bloom", LargeBinary, nullable=True),
        Column("updated_at", String(32), nullable=False),
    ]
    return columns


RECORD_TABLES: dict[str, Table] = {
    kind: Table(table_name(kind), metadata, *_columns(cls)) for kind, cls in RECORD_TYPES.items()
}

record_versions = Table(
    "record_versions",
    metadata,
    Column("kind", String(32), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("payload", LargeBinary, nullable=False),  # the whole record and its salt, sealed
    Column("commitment", String(64), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("recorded_at", String(32), nullable=False),
    Column("operation", String(16), nullable=False),
)

log_entries = Table(
    "log_entries",
    metadata,
    Column("idx", Integer, primary_key=True, autoincrement=False),
    Column("entry", LargeBinary, nullable=False),
)

# Locked submissions already folded in: makes folding the inbox idempotent.
folded_submissions = Table(
    "folded_submissions",
    metadata,
    Column("submission_id", String(64), primary_key=True),
    Column("folded_at", String(32), nullable=False),
)

Index("ix_record_versions_commitment", record_versions.c.commitment)
