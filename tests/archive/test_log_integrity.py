"""The archive's log catches every kind of tampering, on SQLite and PostgreSQL.

Each test builds a small archive with one record of each type and an evidence
file, signs a checkpoint, tampers with one thing the way an adversary with the
disk (or the database) could, and checks that verification names what failed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, update

from bearwitness.errors import ArchiveError
from bearwitness.intake.importers import ImportRow
from bearwitness.services import _ledger, checkpoints, verification, writing
from bearwitness.services.archive import Archive
from bearwitness.services.verification import ArchiveVerification, verify_archive
from bearwitness.store.schema import RECORD_TABLES, log_entries, record_versions
from bearwitness.tlog.checkpoint import parse_checkpoint
from bearwitness.tlog.entry import parse_entry
from bearwitness.tlog.tiles import TileLog
from tests.archive.test_records_store import ONE_OF_EACH

EVIDENCE = {
    "type": "evidence",
    "id": "F-0001",
    "document_id": "D-0001",
    "media_type": "image/jpeg",
    "filename": "FICTIONAL-scan.jpg",
    "description": "FICTIONAL scan of a summons",
}


def _fill(archive: Archive, tmp_path: Path) -> None:
    scan = tmp_path / "scan.jpg"
    scan.write_bytes(b"FICTIONAL image bytes " * 500)
    rows = [ImportRow(n, dict(r)) for n, r in enumerate([*ONE_OF_EACH, EVIDENCE], start=1)]
    writing.write_records(
        archive, writing.resolve_rows(archive, rows, "test"), files={"F-0001": scan}
    )
    writing.change_record(archive, "person", "P-0001", {"address": "FICTIONAL new address"})
    checkpoints.sign_new_checkpoint(archive)


def _locked(archive: Archive) -> Archive:
    return Archive.open(archive.folder)


def _verify(archive: Archive, against: list[bytes] | None = None) -> ArchiveVerification:
    return verify_archive(archive, against=against or [])


def _problems(report: ArchiveVerification) -> str:
    assert not report.ok, "tampering went unnoticed"
    return "\n".join(report.problems)


@pytest.fixture
def filled(archive: Archive, tmp_path: Path) -> Archive:
    _fill(archive, tmp_path)
    return archive


def test_an_untouched_archive_verifies_locked_and_unlocked(filled: Archive) -> None:
    report = _verify(filled)
    assert report.ok, report.problems
    assert report.versions_checked == len(ONE_OF_EACH) + 2  # + evidence + the person's v2
    assert report.files_checked == 1
    assert report.uncovered == 0
    locked = _locked(filled)
    try:
        assert _verify(locked).ok
    finally:
        locked.close()


def test_every_change_is_logged_with_the_change(filled: Archive) -> None:
    with filled.engine.connect() as connection:
        entries = [parse_entry(e) for _, e in _ledger.read_entries(connection)]
    person = [e for e in entries if e.record_id == "P-0001"]
    assert [(e.kind, e.version) for e in person] == [("create", 1), ("update", 2)]
    assert person[1].previous_commitment == person[0].commitment
    evidence = next(e for e in entries if e.record_id == "F-0001")
    # A small file could be guessed: its hash is bound only by the salted commitment.
    assert evidence.file_sha256 is None and evidence.sealed_file_sha256
    assert all(e.sealed_sha256 for e in entries)
    serialised = b"".join(e for _, e in _ledger.read_entries(filled.engine.connect()))
    assert "Хасанов".encode() not in serialised and b"FICTIONAL" not in serialised


def test_the_log_is_numbered_from_0_without_a_gap(filled: Archive) -> None:
    """``log_size`` reads the largest index plus one: true only because the indexes run
    from 0 without a gap, whichever writer (records, events) appended them."""
    _ledger.record_event(filled, "unlock", {"how": "FICTIONAL test"})
    with filled.engine.connect() as connection:
        indexes = list(connection.scalars(select(log_entries.c.idx).order_by(log_entries.c.idx)))
        counted = connection.scalar(select(func.count()).select_from(log_entries))
        assert indexes == list(range(len(indexes))) and len(indexes) > 10
        assert _ledger.log_size(connection) == counted == TileLog(filled.log_dir).size


def test_a_gap_in_the_entries_not_yet_in_the_tiles_stops_the_sync(filled: Archive) -> None:
    entry = _ledger.event_entry(filled, "unlock", {"how": "FICTIONAL test"})
    with filled.engine.begin() as connection:  # three entries queued, not yet synced
        first = _ledger.append_entries(connection, [entry, entry, entry])
    with filled.engine.begin() as connection:
        connection.execute(delete(log_entries).where(log_entries.c.idx == first + 1))
    tiles = TileLog(filled.log_dir).size
    with pytest.raises(ArchiveError, match=f"lacks log entry {first + 1}, before entry"):
        _ledger.sync_log(filled)
    assert TileLog(filled.log_dir).size == tiles == first  # nothing appended past the gap


def _flip_column(archive: Archive, table: object, column: str, **where: object) -> None:
    from sqlalchemy import Table

    assert isinstance(table, Table)
    condition = [table.c[name] == value for name, value in where.items()]
    with archive.engine.begin() as connection:
        value = bytearray(connection.scalar(select(table.c[column]).where(*condition)))
        value[len(value) // 2] ^= 0x01
        connection.execute(update(table).where(*condition).values({column: bytes(value)}))


def test_a_changed_byte_in_a_sealed_version_is_named(filled: Archive) -> None:
    _flip_column(filled, record_versions, "payload", kind="document", id="D-0001", version=1)
    assert "document D-0001 version 1" in _problems(_verify(filled))
    locked = _locked(filled)
    try:
        problems = _problems(_verify(locked))
        assert "document D-0001 version 1" in problems and "sealed bytes differ" in problems
    finally:
        locked.close()


def test_a_changed_byte_in_a_current_row_is_named(filled: Archive) -> None:
    _flip_column(filled, RECORD_TABLES["source"], "sealed", id="S-0001")
    assert "source S-0001 version 1" in _problems(_verify(filled))
    locked = _locked(filled)
    try:
        assert "source S-0001 version 1: the current row differs" in _problems(_verify(locked))
    finally:
        locked.close()


def test_no_file_hash_is_in_the_clear_anywhere(archive: Archive, tmp_path: Path) -> None:
    """Whoever seizes the server (or reads the published log) holds no file's SHA-256:
    with one, they could test a suspect's own photos and prove who sent them."""
    big = tmp_path / "video.bin"
    big.write_bytes(b"FICTIONAL video " * 70_000)  # over 1 MiB: no size escapes the rule
    rows = [
        ImportRow(n, dict(r))
        for n, r in enumerate(
            [
                ONE_OF_EACH[0],
                ONE_OF_EACH[3] | {"event_ids": []},
                EVIDENCE | {"media_type": "video/mp4"},
            ],
            start=1,
        )
    ]
    writing.write_records(
        archive, writing.resolve_rows(archive, rows, "test"), files={"F-0001": big}
    )
    checkpoints.sign_new_checkpoint(archive)
    digest = hashlib.sha256(big.read_bytes()).hexdigest()
    with archive.engine.connect() as connection:
        entries = [parse_entry(e) for _, e in _ledger.read_entries(connection)]
        row = connection.execute(select(RECORD_TABLES["evidence"])).one()._asdict()
    assert all(e.file_sha256 is None for e in entries)
    assert digest not in {str(v) for v in row.values()}
    files = [p for p in archive.folder.rglob("*") if p.is_file()]
    assert not any(
        digest.encode() in p.read_bytes() or bytes.fromhex(digest) in p.read_bytes() for p in files
    )
    assert _verify(archive).ok


