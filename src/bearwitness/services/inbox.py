"""Taking in data while locked, and folding it into the archive at the next unlock.

A locked process holds only the archive's public recipient. It checks a batch
exactly as an unlocked one would, then seals it to the recipient: the records
as one age file, each evidence file as its own, and writes the batch's
manifest last, so a batch is in the inbox whole or not at all. Folding opens
each batch in arrival order, writes it in one transaction that also marks it
folded, then removes its files: a crash at any point folds it once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from bearwitness.crypto.files import encrypt_file
from bearwitness.crypto.seal import open_with_identity, seal_for_recipient
from bearwitness.errors import ArchiveError, BearWitnessError
from bearwitness.intake.importers import ImportRow
from bearwitness.services.archive import Archive
from bearwitness.services.writing import resolve_rows, write_records
from bearwitness.store.schema import folded_submissions

MANIFEST = ".batch.age"


@dataclass(frozen=True)
class FoldReport:
    folded: int                   # batches written
    records: int                  # records written
    failed: list[tuple[str, str]]  # (batch, reason): left in the inbox, nothing lost


def submit(archive: Archive, rows: Sequence[ImportRow], source: str,
           operation: str = "create") -> str:
    """Check ``rows`` as a whole and seal them into the inbox; returns the batch id.

    ``operation`` (``create`` or ``import``) is what the log will say when it is folded.
    """
    # The checks of an unlocked write, except references to records that may be
    # waiting in the inbox: those are checked when the batch is folded.
    resolve_rows(archive, rows, source, references=False)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    batch = f"{stamp}-{uuid.uuid4().hex}"
    written: list[Path] = []
    try:
        entries = []
        for number, row in enumerate(rows):
            name = None
            if row.file is not None:
                name = f"{batch}.{number}.age"
                encrypt_file(row.file, archive.inbox / name, archive.recipient)
                written.append(archive.inbox / name)
            entries.append({"row": row.row, "data": row.data, "file": name})
        body = json.dumps({"batch": batch, "source": source, "actor": archive.actor,
                           "operation": operation, "rows": entries},
                          ensure_ascii=False).encode()
        manifest = archive.inbox / f"{batch}{MANIFEST}"
        temporary = archive.inbox / f".{batch}.tmp"
        with temporary.open("wb") as handle:
            handle.write(seal_for_recipient(body, archive.recipient))
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(manifest)
        _fsync_directory(archive.inbox)  # the batch is durable before anyone is told so
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return batch


def _fsync_directory(path: Path) -> None:
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def pending(archive: Archive) -> list[Path]:
    return sorted(archive.inbox.glob(f"*{MANIFEST}"))


def fold(archive: Archive) -> FoldReport:
    """Write every waiting batch into the archive (needs an unlock)."""
    identity = archive.require_secrets().identity
    folded = records = 0
    failed: list[tuple[str, str]] = []
    for manifest in pending(archive):
        batch = manifest.name.removesuffix(MANIFEST)
        try:
            body = json.loads(open_with_identity(manifest.read_bytes(), identity,
                                                 what=f"inbox batch {batch}"))
            names = _batch_files(body, batch)
            files = [archive.inbox / name for name in names if name]
            with archive.engine.connect() as connection:
                done = connection.scalar(select(folded_submissions.c.submission_id).where(
                    folded_submissions.c.submission_id.in_([folded_id(batch), batch])))
            if done is None:
                rows = [ImportRow(entry["row"], entry["data"],
                                  archive.inbox / name if name else None)
                        for entry, name in zip(body["rows"], names, strict=True)]
                resolved = resolve_rows(archive, rows, f"inbox batch {batch}")
                sealed_files = {
                    record.id: row.file for row, record in zip(rows, resolved, strict=True)
                    if row.file is not None
                }
                operation = "import" if body.get("operation") == "import" else "create"
                result = write_records(archive, resolved, sealed_files=sealed_files,
                                       operation=operation, batch=folded_id(batch))
                records += result.count
            for path in [*files, manifest]:
                path.unlink(missing_ok=True)
            folded += 1
        except BearWitnessError as error:
            failed.append((batch, error.message))
    return FoldReport(folded, records, failed)


def folded_id(batch: str) -> str:
    """How a folded batch is remembered: a hash of its name, which holds its arrival time."""
    return hashlib.sha256(b"bearwitness/inbox/v1\n" + batch.encode()).hexdigest()


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
    except (KeyError, TypeError, ValueError) as error:
        raise ArchiveError(f"inbox batch {batch} is malformed ({error})",
                           hint="It was not written by BearWitness: remove it.") from None
    for name in names:
        if name is not None and not (isinstance(name, str) and own.fullmatch(name)):
            raise ArchiveError(f"inbox batch {batch} names a file that is not its own",
                               hint="It was not written by BearWitness: remove it; nothing "
                               "outside the inbox was touched.")
    return names

