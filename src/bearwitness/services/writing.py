"""Adding, changing and deleting records: all or nothing, each change logged.

Unlocked, a batch is sealed and written in one transaction together with its
version rows and transparency-log entries; evidence files are sealed into the
blob store first and removed again if the transaction fails. A write killed
between the two leaves its files in ``blobs/`` with no record: while it places
files, a writer holds ``.blobs.lock``, so the next one knows such a file (or a
temporary one) belongs to nobody and removes it. Locked, the batch
is checked the same way and then sealed to the archive's public key into the
inbox (:mod:`bearwitness.services.inbox`), to be written at the next unlock.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import filecmp
import hashlib
import os
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Executable, Table, insert, select
from sqlalchemy.exc import IntegrityError

from bearwitness.crypto.files import decrypt_bytes, encrypt_file
from bearwitness.domain.records import (
    RECORD_TYPES,
    Evidence,
    Record,
    id_number,
    is_provisional,
    kind_name,
    record_type,
)
from bearwitness.errors import IdTaken, ImportRejected, InputError, NotFound, Phrase
from bearwitness.intake.importers import ImportRow, sha256_file
from bearwitness.services._ledger import append_entries, sync_log, take_turn
from bearwitness.services._sealing import (
    SEARCH_KEY_PURPOSE,
    SealedVersion,
    current_row_digest,
    open_record,
    seal_record,
)
from bearwitness.services._sealing_workers import Sealing, sealed_chunks
from bearwitness.services.archive import Archive
from bearwitness.store import rows as store
from bearwitness.store.schema import folded_submissions, record_versions
from bearwitness.tlog.entry import LogEntry

# Write order that satisfies foreign keys inside one batch.
ORDER = [
    "source",
    "person",
    "event",
    "document",
    "evidence",
    "act",
    "person_record",
    "claim",
    "intervention",
    "consent",
]
BLOB_LOCK = ".blobs.lock"  # held from a write's first file in blobs/ to its commit


@dataclasses.dataclass(frozen=True)
class WriteResult:
    ids: dict[str, list[str]]  # kind -> ids written, in order
    log_start: int

    @property
    def count(self) -> int:
        return sum(len(ids) for ids in self.ids.values())


class Checked(list[Record]):
    """Records as :func:`resolve_rows` built and checked them; ``numbered``: (kind, id) of
    the ones it numbered (rows without an id), which the write numbers again if another
    write took those numbers in between."""

    numbered: frozenset[tuple[str, str]] = frozenset()


def resolve_rows(
    archive: Archive, rows: Sequence[ImportRow], source: str, *, inbox_waiting: bool = False
) -> Checked:
    """Give id-less rows ids, build the records, and check every reference, or reject.

    The ids given here are the next numbers as they stand now, so that a file's rows can
    refer to them; the write confirms them, or numbers them again, inside its transaction
    (:func:`number`). Every check here reads only what is clear (record ids), so a locked
    intake runs them all too. The one thing it cannot see is what waits, sealed, in the
    inbox: with ``inbox_waiting``, a well-formed reference found neither in these rows nor
    in the archive is let through, to be checked when the batches are folded.
    """
    with archive.engine.connect() as connection:
        wanting = {row.data.get("type") for row in rows if not row.data.get("id")}
        counters = {
            kind: store.next_number(connection, kind) for kind in RECORD_TYPES if kind in wanting
        }
        for row in rows:  # new ids come after the ids the batch gives itself
            given, kind = row.data.get("id"), row.data.get("type")
            number = id_number(given) if isinstance(given, str) else None
            if number is not None and kind in counters and not is_provisional(given):
                counters[kind] = max(counters[kind], number + 1)
        records: list[tuple[ImportRow, Record]] = []
        numbered: set[tuple[str, str]] = set()  # the ids given here, not by the rows
        for row in rows:
            data = dict(row.data)
            try:
                cls = record_type(data.get("type"))  # type: ignore[arg-type]  # it checks
                if not data.get("id"):
                    data["id"] = f"{cls.PREFIX}-{counters[cls.KIND]:04d}"
                    numbered.add((cls.KIND, data["id"]))
                    counters[cls.KIND] += 1
                records.append((row, cls.from_dict(data)))
            except InputError as error:
                raise ImportRejected(source, row.row, error.phrases[0]) from None
        first: dict[tuple[str, str], int] = {}  # the row that gives each id
        for row, record in records:
            key = (record.KIND, record.id)
            if key in first:
                also = Phrase("id %(id)s is also used on row %(row)s", id=record.id, row=first[key])
                raise ImportRejected(source, row.row, also)
            first[key] = row.row
        batch = set(first)
        by_kind: dict[str, list[tuple[ImportRow, Record]]] = defaultdict(list)
        for row, record in records:
            if (record.KIND, record.id) not in numbered and not is_provisional(record.id):
                by_kind[record.KIND].append((row, record))
        for kind, items in by_kind.items():
            taken = store.existing_ids(connection, kind, [record.id for _, record in items])
            for row, record in items:
                if record.id in taken:
                    there = Phrase(
                        "%(kind)s %(id)s already exists in the archive",
                        kind=kind_name(kind),
                        id=record.id,
                    )
                    raise ImportRejected(source, row.row, there)
        wanted: dict[str, set[str]] = defaultdict(set)
        for _, record in records:
            for _, linked_kind, linked_id in record.references():
                wanted[linked_kind].add(linked_id)
        known = {
            (kind, found)
            for kind, ids in wanted.items()
            for found in store.existing_ids(connection, kind, ids)
        }
    present = batch | known
    for row, record in records if not inbox_waiting else ():
        for name, linked_kind, linked_id in record.references():
            if (linked_kind, linked_id) not in present:
                missing = Phrase(
                    "field %(field)s refers to %(kind)s %(id)s, which is neither in the "
                    "archive nor in this file",
                    field=repr(name),
                    kind=kind_name(linked_kind),
                    id=linked_id,
                )
                raise ImportRejected(source, row.row, missing)
    checked = Checked(record for _, record in records)
    checked.numbered = frozenset(numbered)
    return checked


def number(
    connection: Connection,
    records: Sequence[Record],
    numbered: Collection[tuple[str, str]] = frozenset(),
) -> list[Record]:
    """The records with their new ids given for good, in the transaction that writes them and
    in a writer's turn, so that no other write can take the same numbers: provisional ids
    (``P-new-1``) are numbered, and the ids in ``numbered`` (numbered by
    :func:`resolve_rows`) are kept unless another write took one of them since; then that
    kind's new ids are numbered again. Every reference to a changed id changes with it.

    A kind is numbered on from one more than the highest number in the archive or among
    the ids the batch gives itself, in the records' order.
    """
    new = [record for record in records if is_provisional(record.id)]
    seen: dict[str, list[str]] = defaultdict(list)
    for record in records:
        if (record.KIND, record.id) in numbered:
            seen[record.KIND].append(record.id)
    kinds = {record.KIND for record in new} | {
        kind for kind, ids in seen.items() if store.existing_ids(connection, kind, ids)
    }
    if not kinds:
        return list(records)
    again = [
        record
        for record in records
        if record.KIND in kinds
        and (is_provisional(record.id) or (record.KIND, record.id) in numbered)
    ]
    again_ids = {(record.KIND, record.id) for record in again}
    counters = {kind: store.next_number(connection, kind) for kind in kinds}
    for record in records:
        given = id_number(record.id)
        if given is not None and record.KIND in kinds and (record.KIND, record.id) not in again_ids:
            counters[record.KIND] = max(counters[record.KIND], given + 1)
    ids: dict[tuple[str, str], str] = {}
    for record in again:
        ids[(record.KIND, record.id)] = f"{record.PREFIX}-{counters[record.KIND]:04d}"
        counters[record.KIND] += 1
    return [record.renamed(ids) for record in records]


def write_records(
    archive: Archive,
    records: Sequence[Record],
    files: dict[str, Path] | None = None,
    *,
    sealed_files: dict[str, Path] | None = None,
    sealed_here: Mapping[str, str] | None = None,
    operation: str = "create",
    batch: Sequence[str] = (),
) -> WriteResult:
    """Seal and store new records and their evidence files in one transaction.

    New ids are given for good inside it (:func:`number`): provisional ids (``P-new-1``)
    and, for ``records`` from :func:`resolve_rows`, the ids it numbered, if another write
    took them meanwhile; the result names the ids written. ``files`` are plaintext
    evidence files by evidence id (as ``records`` name them); ``sealed_files`` are
    evidence files already sealed to the archive (from the inbox): they are
    checked against the record's SHA-256 and hard-linked into ``blobs/``, not
    sealed again; the caller removes its copies once this returned, so a crash
    anywhere loses none. ``batch``: the marks of an inbox batch, written as
    folded in the same transaction. ``sealed_here``: the SHA-256 of each sealed file
    (by evidence id) that the caller sealed itself, in this process, from the plaintext
    whose SHA-256 its record holds (the ODK fold): not opened again to be checked.
    """
    archive.require_secrets()
    files, sealed_files = files or {}, sealed_files or {}
    given_numbers = records.numbered if isinstance(records, Checked) else frozenset()
    records = list(records)
    placing = (
        _placing(archive)
        if any(isinstance(r, Evidence) for r in records)
        else contextlib.nullcontext()
    )
    with placing:
        here = sealed_here or {}
        return _write(archive, records, given_numbers, files, sealed_files, operation, batch, here)


def _write(
    archive: Archive,
    records: list[Record],
    given_numbers: Collection[tuple[str, str]],
    files: dict[str, Path],
    sealed_files: dict[str, Path],
    operation: str,
    batch: Sequence[str],
    sealed_here: Mapping[str, str],
) -> WriteResult:
    secrets = archive.require_secrets()
    search_key, at = secrets.subkey(SEARCH_KEY_PURPOSE), archive.now()
    sealing = Sealing.of(secrets, search_key, actor=archive.actor, at=at, operation=operation)
    placed: list[Path] = []  # blobs this write made: removed again if it does not commit
    with contextlib.ExitStack() as stack:
        # Plaintext files are sealed before the transaction (it would wait on them), under
        # names of their own; the transaction links them under their records' ids.
        sealed_copies = _seal_files(archive, records, files)
        for copy in sealed_copies.values():  # linked into place by then, or not wanted
            stack.callback(copy.unlink, missing_ok=True)
        to_link = {**sealed_files, **sealed_copies}

        def prepare(connection: Connection) -> tuple[Change, list[Record]]:
            numbered = number(connection, records, given_numbers)
            renamed = {old.id: new.id for old, new in zip(records, numbered, strict=True)}
            blob_hashes = {renamed.get(key, key): value for key, value in sealed_here.items()}
            _place_files(
                archive,
                numbered,
                {renamed.get(key, key): path for key, path in to_link.items()},
                placed,
                {renamed.get(key, key) for key in [*sealed_here, *sealed_copies]},
            )
            for copy in sealed_copies.values():  # linked into place: a name too many now
                copy.unlink()
            # Sealed a chunk at a time (on every core, for a large write), each chunk stored
            # while the next ones are sealed; in ORDER, so that every reference is inserted
            # after its target. The transaction spans all chunks: all or nothing.
            ordered = sorted(numbered, key=lambda r: ORDER.index(r.KIND))
            chunks = stack.enter_context(sealed_chunks(sealing, ordered))
            marks = [{"submission_id": mark, "folded_at": at} for mark in batch]
            return Change(
                sealed=chunks, rows=[(folded_submissions, marks)], blob_hashes=blob_hashes
            ), numbered

        written, start = write_change(archive, prepare, placed=placed)
    ids: dict[str, list[str]] = defaultdict(list)
    for record in written:
        ids[record.KIND].append(record.id)
    return WriteResult(dict(ids), start)


def _seal_files(archive: Archive, records: list[Record], files: dict[str, Path]) -> dict[str, Path]:
    """Seal the plaintext evidence ``files`` into ``blobs/`` under temporary names (swept
    as a killed write's if this write never removes them); the sealed files by evidence
    id. An evidence record without a SHA-256 gets its file's (in ``records``)."""
    sealed: dict[str, Path] = {}
    try:
        for position, record in enumerate(records):
            if not isinstance(record, Evidence) or record.id not in files:
                continue
            sealed[record.id] = archive.blobs / f".sealed-{os.urandom(8).hex()}.tmp"
            digest = encrypt_file(files[record.id], sealed[record.id], archive.recipient)
            if record.sha256 and digest != record.sha256:
                raise InputError(
                    f"evidence {record.id}: the file changed while it was read",
                    hint="Import it again.",
                )
            if not record.sha256:  # the record always names its file's hash
                records[position] = dataclasses.replace(
                    record, sha256=digest, size=record.size or files[record.id].stat().st_size
                )
    except BaseException:
        for path in sealed.values():
            path.unlink(missing_ok=True)
        raise
    return sealed


def _place_files(
    archive: Archive,
    records: list[Record],
    sealed_files: dict[str, Path],
    placed: list[Path],
    sealed_here: Collection[str],
) -> None:
    """Link the evidence records' sealed files into ``blobs/`` under their ids, adding each
    link made to ``placed``. ``sealed_here``: ids whose files this process sealed from the
    plaintext whose SHA-256 the record holds, so not opened again to be checked."""
    secrets = archive.require_secrets()
    for record in records:
        if not isinstance(record, Evidence) or record.id not in sealed_files:
            continue
        target = archive.blobs / f"{record.id}.age"
        # Opened once to prove it is the file the record describes (unless this process
        # sealed it just now from the plaintext it hashed).
        if record.id not in sealed_here:
            decrypt_bytes(
                sealed_files[record.id],
                secrets.identities,
                expected_sha256=record.sha256,
                what=f"evidence {record.id}",
            )
        if not (target.exists() and os.path.samefile(sealed_files[record.id], target)):
            _clear_orphan(archive, target, record.id)
        if _link(sealed_files[record.id], target, record.id):
            placed.append(target)
    if any(isinstance(record, Evidence) and record.id in sealed_files for record in records):
        fsync_directory(archive.blobs)  # the links are durable before the inbox lets go


@contextlib.contextmanager
def _placing(archive: Archive) -> Iterator[None]:
    """Hold the blob lock (across processes and threads) and sweep what killed writes left.

    Every writer of ``blobs/`` holds it until its commit, so a temporary file found
    under it is a leftover of a killed write. (``inbox.fold`` holds its own lock
    around this one, never the other way round.)
    """
    with (archive.folder / BLOB_LOCK).open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            with os.scandir(archive.blobs) as found:
                for item in found:
                    if item.name.startswith(".") and item.name.endswith(".tmp"):
                        Path(item.path).unlink(missing_ok=True)
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _clear_orphan(archive: Archive, target: Path, evidence_id: str) -> None:
    """Remove ``target`` if no committed record or version names its id (under the lock).

    Such a file was left by a write killed before its commit: it is no one's, and
    keeping it would refuse this id for ever.
    """
    if not target.exists():
        return
    with archive.engine.connect() as connection:
        named = store.existing_ids(connection, "evidence", [evidence_id]) or connection.scalar(
            select(record_versions.c.id)
            .where(record_versions.c.kind == "evidence", record_versions.c.id == evidence_id)
            .limit(1)
        )
    if not named:
        target.unlink(missing_ok=True)


def orphan_files(archive: Archive) -> list[str]:
    """Files in ``blobs/`` that no record names: left by writes killed before their commit,
    removed by the next write that places files."""
    with archive.engine.connect() as connection:
        named = set(
            connection.scalars(
                select(record_versions.c.id).where(record_versions.c.kind == "evidence")
            )
        )
    with os.scandir(archive.blobs) as found:
        return sorted(
            item.name
            for item in found
            if item.name.endswith(".tmp") or item.name.removesuffix(".age") not in named
        )


def _link(sealed: Path, target: Path, evidence_id: str) -> bool:
    """Link a sealed file into ``blobs/``; whether this made the link. One found there
    already is taken only if it is this very file (a fold killed before its commit)."""
    try:
        os.link(sealed, target)  # fails if the id has a file
    except FileExistsError:
        if not (os.path.samefile(sealed, target) or filecmp.cmp(sealed, target, shallow=False)):
            raise _taken(evidence_id) from None
        return False
    return True


def fsync_directory(path: Path) -> None:
    """Make a folder's entries (a rename, a link, an unlink) durable."""
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _taken(evidence_id: str) -> IdTaken:
    return IdTaken(
        f"evidence {evidence_id} already has a file in the archive",
        hint="Another write took this id first; nothing was changed. Give the row another id, "
        "or leave its id out to have one numbered.",
    )


T = TypeVar("T")
_CHUNK = 5000  # rows per INSERT statement: well under any driver's parameter limit


@dataclasses.dataclass
class Change:
    """What one change writes, all in one transaction (see :func:`write_change`).

    ``created``: new records (current rows and first versions); ``updated``: new versions of
    records (current rows replaced, versions added); ``rows``: rows of other tables (a link
    run, review decisions, an estimate run, the marks of folded inbox batches);
    ``statements``: other writes to those tables; ``entries``: the transparency-log entries
    for all of it, in order. ``sealed``: new records sealed while the change is written (an
    import, a fold), a chunk at a time: each chunk is stored with its log entries
    (:func:`log_entry`) as it comes, before all the rest.
    """

    created: list[SealedVersion] = dataclasses.field(default_factory=list)
    updated: list[SealedVersion] = dataclasses.field(default_factory=list)
    rows: list[tuple[Table, list[dict[str, Any]]]] = dataclasses.field(default_factory=list)
    statements: list[Executable] = dataclasses.field(default_factory=list)
    entries: list[LogEntry] = dataclasses.field(default_factory=list)
    sealed: Iterable[Sequence[SealedVersion]] = ()
    # The SHA-256 of sealed evidence files the caller wrote itself (by evidence id), for
    # their log entries without reading the files back (the ODK fold).
    blob_hashes: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def add(self, other: Change) -> None:
        """``other``'s records, rows and log entries after these, in the same transaction."""
        assert not other.sealed and not other.blob_hashes  # streamed writes are not merged
        self.created += other.created
        self.updated += other.updated
        self.rows += other.rows
        self.statements += other.statements
        self.entries += other.entries


def write_change(
    archive: Archive,
    prepare: Callable[[Connection], tuple[Change, T]],
    *,
    placed: Sequence[Path] = (),
) -> tuple[T, int]:
    """Write one change and its log entries in one transaction, then sync the tiles.

    The one owner of the rule that every change writes its rows, its versions and its log
    entries together: imports and entry (:func:`write_records`), the inbox fold, edits
    (:func:`change_record`, ``editing.save``), link runs, review decisions and estimate
    runs all write through here.

    ``prepare`` runs first inside the transaction, after this writer has taken its turn
    (:func:`ledger.take_turn`): it reads what it must (the next run id, the versions it
    builds on), refuses what it must, and returns the change and a result for the caller.
    ``placed``: files this change put in ``blobs/`` before it began, removed again if the
    transaction fails, and never once it has committed (whatever the sync then does).
    Returns the result and the log index of the change's first entry (the log's size, for
    a change without entries).
    """
    try:
        with archive.turns.write, archive.engine.begin() as connection:
            take_turn(connection)
            change, result = prepare(connection)
            first: int | None = None
            end = 0  # the log's size once this change's entries are in it
            for chunk in change.sealed:
                entries = [
                    log_entry(
                        item,
                        item.version.operation,
                        None,
                        _blob(archive, item),
                        change.blob_hashes.get(item.version.id),
                    )
                    for item in chunk
                ]
                index = _store_records(connection, chunk, (), entries)
                first = index if first is None else first
                end = index + len(entries)
            _store_records(connection, change.created, change.updated, ())
            for table, rows in change.rows:
                for begin in range(0, len(rows), _CHUNK):
                    connection.execute(insert(table), rows[begin : begin + _CHUNK])
            for statement in change.statements:
                connection.execute(statement)
            index = append_entries(connection, change.entries)
            first = index if first is None else first
            end = max(end, index + len(change.entries))
    except BaseException:
        for blob in placed:
            blob.unlink(missing_ok=True)
        raise
    sync_log(archive, upto=end)
    return result, first


def _store_records(
    connection: Connection,
    created: Sequence[SealedVersion],
    updated: Sequence[SealedVersion],
    entries: Sequence[LogEntry],
) -> int:
    """Insert new records, replace updated ones, add all their versions, then queue
    ``entries``; the index of the first entry."""
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in created:
        by_kind[item.version.kind].append(item.row)
    try:  # ids the rows give were checked before the transaction: another may have won since
        for kind in ORDER:
            store.insert_records(connection, kind, by_kind[kind])
    except IntegrityError:
        raise IdTaken(
            "another write took one of these records' ids first; nothing was written",
            hint="Give those rows other ids, or leave their ids out to have them numbered.",
        ) from None
    for item in updated:
        store.replace_record(connection, item.version.kind, item.row)
    store.insert_versions(connection, [item.version for item in (*created, *updated)])
    return append_entries(connection, entries)


def _blob(archive: Archive, item: SealedVersion) -> Path | None:
    """An evidence record's file in ``blobs/``."""
    return archive.blobs / f"{item.version.id}.age" if item.version.kind == "evidence" else None


def log_entry(
    item: SealedVersion,
    kind: str,
    previous: str | None,
    blob: Path | None = None,
    blob_sha256: str | None = None,
) -> LogEntry:
    """The log entry for one sealed record version (``blob``: an evidence record's file;
    ``blob_sha256``: its SHA-256 when the caller knows it, so it is not read again)."""
    record = item.version
    # No bare SHA-256 of an evidence file ever goes into the (published) log: whoever
    # holds a suspect's phone could test its files against it, and prove who sent one.
    # The file's hash is a field of the record, bound by the record's salted commitment;
    # `prove --file` discloses record, salt and file together.
    return LogEntry(
        kind=kind,
        record_type=record.kind,
        record_id=record.id,
        version=record.version,
        commitment=record.commitment,
        previous_commitment=previous,
        actor=record.actor,
        time=record.recorded_at,
        # Hashes of the ciphertexts, so that a locked archive can be verified too.
        sealed_sha256=hashlib.sha256(record.payload).hexdigest(),
        sealed_file_sha256=blob_sha256
        or (sha256_file(blob) if blob is not None and blob.exists() else None),
        row_sha256=current_row_digest(item),
    )


def first_version(archive: Archive, record: Record, *, at: str | None = None) -> Change:
    """A new ``record``'s first version, sealed, with its log entry, for a ``prepare``."""
    item = seal_record(
        archive.sealer,
        archive.require_secrets().subkey(SEARCH_KEY_PURPOSE),
        record,
        version=1,
        actor=archive.actor,
        at=at or archive.now(),
        operation="create",
    )
    return Change(created=[item], entries=[log_entry(item, "create", None)])


def next_version(
    connection: Connection,
    archive: Archive,
    record: Record,
    current: store.StoredRecord,
    *,
    operation: str = "update",
    at: str | None = None,
) -> Change:
    """``record`` as the version after ``current`` (its row, read in this writer's
    transaction), sealed, with its log entry: one new logged version for a ``prepare``.
    ``operation`` "delete" writes the tombstone; ``at``: the time of the change it is
    part of (default: now)."""
    previous = store.fetch_version(connection, record.KIND, record.id, current.version)
    assert previous is not None  # a row's current version is always stored
    deleted = operation == "delete"
    item = seal_record(
        archive.sealer,
        archive.require_secrets().subkey(SEARCH_KEY_PURPOSE),
        record,
        version=current.version + 1,
        actor=archive.actor,
        at=at or archive.now(),
        operation=operation,
        deleted=deleted,
    )
    kind = "delete" if deleted else "update"
    entry = log_entry(item, kind, previous.commitment, _blob(archive, item))
    return Change(updated=[item], entries=[entry])


def change_record(
    archive: Archive, kind: str, record_id: str, changes: dict[str, Any], *, delete: bool = False
) -> Record:
    """A new version of one record (or its tombstone); the old version stays in history."""
    archive.require_secrets()  # locked: refused before any write begins

    def prepare(connection: Connection) -> tuple[Change, Record]:
        current = store.fetch_record(connection, kind, record_id)
        if current is None or current.deleted:
            raise NotFound(f"no {kind} {record_id}", hint="Check the id with `bearwitness list`.")
        record = open_record(archive.sealer, current, record_id)
        if changes.keys() & {"id", "type"}:
            raise InputError(
                "a record's id and type cannot change", hint="Create a new record instead."
            )
        updated = type(record).from_dict({**record.to_dict(), **changes})
        operation = "delete" if delete else "update"
        return next_version(connection, archive, updated, current, operation=operation), updated

    updated, _ = write_change(archive, prepare)
    return updated