def test_a_record_whose_row_was_deleted_is_named(filled: Archive) -> None:
    with filled.engine.begin() as connection:
        connection.execute(delete(RECORD_TABLES["claim"]))
    assert "claim C-0001 version 1: its current row is gone" in _problems(_verify(filled))
    locked = _locked(filled)
    try:
        assert "claim C-0001 version 1: its current row is gone" in _problems(_verify(locked))
    finally:
        locked.close()


def test_evidence_never_replaces_another_records_file(filled: Archive, tmp_path: Path) -> None:
    before = (filled.blobs / "F-0001.age").read_bytes()
    other = tmp_path / "other.jpg"
    other.write_bytes(b"FICTIONAL other bytes")
    # A write that lost the race for an id its check saw free (the check is bypassed here):
    # the committed record's file stays. (A file no record names is a killed write's
    # leftover and is replaced: tests/archive/test_write_crash.py.)
    [record] = writing.resolve_rows(filled, [ImportRow(1, EVIDENCE | {"id": "F-0002"})], "test")
    with pytest.raises(ArchiveError, match="already has a file"):
        writing.write_records(
            filled, [dataclasses.replace(record, id="F-0001")], files={"F-0001": other}
        )
    assert (filled.blobs / "F-0001.age").read_bytes() == before


