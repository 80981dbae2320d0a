"""Backing an archive up: an encrypted, incremental, signed snapshot (`docs/backup.md`).

:func:`back_up` takes a consistent snapshot while the archive keeps working:
under the tile log's lock it opens a read snapshot of the database (SQLite's
backup API into a file beside archive.db; a repeatable-read transaction on
PostgreSQL) and notes the tiles' size; then, with the lock released, it streams

- every table's rows (the sealed columns stay sealed),
- the evidence files the snapshot's records name (age files already),
- the log's tiles and entry bundles up to that size, every checkpoint up to it
  with its cosignatures and timestamp token, log.vkey and log-key.age (sealed),
- bearwitness.toml and keyring.json (its slots sealed),
- the inbox's sealed batches, waiting or stuck, as they were at the snapshot (they are
  acknowledged: a submission was told it was received)

into chunks (:mod:`bearwitness.services._backup_store`), each an age file to the
archive's recipient and to every offline recipient in ``[backup] recipients``.
Custodian shares are never in an archive, so never in a backup.

The manifest (one line per table and file: size, SHA-256, chunk names) is itself
stored as chunks, and its SHA-256 is signed with the log's key in a C2SP signed
note. The snapshot is then logged (a ``backup`` entry) in the archive.
"""

from __future__ import annotations

import base64
import dataclasses
import fcntl
import hashlib
import hmac
import json
import os
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyrage
from sqlalchemy import Connection, LargeBinary, Table, create_engine, func, select, text

from bearwitness.crypto.keys import parse_recipient
from bearwitness.errors import ArchiveError, InputError
from bearwitness.services import _ledger, boundaries, checkpoints, devices, inbox, odk_keys
from bearwitness.services._backup_store import (
    FILE_PIECE,
    BackupFolder,
    ChunkWriter,
    StreamWriter,
    fsync_tree,
    write_file,
)
from bearwitness.services.archive import CONFIG, KEYRING, RELEASES, Archive
from bearwitness.store.database import schema_revision, sqlite_url
from bearwitness.store.schema import metadata, record_versions
from bearwitness.tlog.layout import tile_files_beyond
from bearwitness.tlog.tiles import CHECKPOINT_FILE, STATE_FILE

FORMAT = 1
NOTE_HEADER = "BearWitness backup v1"  # holds a space: never parses as a checkpoint
SNAPSHOT_FILE = ".backup-snapshot.db"  # the SQLite snapshot, beside archive.db, while it runs
INBOX_SNAPSHOT = ".backup-inbox"  # hard links to the inbox's batches, while it runs
NAME_KEY_PURPOSE = "backup-chunk-names"

Progress = Callable[[str, int, int], None]  # (phase, done, total)


@dataclass(frozen=True)
class BackupResult:
    snapshot: str
    path: Path
    tables: int
    rows: int
    files: int
    bytes_read: int
    chunks_new: int
    chunks_reused: int
    bytes_written: int
    log_size: int
    tile_size: int
    checkpoint_size: int
    recipients: int
    inbox_waiting: int  # batches waiting or stuck in the inbox now (folded by an unlock)
    log_index: int  # the ``backup`` entry's index in the archive's log
    inbox_batches: int = 0  # inbox batches in the snapshot (sealed, as the inbox holds them)


def offline_recipients(archive: Archive) -> tuple[str, ...]:
    """``[backup] recipients`` from bearwitness.toml, each checked."""
    for key in archive.config.backup_recipients:
        try:
            parse_recipient(key)
        except ArchiveError:
            raise ArchiveError(
                f"bearwitness.toml lists a bad backup recipient {key[:20]!r}",
                hint="Each entry under [backup] recipients is an age public key (age1...).",
            ) from None
    return archive.config.backup_recipients


