"""Taking in data while locked, and folding it into the archive at the next unlock.

A locked process holds only the archive's public recipient. It checks a batch
as far as it can without keys, then :func:`write_batch` seals it to the
recipient: each evidence file as its own age file, then the records as the
batch's manifest, written to a temporary file, made durable and renamed last,
so a batch is in the inbox whole or not at all. This is the one writer of the
inbox's format; the CLI, the workbench and the anonymous intake all call it.

Batch names say only the month of arrival and a sequence number (for folding
order), then a random part: ``202612-000003-9f2c…``. The file system's own
timestamps still hold the arrival time until the batch is folded.

Folding (:func:`fold`) opens each batch in arrival order and may be killed at
any instruction and run again:

1. evidence files are hard-linked into ``blobs/`` (the inbox copy stays), and
   the directory is made durable;
2. one transaction writes the records, their versions and log entries, and
   marks the batch folded;
3. only then are the inbox files removed, the manifest last.

A batch found marked folded only has its leftovers removed; a link left in
``blobs/`` by an attempt that never committed is removed before the next
attempt. A batch that fails, for any reason, stays in the inbox with the
reason sealed beside it (``BATCH.stuck.age``), and the others are folded.
``bearwitness inbox`` lists, shows, retries and discards them; a discard is
logged. The same rows from the same source imported twice (an import re-run
after a crash) are folded once: the second is recognised by a keyed hash of
its content, kept only in the database, never a bare hash a seizer could test.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import hmac
import json
import os
import re
import secrets
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from bearwitness.crypto.files import encrypt_file
from bearwitness.crypto.seal import open_with_identity, seal_for_recipient
from bearwitness.errors import ArchiveError, BearWitnessError, InputError, NotFound, Phrase
from bearwitness.intake.importers import ImportRow
from bearwitness.services._ledger import append_entries, sync_log
from bearwitness.services.archive import Archive
from bearwitness.services.writing import fsync_directory, resolve_rows, write_records
from bearwitness.store.schema import folded_submissions
from bearwitness.tlog.entry import LogEntry, canonical_json, commit, format_time

MANIFEST = ".batch.age"
STUCK = ".stuck.age"  # why the last fold of a batch failed, sealed to the archive
# Crash leftovers (temporary files, files of a batch whose manifest never came) older than
# this are removed: no writer takes an hour between its first file and its manifest.
STALE_AFTER_S = 3600
FOLD_LOCK = ".fold.lock"  # beside inbox/, which the intake may write
INBOX_KEY_PURPOSE = "inbox"
NOT_OURS = Phrase("It was not written by BearWitness: discard it.")
_NAME = re.compile(r"(?P<month>\d{6})-(?P<sequence>\d{6,})-[0-9a-f]{16}")
_OLD_NAME = re.compile(r"(?P<month>\d{6})\d\dT\d{12}-[0-9a-f]{32}")  # before names were coarse
_FILE = re.compile(r"(?P<batch>[^.].*)\.\d{1,6}\.age")  # a batch's evidence file


@dataclass(frozen=True)
class Entry:
    """One row of a batch: the record's data and, for evidence, its file."""

    row: int
    data: Mapping[str, Any]
    content: bytes | Path | None = None  # the file's bytes, or a plaintext file to seal


@dataclass(frozen=True)
class FoldReport:
    folded: int  # batches written (or found written already)
    records: int  # records written
    failed: list[tuple[str, str]]  # (batch, reason): left in the inbox, nothing lost
    duplicates: int = 0  # batches the same as one written before: removed


@dataclass(frozen=True)
class BatchInfo:
    """What anyone holding the archive sees of a batch, locked or not."""

    batch: str
    month: str  # of arrival, YYYY-MM ("" if the name does not say)
    files: int  # evidence files
    size: int  # bytes, all files together
    state: str  # waiting, stuck (a fold failed), or folded (leftovers, removed next fold)
    reason: str | None = None  # why it is stuck: only unlocked (it is sealed)


