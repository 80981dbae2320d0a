"""Checking a backup, and restoring one into a new archive that is verified before use.

:func:`verify_backup` reads and authenticates every chunk of every snapshot (or
one), like ``restic check --read-data``, and names each chunk that fails.

:func:`restore` writes a snapshot into a new folder (and a new SQLite file, or an
empty PostgreSQL database), then checks it as `bearwitness verify` does, pinned
to the key that signed the snapshot: the tree recomputed from the entries
matches the signed checkpoint, it is consistent with every checkpoint given
(``against``: kept by a partner), every record row and version matches the log,
every evidence file is read back and checked, and no file is left without its
record nor a record without its file. A checkpoint given that is newer than the
backup's means the backup would roll the archive back: refused unless
``allow_rollback``, and then logged. Only then is it logged, in the restored
archive, as restored from that snapshot at that checkpoint. If anything fails,
what was written is removed again.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, LargeBinary, func, insert, select, text, update

from bearwitness.crypto.keyring import Keyring
from bearwitness.crypto.keys import ArchiveSecrets, parse_identities
from bearwitness.errors import (
    ArchiveError,
    BackupDamaged,
    BackupError,
    BearWitnessError,
    InputError,
    RollbackRefused,
    VerificationError,
)
from bearwitness.services import _ledger
from bearwitness.services._backup_store import (
    BackupFolder,
    ChunkProblem,
    ChunkReader,
    chunk_relpath,
)
from bearwitness.services.archive import (
    CONFIG,
    DEFAULT_DATABASE,
    Archive,
    ArchiveConfig,
    _make_folder,
    _unmake_folder,
)
from bearwitness.services.backup import FORMAT, NOTE_HEADER, Progress, decode_row, table_by_name
from bearwitness.services.verification import verify_archive
from bearwitness.store.database import connect, migrate, schema_head
from bearwitness.store.schema import metadata
from bearwitness.tlog.checkpoint import open_checkpoint
from bearwitness.tlog.note import NoteVerifier, parse_verifier_key, verify_note

INSERT_BATCH = 500
UNFINISHED = ".restore-unfinished"  # in NEWDIR while a restore writes it; gone once restored


@dataclass(frozen=True, repr=False)
class BackupKeys:
    """What opens a backup: the archive's keys (from its keyring) or an offline identity."""

    identities: tuple[str, ...]
    secrets: ArchiveSecrets | None = None  # the archive's own keys: contents can be opened

    def __repr__(self) -> str:
        return "BackupKeys(<secrets hidden>)"


def snapshots(folder: Path) -> list[str]:
    """The snapshot ids in a backup folder, oldest first."""
    return BackupFolder.for_reading(folder).snapshots()


def unlock_methods(folder: Path, snapshot: str | None = None) -> tuple[tuple[str, ...], int]:
    """How the snapshot's keyring unlocks: its slot kinds, and shares needed (0: none)."""
    keyring = _keyring(folder, snapshot)
    threshold = keyring.custodian_threshold
    return keyring.slot_kinds, (threshold[1] if threshold else 0)


def keys_from_passphrase(folder: Path, snapshot: str | None, passphrase: str) -> BackupKeys:
    secrets = _keyring(folder, snapshot).unlock_with_passphrase(passphrase)
    return BackupKeys(secrets.identities, secrets)


def keys_from_shares(folder: Path, snapshot: str | None, shares: Sequence[str]) -> BackupKeys:
    secrets = _keyring(folder, snapshot).unlock_with_shares(shares)
    return BackupKeys(secrets.identities, secrets)