def add_recipient(archive: Archive, recipient: str) -> None:
    """Encrypt every backup from now on to ``recipient`` too (written to bearwitness.toml)."""
    recipient = recipient.strip()
    try:
        parse_recipient(recipient)
    except ArchiveError:
        raise InputError(
            f"{recipient[:20]!r} is not an age public key",
            hint="Give the recipient `age-keygen` printed (it starts with age1).",
        ) from None
    if recipient in archive.config.backup_recipients:
        return
    config = dataclasses.replace(
        archive.config, backup_recipients=(*archive.config.backup_recipients, recipient)
    )
    config.save(archive.folder)
    archive.config = config


def back_up(archive: Archive, to: Path, *, progress: Progress | None = None) -> BackupResult:
    """Write a new snapshot of ``archive`` into the backup folder ``to`` (needs an unlock)."""
    archive.require_secrets()
    recipients = (archive.recipient, *offline_recipients(archive))
    fresh = not to.exists()
    store = BackupFolder.for_writing(to)
    try:
        return _take_snapshot(archive, store, recipients, progress)
    except BaseException:
        if fresh:  # a folder this backup made holds nothing worth keeping without its snapshot
            shutil.rmtree(to, ignore_errors=True)
        raise  # into a folder used before: its new chunks stay, and the next backup reuses them


def _take_snapshot(
    archive: Archive, store: BackupFolder, recipients: tuple[str, ...], progress: Progress | None
) -> BackupResult:
    secrets = archive.require_secrets()
    checkpoints.sign_new_checkpoint(archive)  # the newest state is covered by a signature
    name_key = hmac.digest(
        secrets.subkey(NAME_KEY_PURPOSE), "\n".join(sorted(recipients)).encode(), "sha256"
    )
    writer = ChunkWriter(store, name_key, recipients)
    created = archive.now()
    kept_ids = store.snapshots()
    number = int(kept_ids[-1].split("-", 1)[0]) + 1 if kept_ids else 1
    snapshot = f"{number:06d}-{created.replace('-', '').replace(':', '')}"
    tell = progress or (lambda _phase, _done, _total: None)
    with ExitStack() as stack, ExitStack() as database:
        # The fold's lock first (a fold takes it, then the tiles'): no batch moves from the
        # inbox into the database while both are taken, so each is in one or the other.
        with _fold_lock(archive), _ledger.open_tiles(archive) as log:
            connection = database.enter_context(_database_snapshot(archive))
            staged = stack.enter_context(_inbox_snapshot(archive))
            tile_size = log.size
            # Small files read now, as they are at the snapshot (a `keys rotate` meanwhile
            # must not pair a new keyring with the old database).
            held = {
                relpath: _read_if_there(archive.folder / relpath)
                for relpath in (
                    f"log/{STATE_FILE}",
                    f"log/{CHECKPOINT_FILE}",
                    CONFIG,
                    KEYRING,
                    checkpoints.VKEY_FILE,
                    checkpoints.SIGNER_FILE,
                    odk_keys.KEY_FILE,  # its private half sealed
                    devices.DEVICES_FILE,  # the field devices' token hashes
                    boundaries.FILE,  # the district map the dashboard draws
                )
            }
        log_size = _ledger.log_size(connection)
        kept = [c for c in checkpoints.signed_checkpoints(archive) if c.size <= tile_size]
        checkpoint_size = kept[-1].size if kept else 0
        manifest = StreamWriter(writer)
        manifest.line(
            _json(
                {
                    "kind": "header",
                    "format": FORMAT,
                    "origin": archive.config.origin,
                    "created": created,
                    "log_size": log_size,
                    "tile_size": tile_size,
                    "checkpoint_size": checkpoint_size,
                    "schema": schema_revision(connection),
                    "recipients": list(recipients),
                }
            )
        )
        rows, table_bytes = _back_up_tables(connection, writer, manifest, tell)
        files = _files(archive, connection, tile_size, kept, held)
        files += [(f"inbox/{path.name}", _size(path)) for path in staged]
        sources = {f"inbox/{path.name}": path for path in staged}
        database.close()  # the database snapshot is no longer needed
        total = sum(size for _, size in files)
        done = 0
        for relpath, _ in files:
            stream = StreamWriter(writer)
            data = held.get(relpath)
            if data is not None:
                stream.piece(data)
            else:
                with sources.get(relpath, archive.folder / relpath).open("rb") as handle:
                    while piece := handle.read(FILE_PIECE):
                        stream.piece(piece)
                        done += len(piece)
                        tell("files", done, total)
            names, sha256, size = stream.close()
            manifest.line(
                _json(
                    {
                        "kind": "file",
                        "path": relpath,
                        "size": size,
                        "sha256": sha256,
                        "chunks": names,
                    }
                )
            )
    manifest_names, manifest_sha256, _ = manifest.close()
    note = checkpoints.sign_with_log_key(
        archive,
        (
            f"{NOTE_HEADER}\norigin {archive.config.origin}\nsnapshot {snapshot}\n"
            f"time {created}\nlog {log_size} tiles {tile_size} checkpoint {checkpoint_size}\n"
            f"manifest {manifest_sha256}\n"
        ).encode(),
    )
    body = {
        "format": FORMAT,
        "snapshot": snapshot,
        "note": note.decode(),
        "vkey": checkpoints.log_verifier(archive).vkey(),
        "name_key": base64.b64encode(name_key).decode(),
        "manifest": manifest_names,
    }
    fsync_tree(store.folder / "chunks")
    sealed = pyrage.encrypt(_json(body), [parse_recipient(key) for key in recipients])
    write_file(store.keyring_path(snapshot), held[KEYRING])
    write_file(store.snapshot_path(snapshot), sealed, exclusive=True)  # last: whole or absent
    fsync_tree(store.folder / "snapshots")
    index = _ledger.record_event(
        archive,
        "backup",
        {
            "snapshot": snapshot,
            "manifest_sha256": manifest_sha256,
            "log_size": str(log_size),
            "checkpoint_size": str(checkpoint_size),
        },
    )
    return BackupResult(
        snapshot,
        store.snapshot_path(snapshot),
        len(metadata.sorted_tables),
        rows,
        len(files),
        manifest.size + table_bytes + sum(size for _, size in files),
        writer.new,
        writer.reused,
        writer.written_bytes,
        log_size,
        tile_size,
        checkpoint_size,
        len(recipients) - 1,
        sum(1 for item in inbox.batches(archive) if item.state != "folded"),
        index,
        sum(1 for path in staged if path.name.endswith(inbox.MANIFEST)),
    )