@dataclass(frozen=True)
class BatchDetail:
    batch: str
    source: str
    actor: str
    operation: str
    rows: list[tuple[int, str, str]]  # (row, record type, id or "" for a new one)
    files: int
    reason: str | None


def submit(
    archive: Archive, rows: Sequence[ImportRow], source: str, operation: str = "create"
) -> str:
    """Check ``rows`` as a whole and seal them into the inbox; returns the batch id.

    ``operation`` (``create`` or ``import``) is what the log will say when it is folded.
    """
    return submit_entries(
        archive, [Entry(row.row, row.data, row.file) for row in rows], source, operation
    )


def submit_entries(
    archive: Archive, entries: Sequence[Entry], source: str, operation: str = "create"
) -> str:
    """:func:`submit` for entries whose files may be bytes (the workbench's uploads)."""
    # The checks of an unlocked write, except references to records that may be
    # waiting in the inbox: those are checked when the batch is folded.
    resolve_rows(
        archive,
        [ImportRow(entry.row, dict(entry.data)) for entry in entries],
        source,
        inbox_waiting=bool(pending(archive)),
    )
    sweep(archive.inbox)
    return write_batch(
        archive.inbox,
        archive.recipient,
        entries,
        source=source,
        actor=archive.actor,
        operation=operation,
    )


def write_batch(
    inbox: Path,
    recipient: str,
    entries: Sequence[Entry],
    *,
    source: str,
    actor: str,
    operation: str = "create",
    now: dt.datetime | None = None,
    fsync: bool = True,
    folder_sync: FolderSync | None = None,
) -> str:
    """Seal checked rows and their files into ``inbox`` as one batch; returns its name.

    When this returns (with ``fsync``) the batch is durable: only then may anyone be
    told it was received. If it raises, nothing of the batch is left. ``folder_sync``:
    makes the rename durable together with those of other batches written at once.
    """
    batch = _new_name(inbox, now or dt.datetime.now(dt.UTC))
    written: list[Path] = []
    try:
        rows = []
        for number, entry in enumerate(entries):
            data, name = dict(entry.data), None
            if entry.content is not None:
                name = f"{batch}.{number}.age"
                written.append(inbox / name)
                if isinstance(entry.content, Path):
                    digest = encrypt_file(entry.content, inbox / name, recipient)
                else:
                    digest = hashlib.sha256(entry.content).hexdigest()
                    _write(inbox / name, seal_for_recipient(entry.content, recipient), fsync)
                if data.get("sha256") and data["sha256"] != digest:
                    raise InputError(
                        Phrase("row %(row)s: the file changed while it was read", row=entry.row),
                        hint=Phrase("Take it in again."),
                    )
                # The record always names its file's hash, as an unlocked write makes it.
                data["sha256"] = digest
                data["size"] = data.get("size") or (
                    entry.content.stat().st_size
                    if isinstance(entry.content, Path)
                    else len(entry.content)
                )
            rows.append({"row": entry.row, "data": data, "file": name})
        body = json.dumps(
            {
                "batch": batch,
                "source": source,
                "actor": actor,
                "operation": operation,
                "rows": rows,
            },
            ensure_ascii=False,
        ).encode()
        temporary = inbox / f".{batch}.tmp"
        written.append(temporary)
        _write(temporary, seal_for_recipient(body, recipient), fsync)
        temporary.replace(inbox / f"{batch}{MANIFEST}")
        written.append(inbox / f"{batch}{MANIFEST}")
        if fsync:  # the rename too: a batch is acknowledged only once it is durable
            (folder_sync or FolderSync(inbox)).sync()
    except BaseException:
        # The manifest first: without it, nothing left is a batch. An inbox that is no
        # folder at all must not hide the error that brought us here.
        for path in reversed(written):
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)
        raise
    return batch


