"""A large write seals on worker processes: the same rows, log and checks as one sealed here."""

from __future__ import annotations

import os
import threading

import pytest

from bearwitness.crypto import hardening
from bearwitness.domain.records import Document, Record
from bearwitness.errors import InputError
from bearwitness.services import _sealing_workers as workers
from bearwitness.services import checkpoints, reading, writing
from bearwitness.services._ledger import log_size
from bearwitness.services._sealing import SealedVersion, seal_record
from bearwitness.services.archive import Archive
from bearwitness.services.verification import verify_archive


def _documents(count: int) -> list[Record]:
    return [
        Document(
            id=f"D-{number:04d}",
            title=f"FICTIONAL testimony {number}",
            text=f"FICTIONAL. Задержали ночью, word{number} и ещё",
            fictional=True,
        )
        for number in range(1, count + 1)
    ]


@pytest.fixture
def on_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small writes go to the workers too, a few records a chunk."""
    monkeypatch.setattr(workers, "MIN_RECORDS", 2)
    monkeypatch.setattr(workers, "CHUNK", 3)
    if workers.workers_for(10) == 0:
        pytest.skip("one core here: a write never uses workers")


@pytest.mark.usefixtures("on_workers")
def test_a_write_sealed_on_workers_verifies_and_is_found(archive: Archive) -> None:
    result = writing.write_records(archive, _documents(20), operation="import")
    assert result.ids["document"] == [f"D-{n:04d}" for n in range(1, 21)]
    assert result.log_start == 0
    checkpoints.sign_new_checkpoint(archive)
    report = verify_archive(archive)
    assert report.ok, report.problems
    assert report.entries == 20
    assert reading.open_full(archive, "D-0017").text.endswith("word17 и ещё")  # type: ignore[attr-defined]
    assert [hit.id for hit in reading.search(archive, "word13 задержали")] == ["D-0013"]


@pytest.mark.usefixtures("on_workers")
def test_a_worker_that_fails_writes_nothing(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(*args: object, **kwargs: object) -> SealedVersion:
        record = args[2]
        assert isinstance(record, Document)
        if record.id == "D-0011":
            raise InputError("FICTIONAL failure while sealing", hint="none")
        return seal_record(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(workers, "seal_record", failing)  # the forked workers inherit it
    with pytest.raises(InputError, match="FICTIONAL failure while sealing"):
        writing.write_records(archive, _documents(20), operation="import")
    with archive.engine.connect() as connection:
        assert log_size(connection) == 0
    assert reading.list_records(archive, "document") == []


@pytest.mark.usefixtures("on_workers")
def test_workers_only_from_a_writer_with_one_thread() -> None:
    assert workers.workers_for(10) >= 2
    assert workers.workers_for(1) == 0  # below MIN_RECORDS
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert workers.workers_for(10) == 0
    finally:
        stop.set()
        other.join()


@pytest.mark.usefixtures("on_workers")
def test_workers_are_hardened_before_any_key_reaches_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def report(self: workers.Sealing, records: object) -> list[object]:
        return [hardening.current(), os.getpid()]  # what the worker sealing a chunk is

    monkeypatch.setattr(workers.Sealing, "seal", report)
    sealing = workers.Sealing(bytes(32), 1, bytes(32), "U-test", "2026-01-01T00:00:00Z", "import")
    with workers.sealed_chunks(sealing, _documents(12)) as chunks:
        seen = list(chunks)
    assert len(seen) == 4
    for protection, pid in seen:
        assert pid != os.getpid()
        assert isinstance(protection, hardening.Protection)
        assert protection.core_dumps_off and protection.not_dumpable
    assert "keys hidden" in repr(sealing) and "0000" not in repr(sealing)
