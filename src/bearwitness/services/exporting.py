"""Exporting everything an archive holds, opened, for a legal team or a migration.

This is the one place where plaintext is written on purpose, to a folder the
user names. The layout round-trips: ``records.jsonl`` imports into a new archive.

    OUT/records.jsonl    every current record, one JSON object per line, with its type
    OUT/history.jsonl    every version of every record, with its commitment
    OUT/files/           evidence files, opened, named by evidence id
    OUT/manifest.json    counts and the SHA-256 of every file
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bearwitness.crypto.files import decrypt_file
from bearwitness.crypto.files import export_identity as _write_identity
from bearwitness.domain.records import Evidence
from bearwitness.errors import InputError
from bearwitness.services.archive import Archive
from bearwitness.services.sealing import open_record, open_version
from bearwitness.services.writing import ORDER
from bearwitness.store import rows as store


@dataclass(frozen=True)
class ExportSummary:
    records: int
    versions: int
    files: int
    folder: Path


def export(
    archive: Archive, out: Path, progress: Callable[[int], None] | None = None
) -> ExportSummary:
    secrets = archive.require_secrets()
    if out.exists() and any(out.iterdir()):
        raise InputError(f"{out} is not empty", hint="Export into a new, empty folder.")
    (out / "files").mkdir(parents=True, exist_ok=True)
    manifest: dict[str, object] = {"format": "bearwitness-export/1", "files": {}}
    records = versions = files = 0
    with (
        archive.engine.connect() as connection,
        (out / "records.jsonl").open("w", encoding="utf-8") as lines,
    ):
        for kind in ORDER:
            for stored in store.query_records(connection, kind, include_deleted=True):
                record = open_record(archive.sealer, stored, stored.clear["id"])
                line = {"type": kind, **record.to_dict()}
                if stored.deleted:
                    line["deleted"] = True
                elif isinstance(record, Evidence):  # so that the file is imported with it
                    line["file"] = f"files/{record.id}"
                lines.write(json.dumps(line, ensure_ascii=False) + "\n")
                records += 1
                if progress:
                    progress(1)
                if isinstance(record, Evidence) and not stored.deleted:
                    blob = archive.blobs / f"{record.id}.age"
                    target = out / "files" / record.id
                    decrypt_file(
                        blob,
                        target,
                        secrets.identities,
                        expected_sha256=record.sha256,
                        what=f"evidence {record.id}",
                    )
                    manifest["files"][record.id] = {  # type: ignore[index]
                        "sha256": record.sha256,
                        "filename": record.filename,
                        "media_type": record.media_type,
                    }
                    files += 1
    with (
        archive.engine.connect() as connection,
        (out / "history.jsonl").open("w", encoding="utf-8") as lines,
    ):
        for version in store.fetch_versions(connection):
            record, salt = open_version(archive.sealer, version)
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
                        "record": record.to_dict(),
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
            versions += 1
    manifest.update(records=records, versions=versions, evidence_files=files)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    return ExportSummary(records, versions, files, out)


def export_identity(archive: Archive, path: Path) -> None:
    """Write the archive's age identities to ``path`` (mode 0600, never over a file), so
    that `age -d -i` opens its evidence files; needs an unlock. This puts the master key on
    disk: :func:`bearwitness.crypto.files.export_identity`."""
    _write_identity(archive.require_secrets(), path)
