"""Writers in the threads of one process take turns (services/archive.py: Turns): one
transaction at a time, queued in the process rather than in SQLite's busy wait, and one
sync of the tile log for every writer that waited while another synced. Each write still
returns only once its own entries are durable. FICTIONAL records."""

from __future__ import annotations

import dataclasses
import threading

import pytest

from bearwitness.domain.records import Person
from bearwitness.services import _ledger, checkpoints, verification, writing
from bearwitness.services.archive import Archive

THREADS, EACH = 8, 6


def test_writers_in_threads_return_with_their_entries_durable(archive: Archive) -> None:
    users = [dataclasses.replace(archive, actor=f"U-{n}") for n in range(THREADS)]
    shortfalls: list[int] = []  # writes that returned before their entries were in the tiles

    def writer(number: int) -> None:
        for k in range(EACH):
            person = Person(id=f"P-{number:02d}{k:02d}", role="victim", fictional=True)
            result = writing.write_records(users[number], [person])
            with _ledger.open_tiles(archive) as log:
                if log.synced_size <= result.log_start:
                    shortfalls.append(result.log_start)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not shortfalls
    with archive.engine.connect() as connection:
        size = _ledger.log_size(connection)
    assert size == THREADS * EACH and archive.turns.synced == size
    checkpoints.sign_new_checkpoint(archive)
    report = verification.verify_archive(archive, against=[])
    assert report.ok, report.problems


def test_a_writer_whose_entries_another_synced_does_not_touch_the_disk(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    writing.write_records(archive, [Person(id="P-0001", role="victim", fictional=True)])
    synced = archive.turns.synced
    assert synced >= 1

    def refused(_: Archive) -> int:
        raise AssertionError("synced again")

    monkeypatch.setattr(_ledger, "_sync_tiles", refused)
    assert _ledger.sync_log(archive, upto=synced) == synced  # what it needs is durable
    with pytest.raises(AssertionError, match="synced again"):
        _ledger.sync_log(archive, upto=synced + 1)  # more than is durable: it syncs
    with pytest.raises(AssertionError, match="synced again"):
        _ledger.sync_log(archive)  # asked for all: it syncs