@contextmanager
def _fold_lock(archive: Archive) -> Iterator[None]:
    """The lock a fold holds (``inbox.FOLD_LOCK``): no batch is folded while it is held."""
    with (archive.folder / inbox.FOLD_LOCK).open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@contextmanager
def _inbox_snapshot(archive: Archive) -> Iterator[list[Path]]:
    """Hard links, in ``ARCHIVE/.backup-inbox/``, to every file of every whole batch in the
    inbox now (its manifest written: a batch's files come before its manifest), so that
    a fold after the lock is released cannot take them away before they are read."""
    staging = archive.folder / INBOX_SNAPSHOT
    shutil.rmtree(staging, ignore_errors=True)  # a killed backup's
    staging.mkdir(mode=0o700)
    try:
        names = sorted(
            entry.name
            for entry in os.scandir(archive.inbox)
            if entry.is_file(follow_symlinks=False) and not entry.name.startswith(".")
        )
        whole = {
            name.removesuffix(inbox.MANIFEST) for name in names if name.endswith(inbox.MANIFEST)
        }
        staged = []
        for name in names:
            if name.split(".", 1)[0] not in whole:
                continue  # a batch still being written, or a leftover the next fold sweeps
            try:
                os.link(archive.inbox / name, staging / name)
            except FileNotFoundError:
                continue  # removed meanwhile (a sweep): then not taken
            except OSError:  # a file system without hard links
                shutil.copyfile(archive.inbox / name, staging / name)
            staged.append(staging / name)
        yield staged
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _read_if_there(path: Path) -> bytes:
    return path.read_bytes() if path.is_file() else b""