class FolderSync:
    """fsync of one folder, shared by the threads that need it at once (a group commit).

    A thread whose rename is done asks for a sync; if one is running, it waits for the
    next one (the running one may have begun before its rename), and one sync made for
    several threads answers them all. With many devices sending at once, each
    submission costs two fsyncs of its own (its files) and a share of one.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._changed = threading.Condition()
        self._asked = self._done = 0  # syncs asked for; the last asked for that is done
        self._running = False

    def sync(self) -> None:
        with self._changed:
            self._asked += 1
            ticket = self._asked
            while self._done < ticket:
                if not self._running:
                    break
                self._changed.wait()
            else:
                return  # a sync begun after this thread asked has made it durable
            self._running, covers = True, self._asked
        done = False
        try:
            fsync_directory(self.folder)
            done = True
        finally:
            with self._changed:
                self._running = False
                if done:
                    self._done = max(self._done, covers)
                self._changed.notify_all()


def _new_name(inbox: Path, moment: dt.datetime) -> str:
    """The month, one more than the highest sequence waiting in that month, a random part.

    Two writers at once may draw the same sequence; they sort by the random part,
    which is fine: only a batch acknowledged before another began must fold first.
    """
    month = moment.astimezone(dt.UTC).strftime("%Y%m")
    highest, prefix = -1, f"{month}-"
    with os.scandir(inbox) as found:
        for item in found:  # string tests first: the inbox may hold many thousand files
            name = item.name
            if (
                name.startswith(prefix)
                and name.endswith(MANIFEST)
                and (match := _NAME.fullmatch(name[: -len(MANIFEST)]))
            ):
                highest = max(highest, int(match["sequence"]))
    return f"{month}-{highest + 1:06d}-{secrets.token_hex(8)}"


def _order(batch: str) -> tuple[str, int, int, str]:
    """Folding order: by month, older-style names first within it, then by sequence."""
    if match := _NAME.fullmatch(batch):
        return (match["month"], 1, int(match["sequence"]), batch)
    if match := _OLD_NAME.fullmatch(batch):
        return (match["month"], 0, 0, batch)
    return ("", 0, 0, batch)


def _write(path: Path, data: bytes, fsync: bool) -> None:
    with path.open("wb") as handle:
        handle.write(data)
        if fsync:
            handle.flush()
            os.fsync(handle.fileno())


def pending(archive: Archive) -> list[Path]:
    """The manifests of every batch in the inbox, in folding order."""
    return sorted(
        archive.inbox.glob(f"*{MANIFEST}"),
        key=lambda path: _order(path.name.removesuffix(MANIFEST)),
    )


def sweep(inbox: Path, *, older_than_s: float = STALE_AFTER_S) -> list[str]:
    """Remove what crashed writers left: temporary files, and files of a batch whose
    manifest never came (or that was folded), once older than ``older_than_s``."""
    limit = time.time() - older_than_s
    manifests = {path.name.removesuffix(MANIFEST) for path in inbox.glob(f"*{MANIFEST}")}
    removed = []
    with os.scandir(inbox) as found:
        for item in found:
            name = item.name
            if name.endswith(MANIFEST) or not item.is_file(follow_symlinks=False):
                continue
            owner = re.sub(r"(\.\d{1,6}\.age|\.stuck\.age)$", "", name)
            leftover = name.startswith(".") and (
                name.endswith(".tmp") or name.startswith(".upload-")
            )
            orphan = owner != name and owner not in manifests
            if (leftover or orphan) and item.stat(follow_symlinks=False).st_mtime < limit:
                Path(item.path).unlink(missing_ok=True)
                removed.append(name)
    return removed


def fold(archive: Archive, *, only: str | None = None) -> FoldReport:
    """Write every waiting batch (or ``only`` that one) into the archive (needs an unlock).

    A batch that fails, whatever the reason, stays in the inbox with the reason
    and the others are still folded.
    """
    archive.require_secrets()
    folded = records = duplicates = 0
    failed: list[tuple[str, str]] = []
    with _folding(archive):
        try:
            sweep(archive.inbox)
            waiting = pending(archive)
        except OSError as error:
            raise ArchiveError(
                Phrase("cannot read the inbox: %(reason)s", reason=error.strerror),
                hint=Phrase("Check that %(folder)s exists and is readable.", folder=archive.inbox),
            ) from None
        # Field (ODK) submissions are written ODK_GROUP at a time, in one transaction.
        group = _OdkGroup(archive)
        for manifest in waiting:
            batch = manifest.name.removesuffix(MANIFEST)
            if only is not None and batch != only:
                continue
            try:
                written, duplicate = _fold_batch(archive, manifest, batch, group)
            except Exception as error:  # whatever it is, one bad batch must not strand the rest
                reason = _reason(error)
                failed.append((batch, reason))
                _note_stuck(archive, batch, reason)
                continue
            if written < 0:  # in the group, written when it is full or at the end
                continue
            folded += 1
            records += written
            duplicates += duplicate
            if group.full:
                group.flush()
        group.flush()
        folded += group.folded
        records += group.records
        failed += group.failed
    return FoldReport(folded, records, failed, duplicates)


ODK_GROUP = 64  # field submissions written in one transaction (each holds its files)
REMOVING_THREADS = 4


class _OdkGroup:
    """Field submissions opened and mapped, waiting to be written together. If the
    write fails, each is written alone, so the one that fails keeps its own reason."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.items: list[tuple[Any, list[Path]]] = []  # odk_fold.Prepared, its inbox files
        self.folded = self.records = 0
        self.failed: list[tuple[str, str]] = []
        self._private: Any = None

    def private_key(self) -> Any:
        """The archive's ODK keys (every rotation's), opened once per fold (opening one
        checks it: ~2 ms)."""
        from bearwitness.services import odk_keys

        if self._private is None:
            self._private = odk_keys.private_keys(self.archive)
        return self._private

    @property
    def full(self) -> bool:
        return len(self.items) >= ODK_GROUP

    def pending(self) -> dict[str, str]:
        from bearwitness.services import odk_fold

        return {odk_fold.instance_mark(item): item.root_mark for item, _ in self.items}

    def flush(self) -> None:
        from bearwitness.services import odk_fold

        items, self.items = self.items, []
        if not items:
            return
        try:
            self.records += odk_fold.write_prepared(self.archive, [item for item, _ in items])
            done = items
        except Exception:
            done = []
            for item, files in items:
                try:
                    self.records += odk_fold.write_prepared(self.archive, [item])
                except Exception as error:
                    reason = _reason(error)
                    self.failed.append((item.batch, reason))
                    _note_stuck(self.archive, item.batch, reason)
                    continue
                done.append((item, files))
        # Removed on several threads (each batch's manifest still last): unlinking a 1 MiB
        # file is the file system's work, which lets go of the GIL.
        with ThreadPoolExecutor(REMOVING_THREADS) as pool:
            list(pool.map(lambda done: _remove(self.archive, done[0].batch, done[1]), done))
        self.folded += len(done)


