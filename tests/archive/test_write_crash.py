"""An unlocked write with files killed at any step needs no repair: the next write works.

Each run forks a child that imports a document and two evidence files (no ids
given, so the next write gets the same ones) into a copy of one archive, and
SIGKILLs itself just before its N-th step that changes something (a link, an
unlink, a rename, an fsync, a database commit), for every N the write takes.
The parent then writes the same rows again and checks the archive.
"""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

import pytest
from sqlalchemy.engine import base

from bearwitness.crypto.kdf import KdfParams
from bearwitness.crypto.keys import ArchiveSecrets
from bearwitness.intake.importers import ImportRow
from bearwitness.services import checkpoints, reading, storing
from bearwitness.services.archive import Archive
from bearwitness.services.inbox import Entry
from bearwitness.services.verification import verify_archive
from tests.conftest import PASSPHRASE
from tests.faults import run_killed_at

STEPS = [
    (os, "link"),
    (os, "unlink"),
    (os, "replace"),
    (os, "rename"),
    (os, "fsync"),
    (base.Connection, "_commit_impl"),
]


def _rows(files: Path, upload: bool) -> list[ImportRow]:
    return [
        ImportRow(1, {"type": "document", "text": "FICTIONAL account"}),
        *[
            ImportRow(
                number,
                {"type": "evidence", "document_id": "D-0001", "upload": upload},
                files / f"scan{number}.pdf",
            )
            for number in (2, 3)
        ],
    ]


def _write(archive: Archive, rows: list[ImportRow]) -> None:
    """What `bearwitness import` and `add` do (unlocked, so written now); with ``row.data``
    marked ``upload``, what the workbench does with uploaded bytes."""
    storing.store(
        archive,
        [
            Entry(
                row.row,
                {k: v for k, v in row.data.items() if k != "upload"},
                row.file.read_bytes() if row.data.get("upload") and row.file else row.file,
            )
            for row in rows
        ],
        "scans.csv",
        "import",
    )


def _write_in_child(
    folder: Path,
    secrets: ArchiveSecrets,
    rows: list[ImportRow],
    kill_at: int | None,
    count_file: Path,
) -> int:
    return run_killed_at(
        STEPS,
        kill_at,
        count_file,
        lambda: Archive.open(folder, secrets=secrets),
        lambda archive: _write(archive, rows),
    )


def _check_next_write(folder: Path, secrets: ArchiveSecrets, rows: list[ImportRow]) -> bool:
    """Write again, then check; whether the killed write had left files behind."""
    archive = Archive.open(folder, secrets=secrets)
    try:
        left = verify_archive(archive).leftover_files
        _write(archive, rows)  # the same ids again, unless the killed write committed
        evidence = reading.list_records(archive, "evidence")
        assert len(evidence) in (2, 4)
        assert sorted(path.name for path in archive.blobs.iterdir()) == sorted(
            f"{record.id}.age" for record in evidence
        )
        checkpoints.sign_new_checkpoint(archive)
        verification = verify_archive(archive)
        assert verification.problems == [] and verification.leftover_files == []
        assert verification.files_checked == len(evidence)
        return bool(left)
    finally:
        archive.close()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork() to kill a write mid-way")
@pytest.mark.parametrize("upload", [False, True], ids=["files", "uploaded-bytes"])
def test_a_write_killed_at_any_step_needs_no_repair(
    tmp_path: Path, kdf: KdfParams, upload: bool
) -> None:
    template = tmp_path / "template"
    created, _ = Archive.create(template, passphrase=PASSPHRASE, kdf_params=kdf)
    secrets = created.require_secrets()
    created.close()
    files = tmp_path / "files"
    files.mkdir()
    for number in (2, 3):
        (files / f"scan{number}.pdf").write_bytes(b"%PDF FICTIONAL " + bytes([number]) * 3000)
    rows = _rows(files, upload)
    count_file = tmp_path / "steps"
    first = tmp_path / "uninterrupted"
    shutil.copytree(template, first)
    assert _write_in_child(first, secrets, rows, None, count_file) == 0
    total = int(count_file.read_text())
    assert total > 5, total  # the hooks saw the write's steps
    reported = 0
    for kill_at in range(1, total + 1):
        copy = tmp_path / f"killed-{kill_at}"
        shutil.copytree(template, copy)
        status = _write_in_child(copy, secrets, rows, kill_at, count_file)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, kill_at
        reported += _check_next_write(copy, secrets, rows)
        shutil.rmtree(copy)
    assert reported  # some kills left files, and verify said so
