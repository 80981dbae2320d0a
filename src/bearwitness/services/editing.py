"""Editing a record, its history, and restoring an older version.

Every save writes one new logged version through :func:`writing.write_change` (the
current row replaced, a version row added, a log entry that names the previous
version's commitment), with the same checks as an import: the record's own rules
(:meth:`Record.from_dict`: partial dates, qualified counts, vocabulary codes, id
forms) and that every record it refers to is in the archive. A bad value is named
per field (:class:`FieldsRejected`), so a form can say it next to its field.

An edit names the version it was made on. The save takes the record's row lock
first (a write, so SQLite takes its writer's lock and PostgreSQL the row's), then
reads the current version: if another save replaced that version meanwhile, it is
refused with :class:`EditConflict`, naming what the other save changed, and nothing
is written. Two people editing one record never overwrite each other unseen.

History: each version with when, who (the pseudonym the log names) and which fields
changed. What changed is read from the sealed versions, so it needs an unlock; the
values of sealed fields are given only when asked to reveal them.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, update

from bearwitness.domain.counts import QualifiedCount
from bearwitness.domain.dates import PartialDateRange
from bearwitness.domain.records import Record, field_message, not_in_archive, record_type
from bearwitness.domain.vocabulary import Vocabulary
from bearwitness.errors import EditConflict, FieldsRejected, InputError, NotFound, Phrase
from bearwitness.services import users
from bearwitness.services._sealing import open_record, open_version_fields
from bearwitness.services.archive import Archive
from bearwitness.services.writing import Change, next_version, write_change
from bearwitness.store import rows as store
from bearwitness.store.schema import RECORD_TABLES

# Fields no form changes: the id and the demo marker on every record; what binds an
# evidence record to its sealed file (its hash, size and type); the key replies to an
# anonymous source are sealed to; and which Person linkage resolved a list entry to
# (a linkage decision changes that, with its reason).
NEVER_EDITED = frozenset({"id", "fictional"})
READ_ONLY: dict[str, frozenset[str]] = {
    "evidence": frozenset({"sha256", "size", "media_type"}),
    "document": frozenset({"reply_key"}),
    "person_record": frozenset({"person_id"}),
}
LONG_TEXT = frozenset({"text", "description", "notes", "statement", "capture_metadata"})


@dataclass(frozen=True)
class FieldSpec:
    """What a form needs to know of one field of a record type."""

    name: str
    sealed: bool
    shape: str  # "date", "count", "number", "flag", "choice", "choices", "ref", "refs",
    # "lines" (a list of free text, one per line), "long" (free text), "text"
    vocabulary: Vocabulary | None
    refers: str | None


@functools.cache
def form_fields(kind: str) -> tuple[FieldSpec, ...]:
    """The fields of ``kind`` a form edits, in the record's own order: derived from the
    record type, so a field added there appears in every form without more work."""
    cls = record_type(kind)
    hints = typing.get_type_hints(cls)
    fixed = NEVER_EDITED | READ_ONLY.get(kind, frozenset())
    found = []
    for item in dataclasses.fields(cls):
        if item.name in fixed:
            continue
        vocabulary, refers = item.metadata.get("vocabulary"), item.metadata.get("refers")
        sealed = bool(item.metadata.get("sealed"))
        found.append(
            FieldSpec(
                item.name,
                sealed,
                _shape(hints[item.name], vocabulary, refers, item.name),
                vocabulary,
                refers,
            )
        )
    return tuple(found)


def _shape(hint: Any, vocabulary: Vocabulary | None, refers: str | None, name: str) -> str:
    options = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    kind = next((option for option in options if option is not type(None)), str)
    if typing.get_origin(kind) is tuple:
        return "choices" if vocabulary else "refs" if refers else "lines"
    if vocabulary:
        return "choice"
    if refers:
        return "ref"
    if kind is PartialDateRange:
        return "date"
    if kind is QualifiedCount:
        return "count"
    if kind is bool:
        return "flag"
    if kind is int:
        return "number"
    return "long" if name in LONG_TEXT or name.endswith(("_notes", "_plan")) else "text"


@dataclass(frozen=True)
class FieldChange:
    """One field's value before and after a version (their JSON forms); a sealed field's
    values are None unless they were asked to be revealed."""

    name: str
    sealed: bool
    before: Any
    after: Any


@dataclass(frozen=True)
class Saved:
    """What a save did: the record as it now is, its version, and what changed (nothing
    changed: no version was written)."""

    record: Record
    version: int
    changes: tuple[FieldChange, ...]


@dataclass(frozen=True)
class VersionEntry:
    """One version in a record's history. ``changes`` is None while locked (what changed
    is sealed with the version); ``restored_from`` names the older version a restore
    brought back."""

    version: int
    recorded_at: str
    actor: str
    operation: str
    changes: tuple[FieldChange, ...] | None
    restored_from: int | None = None


def differences(
    kind: str, before: dict[str, Any], after: dict[str, Any], *, reveal: bool = True
) -> tuple[FieldChange, ...]:
    """The fields whose values differ between two JSON forms of a ``kind`` record."""
    cls = record_type(kind)
    sealed = set(cls.sealed_fields())
    found = []
    for item in dataclasses.fields(cls):
        name = item.name
        if name == "id" or _empty(before.get(name)) == _empty(after.get(name)):
            continue
        hidden = name in sealed and not reveal
        found.append(
            FieldChange(
                name,
                name in sealed,
                None if hidden else before.get(name),
                None if hidden else after.get(name),
            )
        )
    return tuple(found)


def _empty(value: Any) -> Any:
    return None if value in (None, "", []) else value


def save(
    archive: Archive, kind: str, record_id: str, values: dict[str, Any], *, based_on: int
) -> Saved:
    """Write ``values`` (field -> the JSON or text form a form sends: "" for none, a list
    for a list field) over version ``based_on`` of a record, as one new logged version.

    Raises :class:`FieldsRejected` naming each bad field, :class:`EditConflict` when
    another save replaced ``based_on`` first, NotFound, or LockedError while locked.
    Nothing is written in any of these cases, nor when nothing changed.
    """
    editable = {spec.name for spec in form_fields(kind)}
    unknown = sorted(set(values) - editable)
    if unknown:
        raise FieldsRejected(dict.fromkeys(unknown, Phrase("this field cannot be changed here")))
    return _save(archive, kind, record_id, values, based_on=based_on, operation="update")


def restore(archive: Archive, kind: str, record_id: str, version: int, *, based_on: int) -> Saved:
    """Bring back ``version`` of a record as a new version over ``based_on`` (the one the
    page showed): the older version stays in the history, as every version does."""
    archive.require_secrets()
    with archive.engine.connect() as connection:
        found = _version_row(connection, kind, record_id, version)
    old = open_version_fields(archive.sealer, found)
    values = {name: value for name, value in old.items() if name != "id"}
    return _save(archive, kind, record_id, values, based_on=based_on, operation="restore")


def _version_row(
    connection: Connection, kind: str, record_id: str, version: int
) -> store.StoredVersion:
    found = store.fetch_version(connection, kind, record_id, version)
    if found is not None:
        return found
    raise NotFound(
        f"{kind.replace('_', ' ')} {record_id} has no version {version}",
        hint="Open the record's page: its history lists its versions.",
    )


def _save(
    archive: Archive,
    kind: str,
    record_id: str,
    values: dict[str, Any],
    *,
    based_on: int,
    operation: str,
) -> Saved:
    archive.require_secrets()  # locked: refused before any write begins
    cls = record_type(kind)
    table = RECORD_TABLES[kind]

    def prepare(connection: Connection) -> tuple[Change, Saved]:
        # A write first: it takes SQLite's writer lock (and PostgreSQL's row lock) before
        # anything is read, so the version read next is the one this save replaces.
        connection.execute(
            update(table).where(table.c.id == record_id).values(version=table.c.version)
        )
        current = store.fetch_record(connection, kind, record_id)
        if current is None or current.deleted:
            raise NotFound(
                f"no {kind.replace('_', ' ')} {record_id} in this archive",
                hint="It may have been deleted; open the list to find it.",
            )
        record = open_record(archive.sealer, current, record_id)
        if current.version != based_on:
            opened = open_version_fields(
                archive.sealer, _version_row(connection, kind, record_id, based_on)
            )
            changed = differences(kind, opened, record.to_dict())
            raise EditConflict(
                kind, record_id, based_on, current.version, tuple(c.name for c in changed)
            )
        updated = _checked(connection, cls, record, values)
        changes = differences(kind, record.to_dict(), updated.to_dict())
        if not changes:
            return Change(), Saved(record, current.version, ())
        change = next_version(connection, archive, updated, current, operation=operation)
        return change, Saved(updated, current.version + 1, changes)

    saved, _ = write_change(archive, prepare)
    return saved


def _checked(
    connection: Connection, cls: type[Record], record: Record, values: dict[str, Any]
) -> Record:
    """``record`` with ``values``, checked as an import checks a row: each field alone
    first, so that every bad one is named, then whether what it refers to exists."""
    base = record.to_dict()
    problems: dict[str, Phrase] = {}
    for name, raw in values.items():
        try:
            cls.from_dict({**base, name: raw})
        except InputError as error:
            problems[name] = field_message(error, name)
    if problems:
        raise FieldsRejected(problems)
    try:
        updated = cls.from_dict({**base, **values})
    except InputError as error:  # a rule between fields (none yet): named as a whole
        raise FieldsRejected({"record": field_message(error, "record")}) from None
    wanted: dict[str, dict[str, list[str]]] = {}
    for name, target, linked in updated.references():
        if name in values:
            wanted.setdefault(target, {}).setdefault(linked, []).append(name)
    for target, ids in wanted.items():
        present = store.existing_ids(connection, target, ids)
        for linked, names in ids.items():
            if linked == record.id and target == record.KIND:
                problem = Phrase("%(id)s is this record itself", id=linked)
            elif linked not in present:
                problem = not_in_archive(target, linked)
            else:
                continue
            for name in names:
                problems.setdefault(name, problem)
    if problems:
        raise FieldsRejected(problems)
    return updated


def history(
    archive: Archive, kind: str, record_id: str, *, reveal: bool, newest: int | None = None
) -> list[VersionEntry]:
    """A record's versions, newest first: when, who, and (unlocked) which fields each
    changed; sealed values only with ``reveal``. ``newest``: only that many (a page need
    not open hundreds of versions)."""
    with archive.engine.connect() as connection:
        versions = list(store.fetch_versions(connection, kind, record_id))
    shown = len(versions) if newest is None else min(newest, len(versions))
    if archive.locked:
        return [
            VersionEntry(v.version, v.recorded_at, v.actor, v.operation, None)
            for v in versions[::-1][:shown]
        ]
    first = len(versions) - shown  # the first version listed; the one before is its base
    opened = {
        position: open_version_fields(archive.sealer, versions[position])
        for position in range(max(0, first - 1), len(versions))
    }
    entries = []
    for position in range(first, len(versions)):
        version = versions[position]
        before = opened[position - 1] if position else {}
        restored = None
        if version.operation == "restore":
            restored = next(
                (
                    versions[earlier].version
                    for earlier in range(position - 2, -1, -1)
                    if not differences(
                        kind, _opened(archive, opened, versions, earlier), opened[position]
                    )
                ),
                None,
            )
        entries.append(
            VersionEntry(
                version.version,
                version.recorded_at,
                version.actor,
                version.operation,
                differences(kind, before, opened[position], reveal=reveal),
                restored,
            )
        )
    return entries[::-1]


def _opened(
    archive: Archive,
    opened: dict[int, dict[str, Any]],
    versions: list[store.StoredVersion],
    position: int,
) -> dict[str, Any]:
    if position not in opened:
        opened[position] = open_version_fields(archive.sealer, versions[position])
    return opened[position]


def version_fields(archive: Archive, kind: str, record_id: str, version: int) -> dict[str, Any]:
    """One version's fields in their JSON form (needs an unlock)."""
    archive.require_secrets()
    with archive.engine.connect() as connection:
        found = _version_row(connection, kind, record_id, version)
    return open_version_fields(archive.sealer, found)


def staff_names(archive: Archive) -> dict[str, str]:
    """Each workbench account's pseudonym and its username: for admins, who may see who
    made a change (the log and everyone else see the pseudonym only)."""
    return {user.pseudonym: user.username for user in users.list_users(archive.engine)}
