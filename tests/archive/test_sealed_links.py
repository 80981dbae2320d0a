"""Migration 0007 on a real archive of revision 0006: the clear links go, nothing else.

``tests/data/archive-0006`` was written by BearWitness at revision 0006 (see its
README): it kept every person record's person, the run's pairs and clusters and
both review decisions' record ids in the clear. After the upgrade no row and no
freed page of the SQLite file ties two person records together, the log still
verifies locked and unlocked, the reviewers' decisions still open, and the next
``link`` keeps the persons and writes every record anew with its person sealed.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bearwitness.errors import ArchiveError, NotFound
from bearwitness.services import link_review, linking
from bearwitness.services._sealing import open_record
from bearwitness.services.archive import Archive
from bearwitness.services.verification import verify_archive
from bearwitness.store import rows as store
from bearwitness.store.database import connect, migrate, schema_is_current
from bearwitness.store.schema import RECORD_TABLES, legacy_person_rows
from tests.linkage.links_on_disk import clear_links

FIXTURE = Path(__file__).parent.parent / "data" / "archive-0006" / "archive"


def _copy_fixture(folder: Path) -> None:
    """The archive as it was written: git keeps no empty folder, so its empty `blobs/` and
    `inbox/` come back here."""
    shutil.copytree(FIXTURE, folder)
    for empty in ("blobs", "inbox"):
        (folder / empty).mkdir(mode=0o700, exist_ok=True)


PASSPHRASE = "FICTIONAL fixture passphrase"
# Two person record ids side by side, or a record and a person: how a clear row of
# link_pairs, link_clusters or person_records looks in SQLite's record format.
ADJACENT = (rb"R-\d{4}R-\d{4}", rb"R-\d{4}P-\d{4}")
SEALED = RECORD_TABLES["person_record"].c.sealed


def _on_disk(folder: Path) -> bytes:
    with sqlite3.connect(folder / "archive.db") as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return b"".join(path.read_bytes() for path in folder.glob("archive.db*"))


def _old_persons(folder: Path) -> dict[str, str]:
    with sqlite3.connect(folder / "archive.db") as connection:
        return dict(connection.execute("SELECT id, person_id FROM person_records").fetchall())


def test_an_archive_of_revision_0006_keeps_no_clear_link_after_the_upgrade(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "archive"
    _copy_fixture(folder)
    before = _on_disk(folder)
    assert clear_links(folder / "archive.db")  # what the old revision left in the clear
    assert all(re.search(pattern, before) for pattern in ADJACENT)
    persons = _old_persons(folder)
    assert len(set(persons.values())) < len(persons)  # some records were one person

    with Archive.open(folder) as locked:  # any command migrates, keys or not
        assert verify_archive(locked).ok, verify_archive(locked).problems
        with locked.engine.connect() as connection:
            assert linking.latest_run(connection).id == "LR-0001"  # its counts stay
            log = link_review.decision_log(locked, connection)
    assert list(log["decision"]) == ["reject", "accept"] and log["left_id"].isna().all()
    after = _on_disk(folder)
    assert clear_links(folder / "archive.db") == []
    assert not any(re.search(pattern, after) for pattern in ADJACENT)  # freed pages too

    with Archive.open(folder) as archive:
        archive.unlock_with_passphrase(PASSPHRASE)
        assert verify_archive(archive).ok, verify_archive(archive).problems
        with archive.engine.connect() as connection:
            log = link_review.decision_log(archive, connection)
            with pytest.raises(NotFound, match="before links were sealed"):
                linking.run_links(archive, connection, "LR-0001")
        assert list(zip(log["left_id"], log["right_id"], strict=True)) == [
            ("R-0010", "R-0011"),
            ("R-0010", "R-0012"),
        ]
        assert link_review.reasons(archive) == ["FICTIONAL: no", "FICTIONAL: yes"]

        with archive.engine.connect() as connection:
            old_rows = [bytes(sealed) for (sealed,) in connection.execute(select(SEALED))]
        result = linking.link_archive(archive)
        assert result.run.decisions == 2
        # Without the persons read back from the sealed history, every one would be new.
        assert result.new_persons < result.run.persons
        assert result.repointed == len(persons)  # every record written anew, person sealed
        with archive.engine.connect() as connection:
            assert connection.scalar(select(func.count()).select_from(legacy_person_rows)) == 0
            now = {
                stored.clear["id"]: open_record(archive.sealer, stored, stored.clear["id"])
                for stored in store.query_records(connection, "person_record")
            }
            pairs = linking.run_pairs(archive, connection, result.run.id)
        kept = [r for r in persons if now[r].person_id == persons[r]]  # type: ignore[attr-defined]
        assert len(kept) >= len(persons) - 3  # only the three reviewed records may move
        rejected = pairs[(pairs["left_id"] == "R-0010") & (pairs["right_id"] == "R-0011")]
        assert list(rejected["decision"]) == ["reject"]
        assert verify_archive(archive).ok, verify_archive(archive).problems
    with Archive.open(folder) as locked:
        assert verify_archive(locked).ok, verify_archive(locked).problems
    assert clear_links(folder / "archive.db") == []
    # The old rows' ciphertexts, which the log's old row hashes could test guesses against,
    # are gone from the file, freed pages and WAL included.
    on_disk = _on_disk(folder)
    assert not any(old in on_disk for old in old_rows)


def test_the_upgrade_refuses_to_leave_decisions_unsealed_without_a_key(tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    _copy_fixture(folder)
    engine = connect(f"sqlite:///{folder / 'archive.db'}")
    try:
        with pytest.raises(ArchiveError, match="no key to seal them to"):
            migrate(engine)  # no seal_pair: as a caller that bypasses Archive.open
        assert not schema_is_current(engine)  # one transaction: nothing was changed
    finally:
        engine.dispose()
    assert clear_links(folder / "archive.db")  # still the old archive, to be opened properly
