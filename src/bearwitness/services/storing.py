"""Storing what someone entered or imported: written now when unlocked, sealed into the inbox
when locked, with the same checks both ways.

This is the one place that decides; ``bearwitness add`` and ``import`` and the
workbench's entry forms all call :func:`store`. Both ways first run
:func:`bearwitness.services.writing.resolve_rows` over the whole batch (every
record check and every reference check that needs no key), so a batch refused
unlocked is refused locked too, and nothing is acknowledged that a fold would
refuse. The one difference: locked, a reference to a record that may still be
waiting, sealed, in the inbox is checked when the batches are folded.

New ids are given for good inside the transaction that writes them, in a writer's
turn (:func:`bearwitness.services.writing.number`), so writers at once all succeed
and never draw the same number: rows that must name each other before then use
provisional ids (``P-new-1``, :func:`id_factory`), and the result says which ids
were written.
"""

from __future__ import annotations

import hashlib
import itertools
import mimetypes
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bearwitness.crypto.seal import seal_for_recipient
from bearwitness.domain.records import RECORD_TYPES, provisional_id
from bearwitness.errors import ImportRejected
from bearwitness.intake.importers import ImportRow, read_import, sha256_file
from bearwitness.services import inbox, intake_web
from bearwitness.services.archive import Archive
from bearwitness.services.inbox import Entry
from bearwitness.services.writing import resolve_rows, write_records


@dataclass(frozen=True)
class StoreResult:
    count: int  # records written now or taken into the inbox
    ids: dict[str, list[str]] = field(default_factory=dict)  # kind -> ids, when written now
    batch: str | None = None  # the inbox batch, when sealed for the next unlock

    @property
    def sealed(self) -> bool:
        return self.batch is not None


def store(
    archive: Archive, entries: Sequence[Entry], source: str, operation: str = "create"
) -> StoreResult:
    """Check ``entries`` as a whole, then write them now (unlocked) or seal them into the
    inbox (locked); all or nothing. ``operation`` (``create`` or ``import``) is what the
    log says. A refused row raises :class:`ImportRejected` naming ``source`` and the row.
    """
    entries = [_pinned(entry, source) for entry in entries]
    if archive.locked:
        return StoreResult(
            len(entries), batch=inbox.submit_entries(archive, entries, source, operation)
        )
    return _write_now(archive, entries, source, operation)


def _write_now(
    archive: Archive, entries: Sequence[Entry], source: str, operation: str
) -> StoreResult:
    rows = [ImportRow(entry.row, dict(entry.data)) for entry in entries]
    records = resolve_rows(archive, rows, source)
    files: dict[str, Path] = {}
    sealed: dict[str, Path] = {}
    try:
        for entry, record in zip(entries, records, strict=True):
            if isinstance(entry.content, Path):
                files[record.id] = entry.content
            elif entry.content is not None:
                # Sealed before it touches the disk, then linked into blobs/ like a fold's
                # files; a crash leaves only this sealed copy, which the inbox sweep removes.
                path = archive.inbox / f".upload-{secrets.token_hex(8)}.age"
                path.write_bytes(seal_for_recipient(entry.content, archive.recipient))
                sealed[record.id] = path
        result = write_records(archive, records, files, sealed_files=sealed, operation=operation)
    finally:
        for path in sealed.values():
            path.unlink(missing_ok=True)
    return StoreResult(result.count, result.ids)


def read_entries(
    path: Path, *, default_type: str | None = None, files: Path | None = None
) -> list[Entry]:
    """The rows of an import file (CSV or JSON Lines), each checked alone, ready for
    :func:`store`; a bad row refuses the whole file (``intake/importers.py`` reads it)."""
    return [
        Entry(row.row, row.data, row.file)
        for row in read_import(path, default_type=default_type, files=files)
    ]


def describe_file(path: Path) -> dict[str, Any]:
    """An evidence row's description of a file to attach: its name, guessed media type,
    size and SHA-256 (which the write checks the file against)."""
    return {
        "filename": path.name,
        "media_type": mimetypes.guess_type(path.name)[0] or "application/octet-stream",
        "size": path.stat().st_size,
        "sha256": sha256_file(path),
    }


def id_factory(archive: Archive, locked: bool | None = None) -> Callable[[str], str]:
    """Ids for rows that must name each other (a document and its files, an incident):
    provisional when writing now (the write numbers them; its result has the ids written),
    random while locked, so that two batches in the inbox never clash."""
    if archive.locked if locked is None else locked:
        return lambda kind: intake_web.random_id(RECORD_TYPES[kind].PREFIX)
    counters = {kind: itertools.count(1) for kind in RECORD_TYPES}
    return lambda kind: provisional_id(RECORD_TYPES[kind].PREFIX, next(counters[kind]))


def _pinned(entry: Entry, source: str) -> Entry:
    """An entry whose file is given as bytes names their SHA-256 and size, as an imported
    file's row does: the fold (or the write) checks the file against them."""
    if not isinstance(entry.content, bytes):
        return entry
    digest = hashlib.sha256(entry.content).hexdigest()
    if entry.data.get("sha256") not in (None, "", digest):
        raise ImportRejected(source, entry.row, "the file does not match its sha256")
    return Entry(
        entry.row,
        {**entry.data, "sha256": digest, "size": entry.data.get("size") or len(entry.content)},
        entry.content,
    )
