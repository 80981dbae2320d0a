"""The intake's shared fsync of the inbox folder (inbox.FolderSync): one sync may answer
several writers, but none is answered by a sync that began before it asked."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from bearwitness.crypto.keys import create_secrets
from bearwitness.services import inbox


class DirectorySyncs:
    """Wraps os.fsync: records each fsync of a folder; the first can be held at a gate."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *, hold_first: bool = False) -> None:
        self.events: list[str] = []
        self.gate = threading.Event()
        self.started = threading.Event()
        self.fail_next = False
        self._hold = hold_first
        self._real = os.fsync
        self._lock = threading.Lock()
        monkeypatch.setattr(os, "fsync", self)

    def __call__(self, fd: int) -> None:
        if not stat.S_ISDIR(os.fstat(fd).st_mode):
            self._real(fd)
            return
        with self._lock:
            number = sum(1 for e in self.events if e.startswith("start")) + 1
            self.events.append(f"start {number}")
        self.started.set()
        if number == 1 and self._hold:
            self.gate.wait(timeout=30)
        if self.fail_next:
            self.fail_next = False
            raise OSError(5, "Input/output error")
        self._real(fd)
        with self._lock:
            self.events.append(f"end {number}")


def test_a_writer_that_asks_during_a_sync_waits_for_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    syncs = DirectorySyncs(monkeypatch, hold_first=True)
    shared = inbox.FolderSync(tmp_path)
    first = threading.Thread(target=shared.sync)
    first.start()
    assert syncs.started.wait(timeout=30)

    def second() -> None:
        syncs.events.append("asked")
        shared.sync()
        syncs.events.append("answered")

    later = threading.Thread(target=second)
    later.start()
    while "asked" not in syncs.events:
        threading.Event().wait(0.01)
    syncs.gate.set()
    first.join(timeout=30)
    later.join(timeout=30)
    events = syncs.events
    assert events.index("start 2") > events.index("asked")
    assert events.index("answered") > events.index("end 2")


def test_many_writers_at_once_are_all_durable_with_fewer_syncs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secrets = create_secrets()
    folder = tmp_path / "inbox"
    folder.mkdir()
    syncs = DirectorySyncs(monkeypatch)
    shared = inbox.FolderSync(folder)
    names: list[str] = []

    def write(number: int) -> None:
        entry = inbox.Entry(1, {"text": f"FICTIONAL {number}"}, f"FICTIONAL {number}".encode())
        names.append(
            inbox.write_batch(
                folder,
                secrets.recipient,
                [entry],
                source="test",
                actor="U-test",
                folder_sync=shared,
            )
        )

    threads = [threading.Thread(target=write, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(names) == 16
    for name in names:  # each acknowledged batch is there: its manifest and its file
        assert (folder / f"{name}{inbox.MANIFEST}").is_file()
    ends = [e for e in syncs.events if e.startswith("end")]
    assert 1 <= len(ends) <= 16


def test_a_failed_sync_raises_and_the_next_writer_syncs_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    syncs = DirectorySyncs(monkeypatch)
    shared = inbox.FolderSync(tmp_path)
    syncs.fail_next = True
    with pytest.raises(OSError):
        shared.sync()
    shared.sync()
    assert syncs.events == ["start 1", "start 2", "end 2"]