@contextmanager
def _folding(archive: Archive) -> Iterator[None]:
    """One fold or discard at a time, across processes (the workbench's job and the CLI):
    another would take this one's fresh links in ``blobs/`` for a killed attempt's."""
    with (archive.folder / FOLD_LOCK).open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _fold_batch(
    archive: Archive, manifest: Path, batch: str, group: _OdkGroup | None = None
) -> tuple[int, bool]:
    """Fold one batch; (records written, whether it was a duplicate). A field submission
    goes into ``group`` instead, if one is given: (-1, False)."""
    body = _open_manifest(archive, manifest, batch)
    names = _batch_files(body, batch)
    files = [archive.inbox / name for name in names if name]
    marks = [folded_id(batch)]
    content = _content_id(archive, body)
    if content is not None:
        marks.append(content)
    with archive.engine.connect() as connection:
        done = set(
            connection.scalars(
                select(folded_submissions.c.submission_id).where(
                    folded_submissions.c.submission_id.in_([*marks, batch])
                )
            )
        )
    written = 0
    duplicate = bool(done) and folded_id(batch) not in done and batch not in done
    if not done or duplicate:  # never committed under this name: its links are stale
        _unlink_stale_links(archive, files)
    if not done and body.get("operation") == "odk":  # a field device's (OpenRosa) submission
        from bearwitness.services import odk_fold

        paths = [archive.inbox / name if name else None for name in names]
        if group is None:
            written = odk_fold.fold_batch(archive, body, batch, paths, marks)
        else:
            prepared = odk_fold.prepare_batch(
                archive,
                body,
                batch,
                paths,
                marks,
                pending=group.pending(),
                private=group.private_key,
            )
            if prepared is not None and prepared.edit:
                group.flush()  # the versions it changes are written first
                written = odk_fold.write_prepared(archive, [prepared])
            elif prepared is not None:
                group.items.append((prepared, files))
                return -1, False
    elif not done:
        rows = [
            ImportRow(entry["row"], entry["data"], archive.inbox / name if name else None)
            for entry, name in zip(body["rows"], names, strict=True)
        ]
        resolved = resolve_rows(archive, rows, f"inbox batch {batch}")
        sealed_files = {
            record.id: row.file
            for row, record in zip(rows, resolved, strict=True)
            if row.file is not None
        }
        operation = "import" if body.get("operation") == "import" else "create"
        written = write_records(
            archive, resolved, sealed_files=sealed_files, operation=operation, batch=marks
        ).count
    _remove(archive, batch, files)
    return written, duplicate