def test_a_changed_clear_field_is_named(filled: Archive) -> None:
    with filled.engine.begin() as connection:
        connection.execute(
            update(RECORD_TABLES["event"])
            .where(RECORD_TABLES["event"].c.id == "E-0001")
            .values(district="Elsewhere")
        )
    assert "event E-0001 version 1: the current row differs" in _problems(_verify(filled))
    locked = _locked(filled)  # an auditor, without the keys, sees it too
    try:
        assert "event E-0001 version 1: the current row differs" in _problems(_verify(locked))
    finally:
        locked.close()


def test_a_changed_evidence_file_is_named(filled: Archive) -> None:
    blob = filled.blobs / "F-0001.age"
    data = bytearray(blob.read_bytes())
    data[-20] ^= 0x01
    blob.write_bytes(bytes(data))
    assert "evidence file F-0001.age" in _problems(_verify(filled))
    locked = _locked(filled)
    try:
        assert "evidence file F-0001.age" in _problems(_verify(locked))
    finally:
        locked.close()


def test_a_changed_tile_entry_bundle_or_checkpoint_is_named(filled: Archive) -> None:
    log = filled.log_dir
    tile = next(p for p in (log / "tile" / "0").rglob("*") if p.is_file())
    bundle = next(p for p in (log / "tile" / "entries").rglob("*") if p.is_file())
    for path in (tile, bundle, log / "checkpoint"):
        original = path.read_bytes()
        changed = bytearray(original)
        changed[min(40, len(changed) - 2)] ^= 0x01
        path.write_bytes(bytes(changed))
        problems = _problems(_verify(filled))
        assert problems.startswith("log:"), problems
        assert path.name in problems or "checkpoint" in problems, problems
        path.write_bytes(original)
    assert _verify(filled).ok


def test_a_removed_entry_is_detected(filled: Archive) -> None:
    with filled.engine.begin() as connection:
        connection.execute(delete(log_entries).where(log_entries.c.idx == 3))
    problems = _problems(_verify(filled))
    assert "entry 3: in the signed log but missing from the database" in problems


def test_a_reordered_history_is_detected(filled: Archive) -> None:
    with filled.engine.begin() as connection:
        rows = dict(connection.execute(select(log_entries.c.idx, log_entries.c.entry)).all())
        for a, b in ((1, 2), (2, 1)):
            connection.execute(
                update(log_entries).where(log_entries.c.idx == a).values(entry=rows[b])
            )
    problems = _problems(_verify(filled))
    assert "entry 1: the database's copy differs" in problems


def test_a_version_added_without_logging_is_detected(filled: Archive) -> None:
    with filled.engine.begin() as connection:
        row = (
            connection.execute(select(record_versions).where(record_versions.c.id == "E-0001"))
            .one()
            ._asdict()
        )
        connection.execute(record_versions.insert().values({**row, "version": 2}))
    assert "event E-0001 version 2 is in the database but not in the log" in _problems(
        _verify(filled)
    )


def test_a_log_rebuilt_without_one_record_is_caught_by_an_older_checkpoint(
    filled: Archive, tmp_path: Path
) -> None:
    kept = checkpoints.export_checkpoint(filled, tmp_path / "partner-copy").note
    # The adversary holds the unlocked archive and its signing key.
    _rebuild_without_the_claim(filled)
    assert _verify(filled).ok  # consistent with itself: only an older checkpoint can tell
    problems = _problems(_verify(filled, [kept]))
    assert "older checkpoint #1" in problems and "not consistent" in problems


