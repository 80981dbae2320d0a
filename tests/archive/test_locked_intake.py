"""A locked archive takes data in with the public key alone and cannot read anything back."""

from __future__ import annotations

from pathlib import Path

import pytest

from bearwitness.crypto.kdf import KdfParams
from bearwitness.errors import ImportRejected, LockedError
from bearwitness.intake.importers import ImportRow
from bearwitness.services import exporting, inbox, reading
from bearwitness.services.archive import Archive
from tests.conftest import PASSPHRASE


def _locked(archive: Archive) -> Archive:
    return Archive.open(archive.folder)


def test_locked_intake_is_folded_at_unlock(archive: Archive, tmp_path: Path) -> None:
    evidence = tmp_path / "scan.pdf"
    evidence.write_bytes(b"%PDF FICTIONAL scan")
    locked = _locked(archive)
    rows = [
        ImportRow(1, {"type": "person", "full_name": "Зарема Исаева"}),
        ImportRow(2, {"type": "document", "id": "D-0001", "text": "Testimony text"}),
        ImportRow(
            3,
            {
                "type": "evidence",
                "document_id": "D-0001",
                "filename": "scan.pdf",
                "sha256": _sha(evidence),
                "size": evidence.stat().st_size,
            },
            evidence,
        ),
    ]
    batch = inbox.submit(locked, rows, "intake form")
    assert inbox.pending(locked) and batch
    # The locked process can read nothing back, not even what it just took in.
    for attempt in (
        lambda: inbox.fold(locked),
        lambda: reading.search(locked, "Зарема"),
        lambda: exporting.export(locked, tmp_path / "out"),
    ):
        with pytest.raises(LockedError):
            attempt()
    assert reading.list_records(locked, "person") == []
    locked.close()

    unlocked = _locked(archive)
    unlocked.unlock_with_passphrase(PASSPHRASE)
    report = inbox.fold(unlocked)
    assert (report.folded, report.records, report.failed) == (1, 3, [])
    assert reading.open_full(unlocked, "P-0001").full_name == "Зарема Исаева"  # type: ignore[attr-defined]
    assert (unlocked.blobs / "F-0001.age").is_file()
    assert list(unlocked.inbox.iterdir()) == []
    assert inbox.fold(unlocked).folded == 0
    unlocked.close()


def test_a_batch_is_folded_once_even_after_a_crash(archive: Archive) -> None:
    locked = _locked(archive)
    inbox.submit(locked, [ImportRow(1, {"type": "person", "full_name": "Once"})], "form")
    manifest = inbox.pending(locked)[0]
    kept = manifest.read_bytes()
    locked.close()
    inbox.fold(archive)
    manifest.write_bytes(kept)  # as if the process died after commit, before removing files
    report = inbox.fold(archive)
    assert report.folded == 1 and report.records == 0
    assert len(reading.list_records(archive, "person")) == 1


def test_locked_intake_checks_the_batch_first(archive: Archive) -> None:
    """Bad values are refused at once; references are checked when folded."""
    locked = _locked(archive)
    with pytest.raises(ImportRejected):
        inbox.submit(locked, [ImportRow(7, {"type": "act", "act_type": "flying"})], "form")
    assert inbox.pending(locked) == []
    locked.close()


def _sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_batch_with_a_dangling_reference_waits_in_the_inbox(archive: Archive) -> None:
    locked = _locked(archive)
    # With a batch waiting, P-0404 might be in it: a locked process cannot tell.
    inbox.submit(locked, [ImportRow(1, {"type": "person", "full_name": "FICTIONAL"})], "form")
    inbox.submit(locked, [ImportRow(1, {"type": "act", "victim_id": "P-0404"})], "form")
    locked.close()
    report = inbox.fold(archive)
    assert report.folded == 1 and "row 1: field 'victim_id'" in report.failed[0][1]
    assert len(inbox.pending(archive)) == 1  # kept, not lost


