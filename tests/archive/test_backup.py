"""Restore drills: back the FICTIONAL demo archive up, change it, back up again, restore
each snapshot and verify it, on SQLite and on PostgreSQL; a rollback refused; damaged
chunks named; an offline recipient restoring with its own identity alone."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyrage import x25519

from bearwitness.crypto.kdf import KdfParams
from bearwitness.errors import (
    ArchiveError,
    BackupDamaged,
    BackupError,
    InputError,
    LockedError,
    RollbackRefused,
    UnlockError,
)
from bearwitness.intake.importers import ImportRow
from bearwitness.services import backup, checkpoints, devices, inbox, odk_keys, restore, writing
from bearwitness.services._ledger import read_entries
from bearwitness.services.archive import Archive
from bearwitness.services.demo import DEMO_PASSPHRASE, build_demo
from bearwitness.services.verification import verify_archive
from bearwitness.store import rows as store
from bearwitness.tlog.entry import parse_entry
from bearwitness.tlog.note import NoteSigner
from tests.postgres import fresh_database


@pytest.fixture
def demo(tmp_path: Path, database_url: str | None, kdf: KdfParams) -> Iterator[Archive]:
    archive, _ = build_demo(tmp_path / "demo", kdf_params=kdf, database_url=database_url)
    yield archive
    archive.close()


def _add_people(archive: Archive, *ids: str) -> None:
    rows = [
        ImportRow(n, {"type": "person", "id": i, "role": "victim", "full_name": f"FICTIONAL {i}"})
        for n, i in enumerate(ids, start=1)
    ]
    writing.write_records(archive, writing.resolve_rows(archive, rows, "test"), {})


def _keys(folder: Path) -> restore.BackupKeys:
    return restore.keys_from_passphrase(folder, None, DEMO_PASSPHRASE)


def _events(folder: Path, kind: str) -> list[dict[str, str]]:
    with Archive.open(folder) as archive, archive.engine.connect() as connection:
        entries = [parse_entry(entry) for _, entry in read_entries(connection)]
    return [{"record_id": e.record_id, "kind": e.kind} for e in entries if e.kind == kind]


def test_restore_drill(demo: Archive, tmp_path: Path, database_url: str | None) -> None:
    place = tmp_path / "backups"
    first = backup.back_up(demo, place)
    old_checkpoint = checkpoints.latest_checkpoint(demo).note
    _add_people(demo, "P-9001", "P-9002")
    second = backup.back_up(demo, place)
    newer = checkpoints.latest_checkpoint(demo).note
    assert second.checkpoint_size > first.checkpoint_size
    # Incremental: the evidence files and unchanged tables are stored once.
    assert second.chunks_reused > second.chunks_new
    assert first.snapshot < second.snapshot == restore.snapshots(place)[-1]
    assert [e["kind"] for e in _events(demo.folder, "backup")] == ["backup", "backup"]

    check = restore.verify_backup(place, _keys(place))
    assert check.ok and check.snapshots == [first.snapshot, second.snapshot]

    def target_database() -> Iterator[str | None]:
        if database_url is None:
            yield None
        else:
            with fresh_database() as url:
                yield url

    for snapshot, people in ((first.snapshot, 0), (second.snapshot, 2)):
        for url in target_database():
            folder = tmp_path / f"restored-{snapshot}"
            done = restore.restore(
                place, folder, _keys(place), snapshot=snapshot, database_url=url, against=[]
            )
            assert done.unlocked and done.files_checked == 12 and done.snapshot == snapshot
            with Archive.open(folder) as restored:
                restored.unlock_with_passphrase(DEMO_PASSPHRASE)
                report = verify_archive(restored, against=[old_checkpoint])
                assert report.ok, report.problems
                with restored.engine.connect() as connection:
                    found = store.existing_ids(connection, "person", ["P-9001", "P-9002"])
                assert len(found) == people
            assert _events(folder, "restore") == [{"record_id": "keyring", "kind": "restore"}]

    # The older snapshot against the newer checkpoint a partner kept: a rollback, refused.
    refused = tmp_path / "refused"
    with pytest.raises(RollbackRefused, match="roll the archive back"):
        restore.restore(place, refused, _keys(place), snapshot=first.snapshot, against=[newer])
    assert not refused.exists()
    # The newer one against the older checkpoint: consistent.
    done = restore.restore(place, tmp_path / "checked", _keys(place), against=[old_checkpoint])
    assert done.against_sizes == (first.checkpoint_size,)


def test_rollback_allowed_is_logged(tmp_path: Path, kdf: KdfParams) -> None:
    archive, _ = build_demo(tmp_path / "demo", kdf_params=kdf)
    place = tmp_path / "backups"
    first = backup.back_up(archive, place)
    _add_people(archive, "P-9001")
    newer = checkpoints.sign_new_checkpoint(archive).note
    archive.close()
    done = restore.restore(
        place, tmp_path / "back", _keys(place), against=[newer], allow_rollback=True
    )
    assert done.snapshot == first.snapshot and done.rolled_back_past
    with Archive.open(tmp_path / "back") as restored:
        assert verify_archive(restored).ok


def _chunk_of(place: Path, snapshot: str, path: str) -> Path:
    """The first chunk of ``path`` in the snapshot (read with the archive's keys)."""
    opened = restore.open_snapshot(restore.BackupFolder.for_reading(place), snapshot, _keys(place))
    item = next(i for i in opened.items() if i.get("path") == path)
    return place / restore.chunk_relpath(item["chunks"][0])


@pytest.mark.parametrize("damage", ["flip", "truncate", "remove"])
def test_damaged_chunk_is_named(tmp_path: Path, kdf: KdfParams, damage: str) -> None:
    archive, _ = build_demo(tmp_path / "demo", kdf_params=kdf)
    place = tmp_path / "backups"
    made = backup.back_up(archive, place)
    archive.close()
    blob = next(p.name for p in (tmp_path / "demo" / "blobs").iterdir())
    chunk = _chunk_of(place, made.snapshot, f"blobs/{blob}")
    data = bytearray(chunk.read_bytes())
    if damage == "flip":
        data[len(data) // 2] ^= 0x01
        chunk.write_bytes(bytes(data))
    elif damage == "truncate":
        chunk.write_bytes(bytes(data[: len(data) - 20]))
    else:
        chunk.unlink()
    named = chunk.relative_to(place).as_posix()

    check = restore.verify_backup(place, _keys(place))
    assert not check.ok
    assert any(named in problem and f"blobs/{blob}" in problem for problem in check.problems)
    with pytest.raises(BackupDamaged) as raised:
        restore.restore(place, tmp_path / "restored", _keys(place))
    assert named in raised.value.message
    assert not (tmp_path / "restored").exists()


def test_swapped_chunk_is_caught(tmp_path: Path, kdf: KdfParams) -> None:
    """A valid age file to the archive's public key (anyone can make one) in a chunk's place."""
    archive, _ = build_demo(tmp_path / "demo", kdf_params=kdf)
    place = tmp_path / "backups"
    made = backup.back_up(archive, place)
    recipient = archive.recipient
    archive.close()
    import pyrage

    chunk = _chunk_of(place, made.snapshot, "keyring.json")
    chunk.write_bytes(pyrage.encrypt(b"forged", [x25519.Recipient.from_str(recipient)]))
    check = restore.verify_backup(place, _keys(place))
    assert any("does not hold what its name says" in p for p in check.problems)


def test_offline_recipient_restores_alone(tmp_path: Path, kdf: KdfParams) -> None:
    identity = x25519.Identity.generate()
    key_file = tmp_path / "partner.key"
    key_file.write_text(f"# FICTIONAL partner abroad\n{identity}\n")
    archive, _ = build_demo(tmp_path / "demo", kdf_params=kdf)
    backup.add_recipient(archive, str(identity.to_public()))
    assert Archive.open(tmp_path / "demo").config.backup_recipients == (str(identity.to_public()),)
    place = tmp_path / "backups"
    made = backup.back_up(archive, place)
    archive.close()
    assert made.recipients == 1
    partner = restore.keys_from_identity_file(key_file)
    own_key = (tmp_path / "demo" / "log.vkey").read_text()
    assert restore.verify_backup(place, partner, log_key=own_key).ok
    # A key pinned that did not sign it: another archive's backup, or a forged one.
    other = NoteSigner.generate("FICTIONAL.example/other").verifier.vkey()
    check = restore.verify_backup(place, partner, log_key=other)
    assert any("not by the log key pinned" in problem for problem in check.problems)
    with pytest.raises(BackupDamaged, match="not by the log key pinned"):
        restore.restore(place, tmp_path / "forged", partner, log_key=other)
    with pytest.raises(InputError, match="the log key to pin"):
        restore.restore(place, tmp_path / "forged", partner, log_key="not a key")
    assert not (tmp_path / "forged").exists()
    done = restore.restore(place, tmp_path / "abroad", partner, log_key=own_key)
    assert not done.unlocked and done.files_checked == 12
    # The archive's passphrase still opens what the partner restored.
    with Archive.open(tmp_path / "abroad") as restored:
        restored.unlock_with_passphrase(DEMO_PASSPHRASE)
        assert verify_archive(restored).ok


def test_bad_input_leaves_nothing(tmp_path: Path, kdf: KdfParams) -> None:
    archive, _ = build_demo(tmp_path / "demo", kdf_params=kdf)
    with pytest.raises(InputError, match="does not exist"):
        backup.back_up(archive, tmp_path / "no" / "such")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("FICTIONAL")
    with pytest.raises(InputError, match="not a BearWitness backup"):
        backup.back_up(archive, tmp_path / "other")
    place = tmp_path / "backups"
    backup.back_up(archive, place)
    with pytest.raises(InputError, match="not an age public key"):
        backup.add_recipient(archive, "age1notakey")
    locked = Archive.open(tmp_path / "demo")
    with pytest.raises(LockedError):
        backup.back_up(locked, place)
    locked.close()
    archive.close()

    with pytest.raises(BackupError, match="not a BearWitness backup"):
        restore.verify_backup(tmp_path / "other", _keys(place))
    with pytest.raises(UnlockError):
        restore.keys_from_passphrase(place, None, "FICTIONAL wrong passphrase")
    stranger = tmp_path / "stranger.key"
    stranger.write_text(f"{x25519.Identity.generate()}\n")
    with pytest.raises(BackupError, match="cannot be opened with the keys given"):
        restore.restore(place, tmp_path / "r1", restore.keys_from_identity_file(stranger))
    with pytest.raises(ArchiveError, match="cannot reach"):
        restore.restore(
            place,
            tmp_path / "r2",
            _keys(place),
            database_url="postgresql+psycopg://FICTIONAL@127.0.0.1:1/none",
        )
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("FICTIONAL")
    with pytest.raises(ArchiveError, match="not empty"):
        restore.restore(place, tmp_path / "full", _keys(place))
    assert not (tmp_path / "r1").exists() and not (tmp_path / "r2").exists()
    assert sorted(p.name for p in (tmp_path / "full").iterdir()) == ["x"]


def test_a_backup_holds_no_clear_content(tmp_path: Path, kdf: KdfParams) -> None:
    """Only the marker and the keyring (its slots sealed) are readable without a key."""
    archive, _ = build_demo(tmp_path / "demo", kdf_params=kdf)
    place = tmp_path / "backups"
    backup.back_up(archive, place)
    archive.close()
    for path in place.rglob("*"):
        if path.is_file() and path.name != "BEARWITNESS-BACKUP":
            data = path.read_bytes()
            if path.name.endswith(".keyring.json"):
                assert json.loads(data)["format"] == "bearwitness-keyring"
            else:
                assert data.startswith(b"age-encryption.org/v1\n"), path
            assert b"FICTIONAL" not in data


def test_backup_while_the_archive_keeps_working(demo: Archive, tmp_path: Path) -> None:
    """A record written (and its entry moved into the tiles) while the backup streams: the
    snapshot is as it was when the backup began, and it restores and verifies."""
    place = tmp_path / "backups"
    written: list[str] = []

    def meanwhile(phase: str, _done: int, _total: int) -> None:
        if phase == "database" and not written:
            written.append("P-9100")
            _add_people(demo, "P-9100")
            checkpoints.sign_new_checkpoint(demo)

    made = backup.back_up(demo, place, progress=meanwhile)
    assert written
    folder = tmp_path / "restored"
    done = restore.restore(place, folder, _keys(place), snapshot=made.snapshot)
    assert done.checkpoint_size == made.checkpoint_size
    with Archive.open(folder) as restored, restored.engine.connect() as connection:
        assert not store.existing_ids(connection, "person", ["P-9100"])
    later = backup.back_up(demo, place)
    done = restore.restore(place, tmp_path / "later", _keys(place), snapshot=later.snapshot)
    with Archive.open(tmp_path / "later") as restored, restored.engine.connect() as connection:
        assert store.existing_ids(connection, "person", ["P-9100"]) == {"P-9100"}


def test_custodian_shares_open_a_backup(tmp_path: Path, kdf: KdfParams) -> None:
    archive, shares = Archive.create(tmp_path / "archive", custodians=(3, 2), kdf_params=kdf)
    _add_people(archive, "P-0001")
    place = tmp_path / "backups"
    backup.back_up(archive, place)
    archive.close()
    assert restore.unlock_methods(place) == (("custodians",), 2)
    with pytest.raises(UnlockError):
        restore.keys_from_shares(place, None, shares[:1])
    keys = restore.keys_from_shares(place, None, shares[1:])
    done = restore.restore(place, tmp_path / "restored", keys)
    assert done.unlocked and done.versions_checked == 1


def test_a_restore_keeps_the_field_devices_the_odk_key_the_map_and_the_published_reports(
    tmp_path: Path, kdf: KdfParams
) -> None:
    """What the archive folder holds beside the database and the log comes back whole: the
    ODK key pair (submissions waiting for it stay readable), the enrolled devices (their
    token hashes), the district map the dashboard draws and the release ledger later
    reports are checked against."""
    archive, _ = build_demo(tmp_path / "demo", kdf_params=kdf)
    odk_keys.create(archive)
    devices.add(archive, "FICTIONAL-phone")
    releases = tmp_path / "demo" / "releases"
    releases.mkdir(exist_ok=True)
    (releases / "RP-FICTIONAL.json").write_text('{"FICTIONAL": "release"}\n')
    backup.back_up(archive, tmp_path / "backups")
    archive.close()
    restore.restore(tmp_path / "backups", tmp_path / "restored", _keys(tmp_path / "backups"))
    for name in (
        "odk-key.json",
        "devices.json",
        "boundaries.geojson",
        "releases/RP-FICTIONAL.json",
    ):
        original = (tmp_path / "demo" / name).read_bytes()
        assert (tmp_path / "restored" / name).read_bytes() == original, name


def test_the_inbox_is_backed_up_and_folds_after_a_restore(
    demo: Archive, tmp_path: Path, database_url: str | None
) -> None:
    """Batches taken in while locked are acknowledged: a snapshot holds them, sealed as the
    inbox does, and the restored archive folds them at its first unlock. A batch still being
    written (files, no manifest) is not taken."""
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF FICTIONAL inbox scan " * 50)
    with Archive.open(demo.folder) as locked:
        batch = inbox.submit(
            locked,
            [
                ImportRow(1, {"type": "person", "id": "P-9500", "full_name": "FICTIONAL Inbox"}),
                ImportRow(2, {"type": "document", "id": "D-9500", "text": "FICTIONAL note"}),
                ImportRow(3, {"type": "evidence", "document_id": "D-9500"}, scan),
            ],
            "form",
        )
    (demo.inbox / "202612-000099-0123456789abcdef.0.age").write_bytes(b"FICTIONAL half")
    place = tmp_path / "backups"
    made = backup.back_up(demo, place)
    assert made.inbox_batches == 1 and made.inbox_waiting == 1
    assert not (demo.folder / backup.INBOX_SNAPSHOT).exists()
    assert restore.verify_backup(place, _keys(place)).ok

    def restored_to(folder: Path, url: str | None) -> None:
        restore.restore(place, folder, _keys(place), database_url=url)
        names = sorted(path.name for path in (folder / "inbox").iterdir())
        kept = [path.name for path in demo.inbox.iterdir() if "000099" not in path.name]
        assert names == sorted(kept)
        assert f"{batch}{inbox.MANIFEST}" in names
        with Archive.open(folder) as restored:
            restored.unlock_with_passphrase(DEMO_PASSPHRASE)
            report = inbox.fold(restored)
            assert (report.folded, report.records, report.failed) == (1, 3, [])
            with restored.engine.connect() as connection:
                assert store.existing_ids(connection, "person", ["P-9500"]) == {"P-9500"}
            checkpoints.sign_new_checkpoint(restored)
            verified = verify_archive(restored)
            assert verified.ok and verified.files_checked == 13, verified.problems

    if database_url is None:
        restored_to(tmp_path / "restored", None)
    else:
        with fresh_database() as url:
            restored_to(tmp_path / "restored", url)
    # Folded in the archive itself, the next snapshot holds it in the database instead.
    inbox.fold(demo)
    later = backup.back_up(demo, place)
    assert later.inbox_batches == 0


def test_drill_damage_offline_key_and_a_killed_restore_on_each_database(
    demo: Archive, tmp_path: Path, database_url: str | None
) -> None:
    """On SQLite and on PostgreSQL: restore from an offline recipient's key alone into that
    database; a restore killed part-way is run again into the same folder and database and
    completes; a flipped byte is named by `backup verify` and by `restore`."""
    import os
    import signal

    from tests.faults import run_faulted

    identity = x25519.Identity.generate()
    key_file = tmp_path / "partner.key"
    key_file.write_text(f"{identity}\n")
    backup.add_recipient(demo, str(identity.to_public()))
    place = tmp_path / "backups"
    backup.back_up(demo, place)
    partner = restore.keys_from_identity_file(key_file)
    own_key = (demo.folder / "log.vkey").read_text()

    def target() -> Iterator[str | None]:
        if database_url is None:
            yield None
        else:
            with fresh_database() as url:
                yield url

    for url in target():
        done = restore.restore(
            place, tmp_path / "abroad", partner, database_url=url, log_key=own_key
        )
        assert not done.unlocked and done.files_checked == 12
    for url in target():
        folder = tmp_path / "killed"

        def killed_mid_way(phase: str, _done: int, _total: int) -> None:
            if phase == "database":
                os.kill(os.getpid(), signal.SIGKILL)

        outcome = run_faulted(
            [],
            "full",
            None,
            tmp_path / "scratch",
            lambda: None,
            lambda _prepared, _ack, url=url, folder=folder: restore.restore(
                place, folder, _keys(place), database_url=url, progress=killed_mid_way
            ),
        )
        assert outcome.killed and restore.unfinished(folder)
        done = restore.restore(place, folder, _keys(place), database_url=url)
        assert done.unlocked and not restore.unfinished(folder)
        with Archive.open(folder) as restored:
            assert verify_archive(restored).ok
    blob = next(p.name for p in demo.blobs.iterdir())
    chunk = _chunk_of(place, restore.snapshots(place)[-1], f"blobs/{blob}")
    data = bytearray(chunk.read_bytes())
    data[len(data) // 2] ^= 0x01
    chunk.write_bytes(bytes(data))
    named = chunk.relative_to(place).as_posix()
    assert any(named in problem for problem in restore.verify_backup(place, partner).problems)
    for url in target():
        with pytest.raises(BackupDamaged, match=named):
            restore.restore(place, tmp_path / "damaged", partner, database_url=url)
    assert not (tmp_path / "damaged").exists()