def keys_from_identity_file(path: Path) -> BackupKeys:
    """An age identity file (``age-keygen`` output): an offline recipient's own key."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read the identity file {path}: {error}") from None
    found = tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))
    try:
        parse_identities(list(found))
    except ArchiveError:
        found = ()
    if not found:
        raise InputError(
            f"{path} holds no age identity",
            hint="Give the file `age-keygen -o FILE` wrote (a line AGE-SECRET-KEY-1...).",
        )
    return BackupKeys(found)


def _keyring(folder: Path, snapshot: str | None) -> Keyring:
    store = BackupFolder.for_reading(folder)
    path = store.keyring_path(store.snapshot_id(snapshot))
    try:
        return Keyring.from_json(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        raise BackupError(
            f"{path.relative_to(folder)} is missing or unreadable",
            hint="Unlock with an offline recipient's identity instead (--identity FILE).",
        ) from None


# --- opening a snapshot ---------------------------------------------------------------------


@dataclass
class Snapshot:
    id: str
    note: bytes
    key: NoteVerifier
    header: dict[str, Any]
    reader: ChunkReader
    manifest: list[str]
    fields: dict[str, str]

    @property
    def checkpoint_size(self) -> int:
        return int(self.header["checkpoint_size"])

    def items(self) -> Iterator[dict[str, Any]]:
        """The manifest's tables and files, read again chunk by chunk (its hash was checked)."""
        for name in self.manifest:
            for line in self.reader.read(name).splitlines():
                item = json.loads(line)
                if item.get("kind") != "header":
                    yield item

    def stream(self, item: dict[str, Any]) -> Iterator[bytes]:
        """A table's or file's chunks' plaintext, in order; checks its size and SHA-256."""
        digest, size = hashlib.sha256(), 0
        for name in item["chunks"]:
            try:
                data = self.reader.read(name)
            except ChunkProblem as problem:
                raise BackupDamaged([f"{problem.message} ({_what(item)})"]) from None
            digest.update(data)
            size += len(data)
            yield data
        if digest.hexdigest() != item["sha256"] or size != item["size"]:
            raise BackupDamaged([f"{_what(item)} does not match the manifest"])


def _what(item: dict[str, Any]) -> str:
    return f"table {item['name']}" if item["kind"] == "table" else str(item["path"])


def open_snapshot(
    store: BackupFolder, snapshot: str, keys: BackupKeys, log_key: str | None = None
) -> Snapshot:
    """Decrypt a snapshot, check its signed note and its manifest's hash.

    The note is checked with the log key the snapshot carries, which whoever can write
    the backup folder and knows the archive's public key could have chosen; ``log_key``
    (a vkey obtained elsewhere) pins it.
    """
    pinned = _pin(log_key)
    reader = ChunkReader(store, keys.identities)
    path = store.snapshot_path(snapshot)
    try:
        body = json.loads(reader.open(path, None))
        note = body["note"].encode()
        key = parse_verifier_key(body["vkey"])
        name_key = base64.b64decode(body["name_key"], validate=True)
        manifest = [str(name) for name in body["manifest"]]
        if body.get("format") != FORMAT or body.get("snapshot") != snapshot:
            raise ValueError("another snapshot's or format's file")
    except ChunkProblem as problem:
        if "not encrypted to the keys given" in problem.message:
            raise BackupError(
                f"snapshot {snapshot} cannot be opened with the keys given",
                hint="Give the archive's passphrase or shares as they were at that backup, "
                "or an offline recipient's identity (--identity FILE).",
            ) from None
        raise BackupDamaged([problem.message]) from None
    except (ValueError, KeyError, TypeError, BearWitnessError) as error:
        raise BackupDamaged([f"snapshots/{snapshot}.age is not a snapshot ({error})"]) from None
    if pinned is not None and pinned.vkey() != key.vkey():
        raise BackupDamaged(
            [
                f"snapshots/{snapshot}.age is signed by {key.name}+{key.key_id.hex()}, not by "
                "the log key pinned: it is another archive's, or forged"
            ]
        )
    try:
        text, _ = verify_note(note, [key])
    except VerificationError as error:
        raise BackupDamaged([f"snapshots/{snapshot}.age: its note {error.message}"]) from None
    lines = text.text.decode().splitlines()
    fields = dict(line.split(" ", 1) for line in lines[1:] if " " in line)
    if lines[0] != NOTE_HEADER or fields.get("snapshot") != snapshot:
        raise BackupDamaged([f"snapshots/{snapshot}.age: its signed note is not for it"])
    reader.name_key = name_key
    digest = hashlib.sha256()
    header: dict[str, Any] = {}
    problems = []
    for name in manifest:
        try:
            data = reader.read(name)
        except ChunkProblem as problem:
            problems.append(f"{problem.message} (the manifest of snapshot {snapshot})")
            continue
        digest.update(data)
        if not header:
            header = json.loads(data.split(b"\n", 1)[0])
    if problems:
        raise BackupDamaged(problems)
    if digest.hexdigest() != fields.get("manifest"):
        raise BackupDamaged([f"snapshot {snapshot}: its manifest differs from the signed hash"])
    return Snapshot(snapshot, note, key, header, reader, manifest, fields)