@contextmanager
def _database_snapshot(archive: Archive) -> Iterator[Connection]:
    """A connection that sees the database as it is now, whatever is written meanwhile."""
    if archive.engine.dialect.name == "sqlite":
        path = archive.folder / SNAPSHOT_FILE
        _remove_snapshot(path)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        try:
            source = archive.engine.raw_connection()
            try:
                target = sqlite3.connect(path)
                try:
                    source.driver_connection.backup(target)  # type: ignore[union-attr]
                finally:
                    target.close()
            finally:
                source.close()
            engine = create_engine(sqlite_url(path))
            try:
                with engine.connect() as connection:
                    yield connection
            finally:
                engine.dispose()
        finally:
            _remove_snapshot(path)
        return
    with archive.engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            connection.execute(text("SELECT 1"))  # the snapshot is taken at the first query
            yield connection


def _remove_snapshot(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def _back_up_tables(
    connection: Connection, writer: ChunkWriter, manifest: StreamWriter, tell: Progress
) -> tuple[int, int]:
    totals = {
        table.name: int(connection.scalar(select(func.count()).select_from(table)) or 0)
        for table in metadata.sorted_tables
    }
    everything, done, size_all = sum(totals.values()), 0, 0
    for table in metadata.sorted_tables:
        stream = StreamWriter(writer)
        binary = [isinstance(column.type, LargeBinary) for column in table.columns]
        count = 0
        result = connection.execution_options(stream_results=True, yield_per=1000).execute(
            select(table).order_by(*table.primary_key.columns)
        )
        for row in result:
            stream.line(
                _json(
                    [
                        _encode(value, is_binary)
                        for value, is_binary in zip(row, binary, strict=True)
                    ]
                )
            )
            count += 1
            done += 1
            if done % 1000 == 0:
                tell("database", done, everything)
        names, sha256, size = stream.close()
        size_all += size
        manifest.line(
            _json(
                {
                    "kind": "table",
                    "name": table.name,
                    "columns": [column.name for column in table.columns],
                    "rows": count,
                    "size": size,
                    "sha256": sha256,
                    "chunks": names,
                }
            )
        )
    tell("database", done, everything)
    return done, size_all


def _files(
    archive: Archive,
    connection: Connection,
    tile_size: int,
    kept: list[Any],
    held: dict[str, bytes],
) -> list[tuple[str, int]]:
    """(path in the archive, size) of every file the snapshot holds."""
    folder = archive.folder
    paths = [path for path, data in held.items() if data and not path.startswith("log/")]
    for item in kept:
        paths.append(item.path.relative_to(folder).as_posix())
        if item.timestamp is not None:
            paths.append(item.timestamp.relative_to(folder).as_posix())
    beyond = set(tile_files_beyond(archive.log_dir, tile_size))
    tiles = archive.log_dir / "tile"
    for path in sorted(tiles.rglob("*")) if tiles.is_dir() else ():
        if path.is_file() and path not in beyond and not path.name.startswith("."):
            paths.append(path.relative_to(folder).as_posix())
    paths += [path for path, data in held.items() if data and path.startswith("log/")]
    releases = folder / RELEASES  # the reports published: later reports are checked against them
    paths += sorted(
        path.relative_to(folder).as_posix()
        for path in (releases.glob("*.json") if releases.is_dir() else ())
        if path.is_file()
    )
    named = sorted(
        set(
            connection.scalars(
                select(record_versions.c.id).where(record_versions.c.kind == "evidence")
            )
        )
    )
    for evidence_id in named:
        if (archive.blobs / f"{evidence_id}.age").is_file():
            paths.append(f"blobs/{evidence_id}.age")
    return [(path, len(held[path]) if path in held else _size(folder / path)) for path in paths]


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _encode(value: Any, binary: bool) -> Any:
    if value is None or not binary:
        return value
    return base64.b64encode(bytes(value)).decode("ascii")


def _json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"


def decode_row(values: list[Any], binary: list[bool]) -> list[Any]:
    return [
        base64.b64decode(value) if is_binary and value is not None else value
        for value, is_binary in zip(values, binary, strict=True)
    ]


def table_by_name() -> dict[str, Table]:
    return {table.name: table for table in metadata.sorted_tables}


def manifest_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
