"""Exporting everything an archive holds, opened, for a legal team or a migration.

This is the one place where plaintext is written on purpose, to a folder the
user names, for a purpose that consent must cover (``services/consent.py``). The
layout round-trips: ``records.jsonl`` imports into a new archive.

    OUT/records.jsonl    every current record, one JSON object per line, with its type
    OUT/history.jsonl    every version of every record, with its commitment
    OUT/files/           evidence files, opened, named by evidence id
    OUT/manifest.json    purpose, counts, the SHA-256 of every file, and who was left
                         out (by id) because their consent does not cover the purpose
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from bearwitness.crypto.files import PlaintextChunks, decrypt_file
from bearwitness.crypto.files import export_identity as _write_identity
from bearwitness.domain.records import Document, Evidence, Record
from bearwitness.errors import InputError, Phrase
from bearwitness.services import _ledger, audit
from bearwitness.services._sealing import open_record, open_version
from bearwitness.services.archive import Archive
from bearwitness.services.consent import Refusal, check_purpose, policy, subjects_of
from bearwitness.services.writing import ORDER
from bearwitness.store import rows as store


@dataclass(frozen=True)
class ExportSummary:
    records: int
    versions: int
    files: int
    folder: Path
    purpose: str = "internal_casework"
    left_out: tuple[Refusal, ...] = ()  # subjects whose consent does not cover the purpose


class _Folder:
    """Where :func:`export` writes: a folder the user named (the command line)."""

    def __init__(self, out: Path) -> None:
        self.out = out
        (out / "files").mkdir(parents=True, exist_ok=True)

    @contextlib.contextmanager
    def text(self, name: str) -> Iterator[IO[str]]:
        with (self.out / name).open("w", encoding="utf-8") as lines:
            yield lines

    def evidence(
        self, name: str, blob: Path, identities: Sequence[str], sha256: str, what: str
    ) -> None:
        decrypt_file(blob, self.out / name, identities, expected_sha256=sha256, what=what)


class _Zip:
    """Where :func:`export_zip` writes: a ZIP file in memory, nothing on disk."""

    def __init__(self, bundle: zipfile.ZipFile, buffer: io.BytesIO) -> None:
        self.bundle, self.buffer = bundle, buffer

    @contextlib.contextmanager
    def text(self, name: str) -> Iterator[IO[str]]:
        with (
            self.bundle.open(name, "w") as member,
            io.TextIOWrapper(member, encoding="utf-8") as lines,
        ):
            yield lines
        self._check_size()

    def evidence(
        self, name: str, blob: Path, identities: Sequence[str], sha256: str, what: str
    ) -> None:
        # The last chunk comes only once the file authenticated and its hash matched.
        chunks = PlaintextChunks(blob, identities, expected_sha256=sha256, what=what)
        with contextlib.closing(chunks), self.bundle.open(name, "w") as member:
            for chunk in chunks:
                member.write(chunk)
                self._check_size()

    def _check_size(self) -> None:
        if self.buffer.tell() > MAX_ZIP_BYTES:
            raise InputError(
                Phrase("the export is larger than 1 GB"),
                hint=Phrase("Export it with the command line (bearwitness export)."),
            )


def export(
    archive: Archive,
    out: Path,
    progress: Callable[[int], None] | None = None,
    *,
    purpose: str = "internal_casework",
    partner: str = "",
) -> ExportSummary:
    """Write every record, version and evidence file, opened, for ``purpose``.

    Consent decides (``services/consent.py``): a record that falls under a subject whose
    consent does not cover the purpose is written with its clear fields only (so that
    what refers to it still imports), its history and files are left out, and the
    manifest names the subject and why.
    """
    archive.require_secrets()
    check_purpose(purpose)
    if out.exists() and any(out.iterdir()):
        raise InputError(
            Phrase("%(folder)s is not empty", folder=out),
            hint=Phrase("Export into a new, empty folder."),
        )
    return _write_export(archive, _Folder(out), out, progress, purpose, partner)


def _write_export(
    archive: Archive,
    sink: _Folder | _Zip,
    folder: Path,
    progress: Callable[[int], None] | None,
    purpose: str,
    partner: str,
) -> ExportSummary:
    secrets = archive.require_secrets()
    rules = policy(archive)
    manifest: dict[str, Any] = {"format": "bearwitness-export/1", "purpose": purpose, "files": {}}
    records = versions = files = 0
    refused: dict[str, Refusal] = {}
    withheld: set[str] = set()  # ids written with their clear fields only

    def falls_under_refused(record: Record) -> bool:
        subjects = subjects_of(record)
        if isinstance(record, Document | Evidence):
            parent = record.source_id if isinstance(record, Document) else record.document_id
            return parent in withheld
        for subject in subjects:
            if subject not in refused:
                found = rules.refusal(subject, purpose, partner=partner)
                if found is None:
                    continue
                refused[subject] = found
            return True
        return False

    with archive.engine.connect() as connection, sink.text("records.jsonl") as lines:
        for kind in ORDER:
            for stored in store.query_records(connection, kind, include_deleted=True):
                record = open_record(archive.sealer, stored, stored.clear["id"])
                if falls_under_refused(record):
                    withheld.add(record.id)
                    clear = set(record.clear_fields())
                    record = type(record).from_dict(
                        {k: v for k, v in record.to_dict().items() if k in clear}
                    )
                line = {"type": kind, **record.to_dict()}
                if stored.deleted:
                    line["deleted"] = True
                elif isinstance(record, Evidence) and record.id not in withheld:
                    line["file"] = f"files/{record.id}"  # so that it is imported with it
                lines.write(json.dumps(line, ensure_ascii=False) + "\n")
                records += 1
                if progress:
                    progress(1)
                if isinstance(record, Evidence) and not stored.deleted and line.get("file"):
                    sink.evidence(
                        f"files/{record.id}",
                        archive.blobs / f"{record.id}.age",
                        secrets.identities,
                        record.sha256,
                        f"evidence {record.id}",
                    )
                    manifest["files"][record.id] = {
                        "sha256": record.sha256,
                        "filename": record.filename,
                        "media_type": record.media_type,
                    }
                    files += 1
    with archive.engine.connect() as connection, sink.text("history.jsonl") as lines:
        for version in store.fetch_versions(connection):
            if version.id in withheld:
                continue
            opened, salt = open_version(archive.sealer, version)
            lines.write(
                json.dumps(
                    {
                        "type": version.kind,
                        "version": version.version,
                        "operation": version.operation,
                        "actor": version.actor,
                        "recorded_at": version.recorded_at,
                        "commitment": version.commitment,
                        "salt": salt.hex(),
                        "record": opened.to_dict(),
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
            versions += 1
    left_out = tuple(refused[s] for s in sorted(refused))
    manifest.update(
        records=records,
        versions=versions,
        evidence_files=files,
        left_out=[{"subject": r.subject, "why": r.reason} for r in left_out],
        withheld=sorted(withheld),
    )
    with sink.text("manifest.json") as written:
        written.write(json.dumps(manifest, indent=2, ensure_ascii=False))
    return ExportSummary(records, versions, files, folder, purpose, left_out)


def export_identity(archive: Archive, path: Path) -> None:
    """Write the archive's age identities to ``path`` (mode 0600, never over a file), so
    that `age -d -i` opens its evidence files; needs an unlock. This puts the master key on
    disk: :func:`bearwitness.crypto.files.export_identity`."""
    _write_identity(archive.require_secrets(), path)


MAX_ZIP_BYTES = 1 << 30  # an export the workbench hands out as one download, in memory


@dataclass(frozen=True)
class ZippedExport:
    """The whole export as one ZIP file, held in memory for its download."""

    data: bytes
    sha256: str
    summary: ExportSummary


def export_zip(
    archive: Archive,
    progress: Callable[[int], None] | None = None,
    *,
    purpose: str = "internal_casework",
    partner: str = "",
) -> ZippedExport:
    """:func:`export` as one ZIP file (for the workbench), logged as an ``export`` event.

    The ZIP is built in memory, record by record and file by file, and never written to
    disk. The log entry commits to its SHA-256 and the purpose, so that whoever holds
    the file can show it came from this archive, and the published log says nothing of it.
    """
    archive.require_secrets()
    check_purpose(purpose)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        summary = _write_export(archive, _Zip(bundle, buffer), Path(), progress, purpose, partner)
    data = buffer.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    audit.record(
        archive.engine,
        at=archive.now(),
        actor=archive.actor,
        action="export",
        target=f"archive {summary.records} {digest[:16]}",
    )
    _ledger.record_event(archive, "export", {"sha256": digest, "purpose": purpose})
    return ZippedExport(data, digest, summary)