def _pin(log_key: str | None) -> NoteVerifier | None:
    if log_key is None:
        return None
    try:
        return parse_verifier_key(log_key)
    except InputError as error:
        raise InputError(f"the log key to pin: {error.message}", hint=error.hint) from None


# --- verify ------------------------------------------------------------------------------------


@dataclass
class BackupCheck:
    snapshots: list[str] = field(default_factory=list)
    chunks_checked: int = 0
    bytes_checked: int = 0
    unused_chunks: int = 0  # in chunks/ but in no snapshot checked
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_backup(
    folder: Path,
    keys: BackupKeys,
    *,
    snapshot: str | None = None,
    log_key: str | None = None,
    progress: Progress | None = None,
) -> BackupCheck:
    """Read and authenticate every chunk of every snapshot (or of ``snapshot``)."""
    store = BackupFolder.for_reading(folder)
    chosen = [store.snapshot_id(snapshot)] if snapshot else store.snapshots()
    if not chosen:
        raise BackupError(f"{folder} holds no snapshot", hint="Back up into it first.")
    check = BackupCheck()
    good: set[str] = set()
    bad: dict[str, str] = {}
    tell = progress or (lambda _phase, _done, _total: None)
    for number, snapshot_id in enumerate(chosen, start=1):
        tell("snapshots", number - 1, len(chosen))
        try:
            opened = open_snapshot(store, snapshot_id, keys, log_key)
        except BackupDamaged as error:
            check.problems += error.problems
            continue
        check.snapshots.append(snapshot_id)
        good.update(opened.manifest)
        for item in opened.items():
            whole, digest, size = True, hashlib.sha256(), 0
            for name in item["chunks"]:
                if name in good:  # read and authenticated already, for another item or snapshot
                    whole = False
                    continue
                if name in bad:
                    check.problems.append(f"{bad[name]} ({_what(item)}, snapshot {snapshot_id})")
                    whole = False
                    continue
                try:
                    data = opened.reader.read(name)
                except ChunkProblem as problem:
                    bad[name] = problem.message
                    check.problems.append(
                        f"{problem.message} ({_what(item)}, snapshot {snapshot_id})"
                    )
                    whole = False
                    continue
                good.add(name)
                check.chunks_checked += 1
                check.bytes_checked += len(data)
                digest.update(data)
                size += len(data)
            # Every chunk read just now: the whole against the manifest too (each chunk is
            # authenticated by its name either way; this catches a manifest's own mistake).
            if whole and (digest.hexdigest() != item["sha256"] or size != item["size"]):
                check.problems.append(
                    f"{_what(item)} does not match the manifest (snapshot {snapshot_id})"
                )
    check.unused_chunks = len(store.chunk_names() - good - set(bad))
    tell("snapshots", len(chosen), len(chosen))
    return check


# --- restore ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RestoreResult:
    folder: Path
    snapshot: str
    checkpoint_size: int
    rows: int
    files: int
    versions_checked: int
    files_checked: int
    against_sizes: tuple[int, ...]
    rolled_back_past: tuple[int, ...]  # sizes of newer checkpoints given, with allow_rollback
    unlocked: bool
    log_index: int