def _remove(archive: Archive, batch: str, files: Sequence[Path]) -> None:
    """A batch's inbox files, the manifest last: until it goes, the batch can be resumed."""
    # With the fold's own scratch files (a field submission's media, sealed for blobs/).
    scratch = archive.inbox.glob(f".{batch}.*.tmp")
    for path in [*files, archive.inbox / f"{batch}{STUCK}", *scratch]:
        path.unlink(missing_ok=True)
    (archive.inbox / f"{batch}{MANIFEST}").unlink(missing_ok=True)


def _unlink_stale_links(archive: Archive, files: Sequence[Path]) -> None:
    """Remove links into ``blobs/`` that an attempt killed before its commit left behind.

    They can sit under other ids than this attempt will give (ids are numbered
    again), so they are found by inode. Nothing committed shares one: a committed
    batch's inbox files are removed, never folded again.
    """
    inodes = set()
    for path in files:
        try:
            status = path.stat()
        except FileNotFoundError:  # removed already, or missing: the write will say so
            continue
        if status.st_nlink > 1:
            inodes.add((status.st_dev, status.st_ino))
    if not inodes:
        return
    with os.scandir(archive.blobs) as found:
        for item in found:
            status = item.stat(follow_symlinks=False)
            if (status.st_dev, status.st_ino) in inodes:
                Path(item.path).unlink(missing_ok=True)


def _open_manifest(archive: Archive, manifest: Path, batch: str) -> dict[str, Any]:
    identity = archive.require_secrets().identities
    try:
        body = json.loads(
            open_with_identity(manifest.read_bytes(), identity, what=f"inbox batch {batch}")
        )
    except ValueError:
        raise ArchiveError(
            Phrase("inbox batch %(batch)s is not valid JSON", batch=batch), hint=NOT_OURS
        ) from None
    if not isinstance(body, dict):
        raise ArchiveError(
            Phrase("inbox batch %(batch)s is malformed (not an object)", batch=batch),
            hint=NOT_OURS,
        )
    return body


def _content_id(archive: Archive, body: dict[str, Any]) -> str | None:
    """A keyed hash of what an imported batch says (source, rows), by which an import
    re-run after a crash is recognised; None for other batches (adding the same record
    twice may be meant) and for one that does not pin every file it carries by hash."""
    if body.get("operation") != "import":
        return None
    rows = [
        (entry.get("row"), entry.get("data"))
        for entry in body.get("rows", [])
        if isinstance(entry, dict)
    ]
    if any(
        isinstance(data, dict) and data.get("type") == "evidence" and not data.get("sha256")
        for _, data in rows
    ):
        return None
    text = json.dumps(
        [body.get("source"), body.get("operation", "create"), rows],
        sort_keys=True,
        ensure_ascii=False,
    ).encode()
    key = archive.require_secrets().subkey(INBOX_KEY_PURPOSE)
    return hmac.new(key, b"content\n" + text, hashlib.sha256).hexdigest()


