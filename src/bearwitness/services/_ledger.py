"""The archive's log entries: queued in the database with each change, then moved into tiles.

Every change writes its entries to ``log_entries`` in the same transaction as
the change (:func:`append_entries`), so no change can land without its entry,
nor an entry without its change, whatever crashes in between. After the
commit, :func:`sync_log` appends the queued entries to the C2SP tile log in
``ARCHIVE/log/``; if that is interrupted, the next sync carries on from the
tiles' size. The database is the source of the order; the tiles are what
checkpoints sign and what anyone can download and check.
"""

from __future__ import annotations

import fcntl
import hashlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import Connection, func, insert, select, text

from bearwitness.errors import ArchiveError
from bearwitness.services.archive import KEYRING, Archive
from bearwitness.store.schema import log_entries
from bearwitness.tlog.entry import SALT_SIZE, LogEntry, canonical_json, commit, format_time
from bearwitness.tlog.tiles import TileLog

LOCK_FILE = ".log.lock"  # beside log/, not in it: the log folder is published as it is
SYNC_BATCH = 10_000


def append_entries(connection: Connection, entries: Sequence[LogEntry]) -> int:
    """Queue ``entries`` in order; returns the index of the first one.

    This is the one place that numbers entries: each gets the next index after the
    largest, in a writer's turn, so the queue holds every index from 0 without a gap
    and its size is its largest index plus one (:func:`log_size`).
    """
    take_turn(connection)
    start = log_size(connection)
    if entries:
        connection.execute(
            insert(log_entries),
            [
                {"idx": start + offset, "entry": entry.to_bytes()}
                for offset, entry in enumerate(entries)
            ],
        )
    return start