def restore(
    folder: Path,
    to: Path,
    keys: BackupKeys,
    *,
    snapshot: str | None = None,
    database_url: str | None = None,
    against: Sequence[bytes] = (),
    allow_rollback: bool = False,
    log_key: str | None = None,
    progress: Progress | None = None,
) -> RestoreResult:
    """Restore ``snapshot`` (default: the newest) into the new folder ``to``; see the module.
    ``log_key`` pins the key the snapshot must be signed with (see :func:`open_snapshot`)."""
    store = BackupFolder.for_reading(folder)
    opened = open_snapshot(store, store.snapshot_id(snapshot), keys, log_key)
    if opened.header.get("schema") != schema_head():
        raise BackupError(
            f"snapshot {opened.id} was made by a BearWitness with database schema "
            f"{opened.header.get('schema')!r}; this one has {schema_head()!r}",
            hint="Restore with the BearWitness version that made the backup, then upgrade.",
        )
    consistent, newer = _judge_against(opened, against)
    if newer and not allow_rollback:
        raise RollbackRefused(
            f"snapshot {opened.id} is at checkpoint {opened.checkpoint_size}, older than the "
            f"checkpoint of size {max(newer)} kept elsewhere: restoring it would roll the "
            "archive back and lose what was logged since",
            hint="Restore a newer backup. If none exists, restore this one with "
            "--allow-rollback: the restore is then logged as a rollback.",
        )
    url = database_url or DEFAULT_DATABASE
    _clear_unfinished(to, url)
    Archive.check_new(to, url)
    made = _make_folder(to)
    engine: Engine | None = None
    try:
        to.chmod(0o700)
        # First, so that a restore killed from here on is known as one, and the same
        # command run again starts it afresh (it needs no manual clean-up).
        _write_durably(to / UNFINISHED, json.dumps({"database": url}).encode())
        files, config = _restore_files(opened, to, progress)
        ArchiveConfig.write(
            to,
            url,
            config.origin,
            witnesses=config.witnesses,
            quorum=config.quorum,
            timestamp_url=config.timestamp_url,
            tsa_roots=config.tsa_roots,
            backup_recipients=config.backup_recipients,
        )
        engine = connect(ArchiveConfig.read(to).database_url, settings=to / CONFIG)
        migrate(engine)
        rows = _restore_tables(opened, engine, progress)
        engine.dispose()
        with Archive.open(to, secrets=keys.secrets) as archive:
            report = verify_archive(archive, against=consistent, pinned=opened.key)
            problems = list(report.problems)
            if report.checkpoint_size != opened.checkpoint_size:
                problems.append(
                    f"the log verified at size {report.checkpoint_size}, not at the "
                    f"snapshot's checkpoint {opened.checkpoint_size}"
                )
            problems += [f"blobs/{name} belongs to no record" for name in report.leftover_files]
            if problems:
                raise VerificationError(
                    f"the restored archive does not verify: {'; '.join(problems[:5])}",
                    hint="Nothing was kept. Run `bearwitness backup verify` on this backup, "
                    "and restore another copy.",
                )
            detail = {
                "snapshot": opened.id,
                "checkpoint_size": str(opened.checkpoint_size),
                "manifest_sha256": opened.fields.get("manifest", ""),
            }
            if newer:
                detail["rollback_past"] = ",".join(str(size) for size in sorted(newer))
            index = _ledger.record_event(archive, "restore", detail)
        (to / UNFINISHED).unlink()  # last: now it is a restored archive
    except BaseException:
        if engine is not None:
            _drop_tables(engine)
        _unmake_folder(to, made, None)
        raise
    return RestoreResult(
        to,
        opened.id,
        opened.checkpoint_size,
        rows,
        files,
        report.versions_checked,
        report.files_checked,
        report.older_sizes,
        tuple(sorted(newer)),
        keys.secrets is not None,
        index,
    )


def unfinished(folder: Path) -> bool:
    """Whether ``folder`` holds a restore that was killed before it finished."""
    return (folder / UNFINISHED).is_file()


def _clear_unfinished(to: Path, url: str) -> None:
    """Remove what a killed restore into ``to`` left (its folder's content, and its tables in
    a database outside it), so that the same command run again can restore afresh."""
    if not unfinished(to):
        return
    try:
        left = json.loads((to / UNFINISHED).read_text(encoding="utf-8"))["database"]
    except (OSError, ValueError, KeyError, TypeError):
        left = DEFAULT_DATABASE  # killed while writing the note: nothing outside was touched
    if left != url:
        raise ArchiveError(
            f"{to} holds a restore killed before it finished, into another database",
            hint=f"Run the restore again with the same --database, or remove {to}.",
        )
    if url != DEFAULT_DATABASE:
        _drop_tables(connect(url))
    _unmake_folder(to, None, None)