def _rebuild_without_the_claim(archive: Archive) -> None:
    """Remove the claim, renumber the log, rebuild the tiles and sign them again."""
    with archive.engine.begin() as connection:
        entries = [
            e for _, e in _ledger.read_entries(connection) if parse_entry(e).record_id != "C-0001"
        ]
        connection.execute(delete(log_entries))
        connection.execute(
            log_entries.insert(), [{"idx": i, "entry": e} for i, e in enumerate(entries)]
        )
        connection.execute(delete(record_versions).where(record_versions.c.id == "C-0001"))
        connection.execute(delete(RECORD_TABLES["claim"]))
    shutil.rmtree(archive.log_dir)
    shutil.rmtree(archive.folder / checkpoints.CHECKPOINTS)
    for district in ("Grozny", "Argun"):  # and grows it past the size a partner kept
        writing.change_record(archive, "event", "E-0001", {"district": district})
    checkpoints.sign_new_checkpoint(archive)


def test_a_log_rebuilt_under_a_replaced_key_fails_against_the_pinned_key(
    filled: Archive, tmp_path: Path
) -> None:
    original = checkpoints.log_verifier(filled)
    # Without the signing key the adversary makes its own: signing needs only the
    # archive's public recipient, and a missing log.vkey and log-key.age make a new pair.
    (filled.folder / checkpoints.VKEY_FILE).unlink()
    (filled.folder / checkpoints.SIGNER_FILE).unlink()
    _rebuild_without_the_claim(filled)
    forged = checkpoints.log_verifier(filled)
    assert forged.vkey() != original.vkey()
    # Checked with its own key the archive passes, and the report says which key that was:
    report = _verify(filled)
    assert report.ok and report.key == forged.vkey() and not report.pinned
    # which is why the key must come from elsewhere.
    pinned = verify_archive(filled, pinned=original)
    problems = _problems(pinned)
    assert pinned.pinned and pinned.key == original.vkey()
    assert (
        f"log.vkey is {verification.key_name(forged)}, not the pinned key "
        f"{verification.key_name(original)}" in problems
    )
    assert "log: checkpoint: the note carries no signature by a known key" in problems
    locked = _locked(filled)
    try:
        assert not verify_archive(locked, pinned=original).ok
    finally:
        locked.close()


def test_the_pinned_key_passes_an_untouched_archive(filled: Archive) -> None:
    original = checkpoints.log_verifier(filled)
    report = verify_archive(filled, pinned=original)
    assert report.ok and report.pinned and report.key == original.vkey(), report.problems


# The whole archive restored from a backup: the database must live in the folder.
@pytest.mark.parametrize("database_url", [None])
def test_a_rolled_back_archive_is_caught_by_a_newer_checkpoint(
    filled: Archive, tmp_path: Path
) -> None:
    backup = tmp_path / "backup"
    shutil.copytree(filled.folder, backup)
    writing.change_record(filled, "event", "E-0001", {"district": "Grozny"})
    checkpoints.sign_new_checkpoint(filled)
    newer = checkpoints.export_checkpoint(filled, tmp_path / "partner-copy").note
    restored = Archive.open(backup, secrets=filled.secrets)
    try:
        assert _verify(restored).ok
        problems = _problems(_verify(restored, [newer]))
        assert "rolled back" in problems
    finally:
        restored.close()


def test_a_database_rolled_back_behind_the_log_is_detected(filled: Archive) -> None:
    with filled.engine.begin() as connection:
        last = connection.scalar(select(log_entries.c.idx).order_by(log_entries.c.idx.desc()))
        connection.execute(delete(log_entries).where(log_entries.c.idx == last))
    problems = _problems(_verify(filled))
    assert f"entry {last}: in the signed log but missing from the database" in problems


def test_concurrent_writers_each_get_their_own_entries(archive: Archive) -> None:
    """Two processes' worth of writers (the web app and the CLI, say) never share an index."""
    from concurrent.futures import ThreadPoolExecutor

    def writer(number: int) -> None:
        mine = Archive.open(archive.folder, secrets=archive.secrets)
        try:
            for batch in range(3):
                rows = [
                    ImportRow(
                        n,
                        {
                            "type": "person",
                            "id": f"P-{number}{batch}{n:02d}",
                            "full_name": "FICTIONAL",
                        },
                    )
                    for n in range(1, 6)
                ]
                writing.write_records(mine, writing.resolve_rows(mine, rows, "test"))
        finally:
            mine.close()

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(writer, range(1, 5)))
    checkpoints.sign_new_checkpoint(archive)
    report = _verify(archive)
    assert report.ok, report.problems
    assert report.entries == report.versions_checked == 4 * 3 * 5