def _reason(error: Exception) -> str:
    if isinstance(error, BearWitnessError):
        return error.message
    if isinstance(error, OSError):
        name = Path(error.filename).name if error.filename else ""
        return f"{error.strerror or type(error).__name__}{f': {name}' if name else ''}"
    return f"unexpected {type(error).__name__}: {str(error)[:200]}"


def _note_stuck(archive: Archive, batch: str, reason: str) -> None:
    """Keep why a batch failed, sealed beside it, for ``inbox list`` and ``inbox show``."""
    if not (archive.inbox / f"{batch}{MANIFEST}").exists():
        return
    temporary = archive.inbox / f".{batch}.stuck.tmp"
    try:
        _write(temporary, seal_for_recipient(reason.encode(), archive.recipient), True)
        temporary.replace(archive.inbox / f"{batch}{STUCK}")
    except OSError:
        temporary.unlink(missing_ok=True)  # the reason is reported anyway; it is not kept


def folded_id(batch: str) -> str:
    """How a folded batch is remembered: a hash of its name, which holds its arrival month."""
    return hashlib.sha256(b"bearwitness/inbox/v1\n" + batch.encode()).hexdigest()


def batches(archive: Archive) -> list[BatchInfo]:
    """Every batch in the inbox, in folding order; works locked (reasons only unlocked)."""
    manifests = pending(archive)
    names = [manifest.name.removesuffix(MANIFEST) for manifest in manifests]
    marks = [mark for name in names for mark in (folded_id(name), name)]
    done: set[str] = set()
    with archive.engine.connect() as connection:
        for start in range(0, len(marks), 500):
            done.update(
                connection.scalars(
                    select(folded_submissions.c.submission_id).where(
                        folded_submissions.c.submission_id.in_(marks[start : start + 500])
                    )
                )
            )
    sizes: dict[str, list[int]] = {}  # batch -> sizes of its evidence files
    with os.scandir(archive.inbox) as found:
        for item in found:
            if match := _FILE.fullmatch(item.name):
                sizes.setdefault(match["batch"], []).append(_size(Path(item.path)))
    listed = []
    for manifest, batch in zip(manifests, names, strict=True):
        state = (
            "folded"
            if {folded_id(batch), batch} & done
            else "stuck"
            if (archive.inbox / f"{batch}{STUCK}").exists()
            else "waiting"
        )
        match = _NAME.fullmatch(batch) or _OLD_NAME.fullmatch(batch)
        month = f"{match['month'][:4]}-{match['month'][4:]}" if match else ""
        files = sizes.get(batch, [])
        listed.append(
            BatchInfo(
                batch,
                month,
                len(files),
                _size(manifest) + sum(files),
                state,
                _stuck_reason(archive, batch) if state == "stuck" else None,
            )
        )
    return listed


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _stuck_reason(archive: Archive, batch: str) -> str | None:
    if archive.locked:
        return None
    try:
        return open_with_identity(
            (archive.inbox / f"{batch}{STUCK}").read_bytes(),
            archive.require_secrets().identities,
            what=f"the note on inbox batch {batch}",
        ).decode()
    except (OSError, BearWitnessError, UnicodeDecodeError):
        return None


def _find(archive: Archive, batch: str) -> Path:
    manifest = archive.inbox / f"{batch}{MANIFEST}"
    if "/" in batch or not manifest.is_file():
        raise NotFound(
            f"no inbox batch {batch}", hint="List the batches with `bearwitness inbox list`."
        )
    return manifest


def show(archive: Archive, batch: str) -> BatchDetail:
    """What a batch holds: its rows' types and ids, never their content (needs an unlock)."""
    manifest = _find(archive, batch)
    body = _open_manifest(archive, manifest, batch)
    names = _batch_files(body, batch)
    rows = [
        (
            int(entry.get("row", 0)),
            str(entry["data"].get("type", "")),
            str(entry["data"].get("id") or ""),
        )
        for entry in body["rows"]
    ]
    return BatchDetail(
        batch,
        str(body.get("source", "")),
        str(body.get("actor", "")),
        str(body.get("operation", "create")),
        rows,
        sum(1 for name in names if name),
        _stuck_reason(archive, batch),
    )


