"""A fold of field (ODK) submissions killed at any step resumes: nothing lost or doubled,
an edit gives new versions once, and the archive verifies."""

from __future__ import annotations

import os
import shutil
import signal
import uuid
from collections import Counter
from pathlib import Path

import pytest

from bearwitness.crypto import odk
from bearwitness.crypto.kdf import KdfParams
from bearwitness.crypto.keys import ArchiveSecrets
from bearwitness.services import checkpoints, inbox, odk_forms, odk_keys, reading
from bearwitness.services.archive import Archive
from bearwitness.services.openrosa import Receiver
from bearwitness.services.verification import verify_archive
from tests.archive.test_inbox_crash import STEPS
from tests.conftest import PASSPHRASE
from tests.faults import run_killed_at
from tests.web.test_openrosa import PHOTO, incident_xml


def _locked_archive(folder: Path, kdf: KdfParams) -> ArchiveSecrets:
    created, _ = Archive.create(folder, passphrase=PASSPHRASE, kdf_params=kdf)
    secrets = created.require_secrets()
    public = odk.load_public_base64(odk_keys.create(created))
    created.close()
    receiver = Receiver(folder, fsync=False)
    recipient = secrets.recipient
    first, edit = f"uuid:{uuid.uuid4()}", f"uuid:{uuid.uuid4()}"
    for instance, xml in (
        (first, incident_xml(first)),
        (edit, incident_xml(edit, deprecated=first).replace(b"a flat", b"a house")),
    ):
        manifest, files = odk.seal_submission(
            public,
            form_id=odk_forms.FORM_ID,
            version=odk_forms.FORM_VERSION,
            instance_id=instance,
            xml=xml,
            media=[("1561432532482.jpg", PHOTO)],
        )
        assert receiver.receive(recipient, "DV-1", manifest, list(files.items())).status == 201
    return secrets


def _check_resumed(folder: Path, secrets: ArchiveSecrets) -> None:
    archive = Archive.open(folder, secrets=secrets)
    try:
        report = inbox.fold(archive)
        assert report.failed == []
        counts = {
            kind: Counter(r.id for r in reading.list_records(archive, kind))
            for kind in ("event", "person", "act", "evidence", "document")
        }
        assert {kind: len(found) for kind, found in counts.items()} == {
            "event": 1,
            "person": 2,
            "act": 2,
            "evidence": 1,
            "document": 1,
        }
        (event,) = reading.list_records(archive, "event")
        assert event.version == 2
        assert reading.open_full(archive, event.id).to_dict()["title"].endswith("a house")
        assert [p.name for p in archive.blobs.iterdir()] == [
            f"{next(iter(counts['evidence']))}.age"
        ]
        assert list(archive.inbox.iterdir()) == []
        checkpoints.sign_new_checkpoint(archive)
        verification = verify_archive(archive)
        assert verification.problems == [] and verification.files_checked == 1
    finally:
        archive.close()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork() to kill a fold mid-way")
def test_an_odk_fold_killed_at_any_step_resumes(tmp_path: Path, kdf: KdfParams) -> None:
    template = tmp_path / "template"
    secrets = _locked_archive(template, kdf)
    count_file = tmp_path / "steps"

    def fold(folder: Path, kill_at: int | None) -> int:
        return run_killed_at(
            STEPS, kill_at, count_file, lambda: Archive.open(folder, secrets=secrets), inbox.fold
        )

    first = tmp_path / "uninterrupted"
    shutil.copytree(template, first)
    assert fold(first, None) == 0
    total = int(count_file.read_text())
    assert total > 10, total
    _check_resumed(first, secrets)
    for kill_at in range(1, total + 1):
        copy = tmp_path / f"killed-{kill_at}"
        shutil.copytree(template, copy)
        status = fold(copy, kill_at)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, kill_at
        _check_resumed(copy, secrets)
        shutil.rmtree(copy)