def test_a_dangling_reference_is_refused_at_once_when_nothing_waits(archive: Archive) -> None:
    """Nothing in the inbox can hold P-0404, so the locked check is the unlocked one."""
    locked = _locked(archive)
    with pytest.raises(ImportRejected, match="row 3: field 'victim_id' refers to person P-0404"):
        inbox.submit(locked, [ImportRow(3, {"type": "act", "victim_id": "P-0404"})], "form")
    assert inbox.pending(locked) == []
    locked.close()


def test_a_forged_manifest_cannot_touch_files_outside_the_inbox(archive: Archive) -> None:
    """Anyone with the public key can seal a manifest: its file names are never trusted."""
    import json

    from bearwitness.crypto.seal import seal_for_recipient
    from bearwitness.services import inbox

    keyring = (archive.folder / "keyring.json").read_bytes()
    batch = "20260101T000000000000-forged"
    body = {
        "batch": batch,
        "source": "FICTIONAL attacker",
        "actor": "U-x",
        "rows": [
            {
                "row": 1,
                "data": {"type": "person", "full_name": "FICTIONAL"},
                "file": "../keyring.json",
            }
        ],
    }
    (archive.inbox / f"{batch}{inbox.MANIFEST}").write_bytes(
        seal_for_recipient(json.dumps(body).encode(), archive.recipient)
    )
    report = inbox.fold(archive)
    assert report.folded == 0 and "not its own" in report.failed[0][1]
    assert (archive.folder / "keyring.json").read_bytes() == keyring
    # The same forged batch, pretending to be one folded already, deletes nothing either.
    from bearwitness.store.schema import folded_submissions

    with archive.engine.begin() as connection:
        connection.execute(
            folded_submissions.insert().values(
                submission_id=inbox.folded_id(batch), folded_at="2026-01-01T00:00:00Z"
            )
        )
    assert inbox.fold(archive).failed
    assert (archive.folder / "keyring.json").read_bytes() == keyring


def test_folded_batches_are_remembered_without_their_arrival_time(archive: Archive) -> None:
    from bearwitness.services import inbox
    from bearwitness.store.schema import folded_submissions

    locked = Archive.open(archive.folder)
    try:
        batch = inbox.submit(
            locked, [ImportRow(1, {"type": "person", "full_name": "FICTIONAL"})], "test"
        )
    finally:
        locked.close()
    inbox.fold(archive)
    with archive.engine.connect() as connection:
        kept = [row.submission_id for row in connection.execute(folded_submissions.select())]
    assert kept == [inbox.folded_id(batch)] and batch[:8] not in kept[0]


def test_batch_names_keep_the_month_only_and_fold_in_arrival_order(archive: Archive) -> None:
    import datetime as dt
    import re

    from bearwitness.services import intake_web

    moment = dt.datetime(2026, 3, 14, 15, 9, 26, 535897, tzinfo=dt.UTC)
    first = inbox.write_batch(
        archive.inbox,
        archive.recipient,
        [inbox.Entry(1, {"type": "person", "id": "P-0001", "full_name": "FICTIONAL"})],
        source="form",
        actor="U-local",
        now=moment,
    )
    second = intake_web.seal_into_inbox(
        archive.inbox,
        archive.recipient,
        [({"type": "act", "id": "A-0001", "victim_id": "P-0001"}, None)],
        source="web intake",
        actor="U-intake",
        now=moment + dt.timedelta(seconds=1),
    )
    for name in (first, second):
        assert re.fullmatch(r"202603-\d{6}-[0-9a-f]{16}", name), name
    assert [path.name for path in inbox.pending(archive)] == [
        f"{first}{inbox.MANIFEST}",
        f"{second}{inbox.MANIFEST}",
    ]
    report = inbox.fold(archive)  # the act refers to the person: order matters
    assert (report.folded, report.failed) == (2, [])