def take_turn(connection: Connection) -> None:
    """Wait until no other transaction is writing, and keep the others waiting until this
    one ends: what it reads from now on (the next log index, the next record number) no
    other writer can change or take. A second call in one transaction does nothing.

    PostgreSQL is told to. SQLite's driver begins a transaction only at the first change,
    so a read before it would see the archive outside any transaction: this one begins
    with the write lock (``BEGIN IMMEDIATE``) instead.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text("LOCK TABLE log_entries IN SHARE ROW EXCLUSIVE MODE"))
    elif connection.dialect.name == "sqlite":
        driver = connection.connection.dbapi_connection
        if driver is not None and not driver.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def record_event(archive: Archive, kind: str, detail: dict[str, str]) -> int:
    """Log an event of the archive itself (``unlock``, ``reshare``), then sync the tiles.

    The entry commits to ``detail`` and to the keyring in force, with an all-zero
    salt: neither is secret, so anyone holding the archive can recompute it.
    """
    entry = event_entry(archive, kind, detail)
    with archive.engine.begin() as connection:
        index = append_entries(connection, [entry])
    sync_log(archive)
    return index


def event_entry(
    archive: Archive,
    kind: str,
    detail: dict[str, str],
    *,
    record_id: str = "keyring",
    actor: str | None = None,
    keyring: bool = True,
) -> LogEntry:
    """The entry of an archive event, for a caller that appends it in its own transaction
    (a change to an account names the account's pseudonym as ``record_id``).

    ``keyring=False`` leaves the keyring's hash out: the entry can then be recomputed from
    ``detail`` alone, whatever keyring comes later (a change to an account).
    """
    held = (archive.folder / KEYRING).read_bytes() if keyring else None
    return LogEntry(
        kind=kind,
        record_type="archive",
        record_id=record_id,
        version=0,
        commitment=event_commitment(kind, detail, keyring=held),
        actor=actor or archive.actor,
        time=format_time(archive.clock()),
    )


def event_commitment(kind: str, detail: dict[str, str], *, keyring: bytes | None) -> str:
    """What an event's entry commits to: ``detail``, and the keyring's hash when given."""
    held = {} if keyring is None else {"keyring_sha256": hashlib.sha256(keyring).hexdigest()}
    return commit(bytes(SALT_SIZE), canonical_json({**detail, "event": kind, **held}))


def kept_row_problem(
    name: str, entry: LogEntry | None, commitment: str, sealed: bytes | None = None
) -> str | None:
    """What is wrong with a row kept beside its log entry (a link run, a review decision, an
    estimate run), judged from the row alone: never logged, or not what was logged."""
    if entry is None:
        return f"{name} is in the database but not in the log"
    if commitment != entry.commitment or (
        sealed is not None
        and entry.sealed_sha256
        and hashlib.sha256(sealed).hexdigest() != entry.sealed_sha256
    ):
        return f"{name}: it differs from what the log holds (altered)"
    return None


def gone_problems(what: str, logged: Iterable[str], kept: set[str]) -> list[str]:
    """Rows the log holds entries for but the database no longer has."""
    return [
        f"{what} {name} is logged but gone from the database (removed)"
        for name in sorted(set(logged) - kept)
    ]


def log_size(connection: Connection) -> int:
    """How many entries the database queues: the largest index plus one, read from the end
    of the primary key (a ``count(*)`` reads every row, 80 ms at 142,000 entries).

    The indexes run from 0 without a gap (:func:`append_entries`); a gap someone made
    is caught by :func:`sync_log` above the tiles' size and by ``verify`` below it.
    """
    return int(connection.scalar(select(func.coalesce(func.max(log_entries.c.idx) + 1, 0))))


def read_entries(
    connection: Connection, start: int = 0, stop: int | None = None
) -> Iterator[tuple[int, bytes]]:
    """(index, entry bytes) from the database queue, in order."""
    statement = (
        select(log_entries.c.idx, log_entries.c.entry)
        .where(log_entries.c.idx >= start)
        .order_by(log_entries.c.idx)
    )
    if stop is not None:
        statement = statement.where(log_entries.c.idx < stop)
    for idx, entry in connection.execute(statement):
        yield int(idx), bytes(entry)


@contextmanager
def open_tiles(archive: Archive) -> Iterator[TileLog]:
    """The archive's tile log, held by this process alone (tiles have one writer).

    The process keeps it open between turns (``archive.turns.tiles``), so that a sync
    does not read the log's right edge again; it is opened anew when another process
    synced since, and after any failure while it was held."""
    turns = archive.turns
    with (archive.folder / LOCK_FILE).open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            log = turns.tiles
            if log is None or log.directory != archive.log_dir or not log.is_current():
                turns.tiles = None
                log = turns.tiles = TileLog(archive.log_dir)
            try:
                yield log
            except BaseException:
                turns.tiles = None
                raise
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def sync_log(archive: Archive, *, upto: int | None = None) -> int:
    """Append the entries the tiles lack, make them durable; returns the log's size.

    ``upto``: the size the caller needs durable (its change's last entry, plus one). The
    threads of a process take turns; one whose entries the thread before it synced returns
    without touching the disk, so that many writers waiting share one sync."""
    turns = archive.turns
    with turns.sync:
        if upto is not None and turns.synced >= upto:
            return turns.synced
        turns.synced = _sync_tiles(archive)
        return turns.synced


def _sync_tiles(archive: Archive) -> int:
    with open_tiles(archive) as log, archive.engine.connect() as connection:
        queued = log_size(connection)
        if log.size > queued:
            raise ArchiveError(
                f"the log holds {log.size} entries but the database only {queued}: the "
                "database was restored from an older backup, or entries were removed",
                hint="Run `bearwitness verify ARCHIVE`; restore the database from the "
                "newest backup.",
            )
        batch: list[bytes] = []
        try:
            for expected, (index, entry) in enumerate(read_entries(connection, log.size), log.size):
                if index != expected:
                    raise ArchiveError(
                        f"the database lacks log entry {expected}, before entry {index}: "
                        "entries were removed",
                        hint="Run `bearwitness verify ARCHIVE`; restore the database from "
                        "the newest backup.",
                    )
                batch.append(entry)
                if len(batch) == SYNC_BATCH:
                    log.append(batch)
                    batch = []
            if batch:
                log.append(batch)
            log.sync()
        except BaseException:
            log.discard()
            raise
        return log.size