def retry(archive: Archive, batch: str) -> FoldReport:
    """Fold one batch now, after what kept it back was fixed (needs an unlock)."""
    _find(archive, batch)
    return fold(archive, only=batch)


def discard(archive: Archive, batch: str, reason: str) -> int:
    """Remove a batch for good, logged with the actor and the reason; the log index.

    The log entry and the mark that the batch is done commit together, so a crash
    before its files are gone only leaves leftovers for the next fold to remove.
    """
    reason = reason.strip()
    if not reason or len(reason) > 500:
        raise InputError(
            "a discard needs a reason of 1 to 500 characters",
            hint='Say why, e.g. --reason "duplicate of an earlier batch".',
        )
    key = archive.require_secrets().subkey(INBOX_KEY_PURPOSE)
    with _folding(archive):
        return _discard(archive, batch, reason, key)


def _discard(archive: Archive, batch: str, reason: str, key: bytes) -> int:
    manifest = _find(archive, batch)
    try:  # a batch that cannot be opened (forged, damaged) can be discarded too
        body = _open_manifest(archive, manifest, batch)
        rows = len(body.get("rows", []))
        files = [archive.inbox / name for name in _batch_files(body, batch) if name]
    except BearWitnessError:
        rows, files = -1, []
    mark = folded_id(batch)
    with archive.engine.connect() as connection:
        if (
            connection.scalar(
                select(folded_submissions.c.submission_id).where(
                    folded_submissions.c.submission_id == mark
                )
            )
            is not None
        ):
            raise InputError(
                f"inbox batch {batch} was written in already",
                hint=f"`bearwitness inbox retry ARCHIVE {batch}` removes what is left of it.",
            )
    # Salted with a keyed hash of the batch: recomputable by whoever unlocks, so the
    # reason can be checked against the log, but not guessed from the published log.
    salt = hmac.new(key, b"discard\n" + mark.encode(), hashlib.sha256).digest()
    detail = canonical_json({"batch": mark, "event": "discard", "reason": reason, "rows": rows})
    entry = LogEntry(
        kind="discard",
        record_type="inbox_batch",
        record_id=mark,
        version=0,
        commitment=commit(salt, detail),
        actor=archive.actor,
        time=format_time(archive.clock()),
    )
    with archive.engine.begin() as connection:
        index = append_entries(connection, [entry])
        connection.execute(
            insert(folded_submissions).values(submission_id=mark, folded_at=archive.now())
        )
    sync_log(archive)
    _unlink_stale_links(archive, files)
    _remove(archive, batch, files)
    return index


def _batch_files(body: object, batch: str) -> list[str | None]:
    """The file names a batch's manifest lists, each checked to be the batch's own.

    Anyone with the public key can seal a manifest (that is what intake is), so
    nothing in one is trusted: a name like ``../keyring.json`` must never be
    opened, moved or deleted.
    """
    own = re.compile(re.escape(batch) + r"\.\d{1,6}\.age")
    try:
        if not isinstance(body, dict) or body.get("batch") != batch:
            raise ValueError("it names another batch")
        names = [entry["file"] for entry in body["rows"]]
        if not all(isinstance(entry["data"], dict) for entry in body["rows"]):
            raise ValueError("a row is not an object")
    except (KeyError, TypeError, ValueError) as error:
        raise ArchiveError(
            Phrase("inbox batch %(batch)s is malformed (%(error)s)", batch=batch, error=error),
            hint=NOT_OURS,
        ) from None
    for name in names:
        if name is not None and not (isinstance(name, str) and own.fullmatch(name)):
            raise ArchiveError(
                Phrase("inbox batch %(batch)s names a file that is not its own", batch=batch),
                hint=Phrase(
                    "It was not written by BearWitness: discard it; nothing "
                    "outside the inbox was touched."
                ),
            )
    return names
