"""Storing what someone entered or imported: written now when unlocked, sealed into the inbox
when locked, with the same checks both ways.

This is the one place that decides; ``bearwitness add`` and ``import`` and the
workbench's entry forms all call :func:`store`. Both ways first run
:func:`bearwitness.services.writing.resolve_rows` over the whole batch (every
record check and every reference check that needs no key), so a batch refused
unlocked is refused locked too, and nothing is acknowledged that a fold would
refuse. The one difference: locked, a reference to a record that may still be
waiting, sealed, in the inbox is checked when the batches are folded.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bearwitness.crypto.seal import seal_for_recipient
from bearwitness.errors import ImportRejected
from bearwitness.intake.importers import ImportRow
from bearwitness.services import inbox
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


def store(archive: Archive, entries: Sequence[Entry], source: str,
          operation: str = "create") -> StoreResult:
    """Check ``entries`` as a whole, then write them now (unlocked) or seal them into the
    inbox (locked); all or nothing. ``operation`` (``create`` or ``import``) is what the
    log says. A refused row raises :class:`ImportRejected` naming ``source`` and the row.
    """
    entries = [_pinned(entry, source) for entry in entries]
    if archive.locked:
        return StoreResult(len(entries), batch=inbox.submit_entries(
            archive, entries, source, operation))
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
        result = write_records(archive, records, files, sealed_files=sealed,
                               operation=operation)
    finally:
        for path in sealed.values():
            path.unlink(missing_ok=True)
    return StoreResult(result.count, result.ids)


def _pinned(entry: Entry, source: str) -> Entry:
    """An entry whose file is given as bytes names their SHA-256 and size, as an imported
    file's row does: the fold (or the write) checks the file against them."""
    if not isinstance(entry.content, bytes):
        return entry
    digest = hashlib.sha256(entry.content).hexdigest()
    if entry.data.get("sha256") not in (None, "", digest):
        raise ImportRejected(source, entry.row, "the file does not match its sha256")
    return Entry(entry.row, {**entry.data, "sha256": digest,
                             "size": entry.data.get("size") or len(entry.content)},
                 entry.content)