def _write_durably(path: Path, data: bytes) -> None:
    with path.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def _judge_against(opened: Snapshot, against: Sequence[bytes]) -> tuple[list[bytes], list[int]]:
    """Split the checkpoints given into those to check consistency with, and newer ones."""
    consistent, newer = [], []
    for number, note in enumerate(against, start=1):
        try:
            size = open_checkpoint(note, opened.key).checkpoint.size
        except VerificationError as error:
            raise VerificationError(
                f"checkpoint {number} given: {error.message}",
                hint="Give checkpoints of this archive's log (e.g. `log export-checkpoint`).",
            ) from None
        if size > opened.checkpoint_size:
            newer.append(size)
        else:
            consistent.append(note)
    return consistent, newer


def _restore_files(
    opened: Snapshot, to: Path, progress: Progress | None
) -> tuple[int, ArchiveConfig]:
    count, config_text = 0, b""
    for item in opened.items():
        if item["kind"] != "file":
            continue
        relpath = Path(item["path"])
        if relpath.is_absolute() or ".." in relpath.parts:
            raise BackupDamaged([f"the manifest names a path outside the archive: {relpath}"])
        target = to / relpath
        for parent in reversed(relpath.parents[:-1]):
            (to / parent).mkdir(mode=0o700, exist_ok=True)
        with target.open("wb") as handle:
            for data in opened.stream(item):
                handle.write(data)
                if relpath.as_posix() == CONFIG:
                    config_text += data
        count += 1
        if progress is not None:
            progress("files", count, 0)
    for sub in ("blobs", "inbox", "log"):
        (to / sub).mkdir(mode=0o700, exist_ok=True)
    if not config_text:
        raise BackupDamaged([f"snapshot {opened.id} holds no {CONFIG}"])
    return count, ArchiveConfig.read(to)


def _restore_tables(opened: Snapshot, engine: Engine, progress: Progress | None) -> int:
    tables = table_by_name()
    done = 0
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA defer_foreign_keys=ON")
        for item in opened.items():
            if item["kind"] != "table":
                continue
            table = tables.get(item["name"])
            if table is None or item["columns"] != [column.name for column in table.columns]:
                raise BackupError(f"table {item['name']} of the backup is not this version's")
            binary = [isinstance(column.type, LargeBinary) for column in table.columns]
            names = [column.name for column in table.columns]
            # A column naming a row of its own table (an event's parent): set after all rows.
            own = [
                column.name
                for column in table.columns
                if any(key.column.table is table for key in column.foreign_keys)
            ]
            later: list[dict[str, Any]] = []
            batch: list[dict[str, Any]] = []
            for data in opened.stream(item):
                for line in data.splitlines():
                    row = dict(zip(names, decode_row(json.loads(line), binary), strict=True))
                    if own and any(row[name] is not None for name in own):
                        later.append(
                            {
                                **{f"k_{c.name}": row[c.name] for c in table.primary_key.columns},
                                **{name: row[name] for name in own},
                            }
                        )
                        row.update({name: None for name in own})
                    batch.append(row)
                    if len(batch) == INSERT_BATCH:
                        connection.execute(insert(table), batch)
                        done += len(batch)
                        batch = []
                        if progress is not None:
                            progress("database", done, 0)
            if batch:
                connection.execute(insert(table), batch)
                done += len(batch)
            for values in later:
                keys = table.primary_key.columns
                connection.execute(
                    update(table)
                    .where(*(c == values[f"k_{c.name}"] for c in keys))
                    .values({name: values[name] for name in own})
                )
            column = table.autoincrement_column
            if engine.dialect.name == "postgresql" and column is not None:
                # The serial goes on after the restored rows' largest value.
                sequence = func.pg_get_serial_sequence(table.name, column.name)
                after = func.coalesce(func.max(column), 0) + 1
                connection.execute(select(func.setval(sequence, after, False)))
    return done


def _drop_tables(engine: Engine) -> None:
    """Leave the database as empty as it was given (a restore that failed)."""
    try:
        with contextlib.suppress(Exception):  # the restore's own error is the one to show
            metadata.drop_all(engine)
            with engine.begin() as connection:
                connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    finally:
        engine.dispose()


__all__ = [
    "BackupCheck",
    "BackupKeys",
    "RestoreResult",
    "chunk_relpath",
    "keys_from_identity_file",
    "keys_from_passphrase",
    "keys_from_shares",
    "restore",
    "snapshots",
    "unlock_methods",
    "verify_backup",
]
