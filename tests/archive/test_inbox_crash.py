"""A fold killed at any step resumes at the next unlock: nothing acknowledged is lost or doubled.

Each run forks a child that folds a copy of one locked archive's inbox and
SIGKILLs itself just before its N-th step that changes something (a link, an
unlink, a rename, an fsync, a database commit), for every N the fold takes.
The parent then folds again, as the next unlock would, and checks the archive.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy.engine import base

from bearwitness.crypto.kdf import KdfParams
from bearwitness.crypto.keys import ArchiveSecrets
from bearwitness.intake.importers import ImportRow
from bearwitness.services import checkpoints, inbox, reading
from bearwitness.services.archive import Archive
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
EXPECTED = {"person": {"P-0001", "P-0002"}, "document": {"D-0001", "D-0002"}, "act": {"A-0001"}}


def _locked_archive(folder: Path, kdf: KdfParams, files: Path) -> ArchiveSecrets:
    """An archive with three batches waiting: one refers to another, two carry files."""
    created, _ = Archive.create(folder, passphrase=PASSPHRASE, kdf_params=kdf)
    secrets = created.require_secrets()
    created.close()
    files.mkdir()
    scans = []
    for number in (1, 2):
        scan = files / f"scan{number}.pdf"
        scan.write_bytes(b"%PDF FICTIONAL scan " + bytes([number]) * 2000)
        scans.append(scan)
    locked = Archive.open(folder)
    try:
        inbox.submit(
            locked,
            [
                ImportRow(1, {"type": "person", "id": "P-0001", "full_name": "FICTIONAL One"}),
                ImportRow(2, {"type": "document", "id": "D-0001", "text": "FICTIONAL account"}),
                ImportRow(
                    3, {"type": "evidence", "document_id": "D-0001", **_pinned(scans[0])}, scans[0]
                ),
            ],
            "first.csv",
            "import",
        )
        inbox.submit(
            locked, [ImportRow(1, {"type": "act", "id": "A-0001", "victim_id": "P-0001"})], "form"
        )
        inbox.submit(
            locked,
            [
                ImportRow(1, {"type": "person", "id": "P-0002", "full_name": "FICTIONAL Two"}),
                ImportRow(2, {"type": "document", "id": "D-0002", "text": "FICTIONAL second"}),
                ImportRow(
                    3, {"type": "evidence", "document_id": "D-0002", **_pinned(scans[1])}, scans[1]
                ),
            ],
            "second.csv",
            "import",
        )
    finally:
        locked.close()
    return secrets


def _pinned(path: Path) -> dict[str, object]:
    return {"sha256": hashlib.sha256(path.read_bytes()).hexdigest(), "size": path.stat().st_size}


def _fold_in_child(
    folder: Path, secrets: ArchiveSecrets, kill_at: int | None, count_file: Path
) -> int:
    """Fold in a forked child killed before step ``kill_at``; its wait status."""
    return run_killed_at(
        STEPS, kill_at, count_file, lambda: Archive.open(folder, secrets=secrets), inbox.fold
    )


def _check_resumed(folder: Path, secrets: ArchiveSecrets) -> None:
    archive = Archive.open(folder, secrets=secrets)
    try:
        report = inbox.fold(archive)
        assert report.failed == []
        for kind, ids in EXPECTED.items():
            found = Counter(record.id for record in reading.list_records(archive, kind))
            assert set(found) == ids and set(found.values()) == {1}, (kind, found)
        evidence = reading.list_records(archive, "evidence")
        assert sorted(record.fields["document_id"] for record in evidence) == ["D-0001", "D-0002"]
        assert len(evidence) == 2
        assert sorted(path.name for path in archive.blobs.iterdir()) == sorted(
            f"{record.id}.age" for record in evidence
        )
        assert list(archive.inbox.iterdir()) == []
        checkpoints.sign_new_checkpoint(archive)
        verification = verify_archive(archive)
        assert verification.problems == [] and verification.files_checked == 2
    finally:
        archive.close()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork() to kill a fold mid-way")
def test_a_fold_killed_at_any_step_resumes(tmp_path: Path, kdf: KdfParams) -> None:
    template = tmp_path / "template"
    secrets = _locked_archive(template, kdf, tmp_path / "files")
    count_file = tmp_path / "steps"
    first = tmp_path / "uninterrupted"
    shutil.copytree(template, first)
    assert _fold_in_child(first, secrets, None, count_file) == 0
    total = int(count_file.read_text())
    assert total > 10, total  # the hooks saw the fold's steps
    _check_resumed(first, secrets)
    for kill_at in range(1, total + 1):
        copy = tmp_path / f"killed-{kill_at}"
        shutil.copytree(template, copy)
        status = _fold_in_child(copy, secrets, kill_at, count_file)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, kill_at
        _check_resumed(copy, secrets)
        shutil.rmtree(copy)


def test_one_broken_batch_leaves_the_others_foldable(archive: Archive, tmp_path: Path) -> None:
    """Any error (here a file gone from the inbox) keeps that batch back, with its reason."""
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF FICTIONAL")
    locked = Archive.open(archive.folder)
    broken = inbox.submit(
        locked,
        [
            ImportRow(1, {"type": "document", "id": "D-0001"}),
            ImportRow(2, {"type": "evidence", "document_id": "D-0001"}, scan),
        ],
        "form",
    )
    inbox.submit(locked, [ImportRow(1, {"type": "person", "full_name": "FICTIONAL"})], "form")
    locked.close()
    (archive.inbox / f"{broken}.1.age").unlink()
    report = inbox.fold(archive)
    assert (report.folded, report.records) == (1, 1)
    assert [batch for batch, _ in report.failed] == [broken]
    assert f"{broken}.1.age" in report.failed[0][1]
    listed = inbox.batches(archive)
    assert [(item.batch, item.state) for item in listed] == [(broken, "stuck")]
    assert listed[0].reason == report.failed[0][1]
    # Locked, the reason stays sealed; the state does not.
    locked = Archive.open(archive.folder)
    assert [(item.state, item.reason) for item in inbox.batches(locked)] == [("stuck", None)]
    locked.close()