def test_an_import_folded_from_the_inbox_is_logged_as_an_import(archive: Archive) -> None:
    from bearwitness.services import inbox

    locked = _locked(archive)
    try:
        rows = [ImportRow(1, {"type": "person", "full_name": "FICTIONAL"})]
        inbox.submit(locked, rows, "list.csv", "import")
        with locked.engine.connect() as connection:
            assert _ledger.log_size(connection) == 0  # locked: nothing written, nothing logged
    finally:
        locked.close()
    assert inbox.fold(archive).records == 1
    with archive.engine.connect() as connection:
        [(_, logged)] = list(_ledger.read_entries(connection))
    assert parse_entry(logged).kind == "import"


def _interrupted_checkpoint(archive: Archive, monkeypatch: pytest.MonkeyPatch) -> int:
    """Sign a checkpoint killed after keeping checkpoints/N, before log/checkpoint."""

    def killed(self: TileLog, note: bytes) -> None:
        raise KeyboardInterrupt  # as a kill would: nothing after this runs

    with monkeypatch.context() as patch:
        patch.setattr(TileLog, "publish_checkpoint", killed)
        with pytest.raises(KeyboardInterrupt):
            checkpoints.sign_new_checkpoint(archive)
    return checkpoints.latest_checkpoint(archive).size


def test_a_checkpoint_killed_before_publishing_is_no_tamper_alarm(
    filled: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    published = filled.log_dir / "checkpoint"
    before = published.read_bytes()
    writing.change_record(filled, "event", "E-0001", {"district": "Grozny"})
    size = _interrupted_checkpoint(filled, monkeypatch)
    assert published.read_bytes() == before and parse_checkpoint(before).size < size
    report = _verify(filled)
    assert report.ok, report.problems
    assert report.unpublished and report.checkpoint_size == size and report.uncovered == 0
    locked = _locked(filled)
    try:
        assert _verify(locked).ok
    finally:
        locked.close()
    # The next checkpoint publishes the kept one: same size, same signed bytes.
    assert checkpoints.sign_new_checkpoint(filled).size == size
    assert published.read_bytes() == (filled.folder / "checkpoints" / str(size)).read_bytes()
    report = _verify(filled)
    assert report.ok and not report.unpublished


def test_a_first_checkpoint_killed_before_publishing_is_no_tamper_alarm(
    archive: Archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [ImportRow(n, dict(r)) for n, r in enumerate(ONE_OF_EACH, start=1)]
    writing.write_records(archive, writing.resolve_rows(archive, rows, "test"))
    _interrupted_checkpoint(archive, monkeypatch)
    assert not (archive.log_dir / "checkpoint").exists()
    report = _verify(archive)
    assert report.ok and report.unpublished, report.problems


def test_a_log_folder_rolled_back_behind_a_kept_checkpoint_is_caught(
    filled: Archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backup = tmp_path / "log-backup"
    shutil.copytree(filled.log_dir, backup)
    writing.change_record(filled, "event", "E-0001", {"district": "Grozny"})
    checkpoints.sign_new_checkpoint(filled)
    shutil.rmtree(filled.log_dir)
    shutil.copytree(backup, filled.log_dir)
    problems = _problems(_verify(filled))
    assert "log folder was rolled back" in problems
    # An interrupted checkpoint does not hide a rollback either.
    shutil.rmtree(filled.log_dir)
    shutil.copytree(backup, filled.log_dir)  # (a write would append the entries again)
    writing.change_record(filled, "event", "E-0001", {"district": "Argun"})
    _interrupted_checkpoint(filled, monkeypatch)
    shutil.rmtree(filled.log_dir)
    shutil.copytree(backup, filled.log_dir)
    assert "log folder was rolled back" in _problems(_verify(filled))