def test_crash_leftovers_are_swept_once_stale(archive: Archive) -> None:
    import os
    import time

    locked = _locked(archive)
    kept = inbox.submit(
        locked, [ImportRow(1, {"type": "person", "full_name": "FICTIONAL"})], "form"
    )
    old = time.time() - 2 * inbox.STALE_AFTER_S
    leftovers = [
        ".202601-000000-0123456789abcdef.tmp",
        "202601-000001-0123456789abcdef.0.age",
        ".upload-F-0BAD.age",
        ".202601-000002-0123456789abcdef.0.age.x1y2.tmp",
    ]
    for name in leftovers:
        (archive.inbox / name).write_bytes(b"FICTIONAL leftover")
        os.utime(archive.inbox / name, (old, old))
    fresh = archive.inbox / ".202612-000009-0123456789abcdef.tmp"  # a writer at work
    fresh.write_bytes(b"being written")
    inbox.submit(locked, [ImportRow(1, {"type": "person", "full_name": "FICTIONAL 2"})], "form")
    locked.close()
    left = {path.name for path in archive.inbox.iterdir()}
    assert not left & set(leftovers)
    assert fresh.name in left and f"{kept}{inbox.MANIFEST}" in left


def test_an_import_taken_in_twice_is_folded_once(
    archive: Archive, tmp_path: Path, kdf: KdfParams
) -> None:
    """An import killed after its batch was written but before it said so, then re-run."""
    rows = [
        ImportRow(1, {"type": "person", "full_name": "FICTIONAL Twice"}),
        ImportRow(2, {"type": "person", "full_name": "FICTIONAL Also"}),
    ]
    locked = _locked(archive)
    batches = [inbox.submit(locked, rows, "list.csv", "import") for _ in range(2)]
    # Added by hand, the same record twice may be meant: both are written.
    added = [inbox.submit(locked, rows[:1], "form") for _ in range(2)]
    locked.close()
    assert len(set(batches)) == 2
    report = inbox.fold(archive)
    assert (report.folded, report.records, report.duplicates, report.failed) == (4, 4, 1, [])
    assert len(reading.list_records(archive, "person")) == 4
    assert list(archive.inbox.iterdir()) == []
    # The content is remembered by a hash keyed with the archive's own key: the same
    # rows give another mark in another archive, so a seizer cannot test a guess.
    other, _ = Archive.create(tmp_path / "other", passphrase=PASSPHRASE, kdf_params=kdf)
    other_batch = inbox.submit(other, rows, "list.csv", "import")
    inbox.fold(other)
    content = _marks(archive) - {inbox.folded_id(name) for name in [batches[0], *added]}
    other_content = _marks(other) - {inbox.folded_id(other_batch)}
    other.close()
    assert len(content) == len(other_content) == 1 and content != other_content


def _marks(archive: Archive) -> set[str]:
    from bearwitness.store.schema import folded_submissions

    with archive.engine.connect() as connection:
        return {row.submission_id for row in connection.execute(folded_submissions.select())}


def test_a_batch_nobody_can_open_can_still_be_discarded(archive: Archive) -> None:
    from bearwitness.services._ledger import read_entries
    from bearwitness.tlog.entry import parse_entry

    batch = "202601-000000-0123456789abcdef"
    (archive.inbox / f"{batch}{inbox.MANIFEST}").write_bytes(b"FICTIONAL garbage, not age")
    report = inbox.fold(archive)
    assert [name for name, _ in report.failed] == [batch]
    assert [item.state for item in inbox.batches(archive)] == ["stuck"]
    index = inbox.discard(archive, batch, "FICTIONAL: damaged in transit")
    assert list(archive.inbox.iterdir()) == []
    with archive.engine.connect() as connection:
        entry = parse_entry(dict(read_entries(connection))[index])
    assert (entry.kind, entry.record_id, entry.actor) == (
        "discard",
        inbox.folded_id(batch),
        archive.actor,
    )
    assert inbox.fold(archive).folded == 0
