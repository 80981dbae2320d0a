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
    Float,
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
INDEXED = {"act_type", "district", "list_name", "role", "kind"}


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
        if f.name in REFERENCES:
            target = f"{table_name(REFERENCES[f.name])}.id"
            columns.append(
                Column(f.name, String(64), ForeignKey(target), nullable=True, index=True)
            )
        elif kind is PartialDateRange:
            columns += [
                Column(f.name, String(40), nullable=True),
                Column(f"{f.name}_earliest", String(10), nullable=True),  # see _list_indexes
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
            columns.append(Column(f.name, String(200), nullable=True))
    columns += [
        Column("version", Integer, nullable=False),
        Column("deleted", Boolean, nullable=False, default=False),
        Column("sealed", LargeBinary, nullable=False),
        Column("search_bloom", LargeBinary, nullable=True),
        Column("updated_at", String(32), nullable=False),
    ]
    return columns


def _list_indexes(table: Table) -> None:
    """Indexes that read a list's rows in its order: by id, or by date with ties by id, of
    all records or of one value of an indexed column. A page then stops after its rows
    rather than sorting every row the filter keeps (services/listing.py)."""
    name = table.name
    dates = [column for column in table.c if column.name.endswith("_earliest")]
    for date in dates:
        Index(f"ix_{name}_{date.name}_id", date, table.c.id)
    for column in (column for column in table.c if column.name in INDEXED):
        Index(f"ix_{name}_{column.name}_id", column, table.c.id)
        for date in dates:
            Index(f"ix_{name}_{column.name}_{date.name}", column, date, table.c.id)


RECORD_TABLES: dict[str, Table] = {
    kind: Table(table_name(kind), metadata, *_columns(cls)) for kind, cls in RECORD_TYPES.items()
}
for _table in RECORD_TABLES.values():
    _list_indexes(_table)

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

# --- Record linkage (migrations 0002_linkage_decisions, 0007_s_sealed_links) --------------
# A linkage run keeps every scored pair with its probability (the estimates carry the linkage
# uncertainty only through them) and the cluster each person record fell in. Which records
# are one person is exactly what a locked archive must not tell, so a run's pairs and
# clusters are sealed, with its salt and model, in ``link_runs.sealed``; only its counts are
# clear. Review decisions are an append-only log: an undo is a new row, never an edit. The
# two record ids of a decision are sealed (``pair``), as is its reason with the salt
# (``sealed``); what was decided, by whom and when stay clear.

link_runs = Table(
    "link_runs",
    metadata,
    Column("id", String(64), primary_key=True),  # LR-0001
    Column("actor", String(64), nullable=False),
    Column("started_at", String(32), nullable=False),
    Column("threshold", Float, nullable=False),
    Column("seed", Integer, nullable=False),
    Column("records", Integer, nullable=False),
    Column("pairs", Integer, nullable=False),
    Column("persons", Integer, nullable=False),
    Column("decisions", Integer, nullable=False),  # decisions in force that the run used
    Column("commitment", String(64), nullable=False),
    Column("sealed", LargeBinary, nullable=False),  # salt, model, pairs and clusters, sealed
    # How many persons were on which lists (capture-history counts over all the run's lists,
    # canonical JSON): an aggregate, as an estimate's kept result is, so that estimating
    # works locked. None for a run kept before migration 0007.
    Column("histories", Text, nullable=True),
)

link_decisions = Table(
    "link_decisions",
    metadata,
    Column("idx", Integer, primary_key=True, autoincrement=False),
    Column("pair", LargeBinary, nullable=False),  # the two person record ids, sealed
    Column("decision", String(16), nullable=False),  # accept, reject, undo
    Column("origin", String(16), nullable=False),  # pair, split, merge
    Column("analyst", String(64), nullable=False),
    Column("decided_at", String(32), nullable=False),
    Column("commitment", String(64), nullable=False),
    Column("sealed", LargeBinary, nullable=False),  # reason and salt, sealed
)

# Person records whose clear ``person_id`` column migration 0007 removed. Their logged row
# hash still covers it, so a locked verify cannot recompute it; an unlocked verify checks
# them against their logged version, and the next ``link`` writes each of them anew.
# Every person record of the archive at that time is listed, linked or not.
legacy_person_rows = Table(
    "legacy_person_rows",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("version", Integer, nullable=False),
)

# --- The web workbench and intake (migration 0003_web_users) ---------------------------------
# Staff accounts: an argon2id hash and a TOTP secret (needed before any unlock, so not sealed),
# roles as a comma-separated list. The audit trail names who revealed or unlocked what: ids only.
# Replies to anonymous sources are sealed to a key only the source's receipt code yields; the
# box is a hash of that key's public half, so a seized server links no reply to a submission.

web_users = Table(
    "web_users",
    metadata,
    Column("username", String(64), primary_key=True),
    # What the transparency log and the audit trail name the user by: random, never the
    # username, since the log is published (migration 0005).
    Column("pseudonym", String(64), nullable=True, unique=True),
    Column("password_hash", String(200), nullable=False),
    Column("totp_secret", String(64), nullable=False),
    Column("roles", String(200), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
)

web_audit = Table(
    "web_audit",
    metadata,
    Column("idx", Integer, primary_key=True, autoincrement=True),
    Column("at", String(32), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(32), nullable=False),
    Column("target", String(64), nullable=False, default=""),
)

intake_replies = Table(
    "intake_replies",
    metadata,
    Column("idx", Integer, primary_key=True, autoincrement=True),
    Column("box", String(64), nullable=False, index=True),
    Column("sealed", LargeBinary, nullable=False),
    Column("created_at", String(32), nullable=False),
)

# --- Estimate runs (migrations 0004_estimate_runs, 0006_d_sealed_strata) ---------------------
# A reproducible run of an estimator: its result document (aggregate counts only, no names) as
# JSON, and the salted commitment that goes into the log. A stratified run's strata (labels
# from sealed fields) and its salt are sealed; the clear column keeps the rest of the result.

estimate_runs = Table(
    "estimate_runs",
    metadata,
    Column("id", String(64), primary_key=True),  # ES-0001
    Column("actor", String(64), nullable=False),
    Column("recorded_at", String(32), nullable=False),
    Column("method", String(32), nullable=False),
    Column("link_run_id", String(64), nullable=True),  # the linkage it counted, if any
    Column("inputs_sha256", String(64), nullable=False),
    Column("result", Text, nullable=False),  # RFC 8785 canonical JSON of the (clear) result
    Column("salt", LargeBinary, nullable=True),  # None when sealed
    Column("sealed", LargeBinary, nullable=True),  # the strata and the salt, sealed
    Column("commitment", String(64), nullable=False),
)

# --- Saved searches (migration 0009_lists_saved_searches) ---------------------------------------
# A user's saved lists and searches: what they look for says whom they look for, so the name,
# the query and the filters are sealed together; the clear row keeps only whose it is (the
# user's random pseudonym, never the username) and when it was saved.

saved_searches = Table(
    "saved_searches",
    metadata,
    Column("id", String(64), primary_key=True),  # random
    Column("owner", String(64), nullable=False, index=True),  # the user's pseudonym
    Column("saved_at", String(32), nullable=False),
    Column("sealed", LargeBinary, nullable=False),
)

# --- Column maps (migration 0010_sheets_column_maps) --------------------------------------------
# How a source's spreadsheets map their columns to fields, for the next import from it. The
# mapping names no one, but it is kept for a source (a pseudonym), and a partner's own column
# headings can tell who sent a sheet: source and mapping are sealed together, and the clear row
# keeps a random id and the time only.

column_maps = Table(
    "column_maps",
    metadata,
    Column("id", String(64), primary_key=True),  # random
    Column("saved_at", String(32), nullable=False),
    Column("sealed", LargeBinary, nullable=False),
)
