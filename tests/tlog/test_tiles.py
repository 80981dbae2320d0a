"""The tile log on disk: C2SP paths byte for byte, proofs from tiles, crash recovery."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bearwitness.errors import ArchiveError, InputError, VerificationError
from bearwitness.tlog import merkle
from bearwitness.tlog.checkpoint import Checkpoint, sign_checkpoint
from bearwitness.tlog.layout import encode_index, entries_path, tile_path
from bearwitness.tlog.note import NoteSigner
from bearwitness.tlog.tiles import TileLog
from bearwitness.tlog.verify import verify_log

SIGNER = NoteSigner("example.org/log", b"\x01" * 32)


def files(directory: Path, under: str = "tile") -> list[str]:
    return sorted(
        str(p.relative_to(directory)) for p in (directory / under).rglob("*") if p.is_file()
    )


def entries(n: int, start: int = 0) -> list[bytes]:
    return [b"FICTIONAL entry %d" % i for i in range(start, start + n)]


def publish(log: TileLog) -> bytes:
    note = sign_checkpoint(Checkpoint("example.org/log", log.size, log.root()), SIGNER)
    log.publish_checkpoint(note)
    return note


def test_index_encoding_and_paths_follow_the_spec() -> None:
    assert [encode_index(n) for n in (0, 5, 999, 1000, 1234067)] == [
        "000",
        "005",
        "999",
        "x001/000",
        "x001/x234/067",
    ]
    assert tile_path(0, 1234067) == "tile/0/x001/x234/067"
    assert tile_path(1, 1, 17) == "tile/1/001.p/17"
    assert entries_path(1234, 3) == "tile/entries/x001/234.p/3"


def test_size_three_worked_example_is_byte_exact(tmp_path: Path) -> None:
    log = TileLog(tmp_path)
    root = log.append([b"first", b"second", b"third"])
    log.sync()
    assert root.hex() == "c3651e541714c53d648ecc7baeca7fe2c36ef4fa65bcce24b1d71286437de566"
    assert files(tmp_path) == ["tile/0/000.p/3", "tile/entries/000.p/3"]
    leaves = [merkle.hash_leaf(x) for x in (b"first", b"second", b"third")]
    assert (tmp_path / "tile/0/000.p/3").read_bytes() == b"".join(leaves)
    assert (tmp_path / "tile/entries/000.p/3").read_bytes() == bytes.fromhex(
        "0005666972737400067365636f6e6400057468697264"
    )
    publish(log)
    assert (
        (tmp_path / "checkpoint")
        .read_bytes()
        .startswith(
            b"example.org/log\n3\nw2UeVBcUxT1kjsx7rsp/4sNu9PplvM4ksdcShkN95WY=\n\n\xe2\x80\x94 "
        )
    )


def test_sizes_256_and_1000_give_the_spec_tiles(tmp_path: Path) -> None:
    log = TileLog(tmp_path / "a")
    log.append(entries(256))
    log.sync()
    assert files(tmp_path / "a") == ["tile/0/000", "tile/1/000.p/1", "tile/entries/000"]
    log = TileLog(tmp_path / "b")
    log.append(entries(1000))
    log.sync()
    assert files(tmp_path / "b") == [
        "tile/0/000",
        "tile/0/001",
        "tile/0/002",
        "tile/0/003.p/232",
        "tile/1/000.p/3",
        "tile/entries/000",
        "tile/entries/001",
        "tile/entries/002",
        "tile/entries/003.p/232",
    ]


def test_seventy_thousand_entries_give_the_spec_tiles(tmp_path: Path) -> None:
    log = TileLog(tmp_path)
    log.append(entries(70_000))
    log.sync()
    level0 = files(tmp_path, "tile/0")
    assert len(level0) == 274 and "tile/0/x001/017" not in level0
    assert level0[-2:] == ["tile/0/272", "tile/0/273.p/112"]
    assert files(tmp_path, "tile/1") == ["tile/1/000", "tile/1/001.p/17"]
    assert files(tmp_path, "tile/2") == ["tile/2/000.p/1"]
    assert log.root() == merkle.root([merkle.hash_leaf(e) for e in entries(70_000)])


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(1, 300), min_size=1, max_size=8), st.data())
def test_tiles_give_the_same_roots_and_proofs_as_memory(
    tmp_path_factory: pytest.TempPathFactory, batches: list[int], data: st.DataObject
) -> None:
    log = TileLog(tmp_path_factory.mktemp("log"))
    all_entries: list[bytes] = []
    for n in batches:
        all_entries += entries(n, len(all_entries))
        assert log.append(all_entries[-n:]) == merkle.root(
            [merkle.hash_leaf(e) for e in all_entries]
        )
    hashes = [merkle.hash_leaf(e) for e in all_entries]
    mth = merkle.subtree_hasher(hashes)
    size = data.draw(st.integers(1, log.size))
    index = data.draw(st.integers(0, size - 1))
    old = data.draw(st.integers(0, size))
    assert log.root_at(size) == mth(0, size)
    assert log.inclusion_proof(index, size) == merkle.inclusion_proof(index, size, mth)
    assert log.consistency_proof(old, size) == merkle.consistency_proof(old, size, mth)
    assert log.read_entry(index) == all_entries[index]


def test_reopen_continues_and_batching_does_not_change_full_tiles(tmp_path: Path) -> None:
    with TileLog(tmp_path / "a") as log:
        log.append(entries(700))
    with TileLog(tmp_path / "a") as log:
        assert log.size == 700
        log.append(entries(300, 700))
        root = log.root()
    one = TileLog(tmp_path / "b")
    assert one.append(entries(1000)) == root
    one.sync()
    for name in ("tile/0/000", "tile/0/002", "tile/entries/001", "tile/1/000.p/3"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_limits_and_refusals(tmp_path: Path) -> None:
    log = TileLog(tmp_path / "log")
    with pytest.raises(InputError, match="at most 65535"):
        log.append([b"x" * 65536])
    assert log.size == 0 and log.append([]) == merkle.EMPTY_ROOT
    log.append(entries(3))
    with pytest.raises(InputError):
        log.read_entry(3)
    with pytest.raises(InputError):
        log.inclusion_proof(0, 4)
    foreign = sign_checkpoint(Checkpoint("example.org/log", 3, b"\x00" * 32), SIGNER)
    with pytest.raises(VerificationError, match="does not match"):
        log.publish_checkpoint(foreign)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "file").write_text("x")
    with pytest.raises(ArchiveError):
        TileLog(tmp_path / "other")


CRASH = """
import os, sys
from bearwitness.tlog.tiles import TileLog
log = TileLog(sys.argv[1])
log.append([b"FICTIONAL entry %d" % i for i in range(500, 900)])
os._exit(0)  # dies before any sync
"""


def test_process_crash_after_append_is_resumed_by_reappending(tmp_path: Path) -> None:
    with TileLog(tmp_path) as log:
        log.append(entries(500))
        note = publish(log)
    subprocess.run([sys.executable, "-c", CRASH, str(tmp_path)], check=True)
    log = TileLog(tmp_path)
    assert log.size == 500  # only what was synced counts
    log.append(entries(400, 500))  # the archive re-appends from log.size
    assert log.root() == merkle.root([merkle.hash_leaf(e) for e in entries(900)])
    newer = publish(log)
    verify_log(tmp_path, SIGNER.verifier, checkpoint=newer, older=[note])


def test_power_loss_of_unsynced_tiles_is_recovered(tmp_path: Path) -> None:
    log = TileLog(tmp_path)
    log.append(entries(300))
    log.sync()
    synced = set(files(tmp_path))
    log.append(entries(900, 300))
    log.inclusion_proof(5)  # a read writes the partial tiles of size 1200 too
    # A power cut loses some files never fsynced and tears others.
    for name in sorted(set(files(tmp_path)) - synced)[::2]:
        (tmp_path / name).unlink()
    (tmp_path / "tile/0/003").write_bytes(b"\x00" * 5)
    (tmp_path / "tile/0/.003.tmp").write_bytes(b"\x00" * 5)
    log = TileLog(tmp_path)
    assert log.size == 300
    assert set(files(tmp_path)) == synced  # everything beyond the synced size is gone
    log.append(entries(900, 300))
    note = publish(log)
    verify_log(tmp_path, SIGNER.verifier, checkpoint=note)


def tile_of(relpath: str) -> tuple[str, int, int]:
    """(level, index, width) of a tile path, read as the spec writes it."""
    parts = relpath.split("/")[1:]
    level, groups, width = parts[0], parts[1:], 256
    if len(groups) > 1 and groups[-2].endswith(".p"):
        groups, width = [*groups[:-2], groups[-2][:-2]], int(groups[-1])
    return level, int("".join(g.lstrip("x") for g in groups)), width


# (synced batches, unsynced batches): the edge inside one tile, at a tile's end, a level up.
CRASHES = [
    ([250], [3, 2]),
    ([255], [1]),
    ([256], [1, 300]),
    ([10, 246, 256 * 255 + 7], [1, 1, 520]),
    ([1], [256 * 256]),
    *((random.Random(seed).choices(range(1, 700), k=6), [1, 200, 37]) for seed in range(6)),
]


@pytest.mark.parametrize(("synced_batches", "unsynced_batches"), CRASHES)
def test_reopening_keeps_exactly_the_files_of_the_synced_size(
    tmp_path: Path, synced_batches: list[int], unsynced_batches: list[int]
) -> None:
    """Many syncs leave a partial tile folder for every tile; after a crash, reopening
    leaves exactly the files a tree of the synced size uses."""
    log = TileLog(tmp_path)
    for n in synced_batches:
        log.append(entries(n, log.size))
        log.sync()
    synced = log.size
    for n in unsynced_batches:  # appended, partial tiles written for each size, never synced
        log.append(entries(n, log.size))
        log.inclusion_proof(0)
    reopened = TileLog(tmp_path)
    assert reopened.size == synced
    for name in files(tmp_path):
        level, index, width = tile_of(name)
        count = synced if level == "entries" else synced >> (8 * int(level))
        assert index * 256 + width <= count, name
    reopened.append(entries(log.size - synced, synced))
    verify_log(tmp_path, SIGNER.verifier, checkpoint=publish(reopened))


def test_entries_the_database_never_committed_leave_no_trace(tmp_path: Path) -> None:
    """The archive appends inside its transaction; if that rolls back, so does the log."""
    log = TileLog(tmp_path)
    log.append(entries(200))
    note = publish(log)
    log.append(entries(500, 10_000))  # a transaction that will fail
    log.inclusion_proof(3)
    log.discard()
    assert log.size == 200 and log.root() == merkle.root(
        [merkle.hash_leaf(e) for e in entries(200)]
    )
    log.append(entries(500, 200))  # what was really committed
    newer = publish(log)
    verify_log(tmp_path, SIGNER.verifier, checkpoint=newer, older=[note])
    # The same after a crash instead of discard(): reopening cleans up.
    log.append(entries(700, 20_000))
    log.inclusion_proof(3)
    reopened = TileLog(tmp_path)
    assert reopened.size == 700
    reopened.append(entries(300, 700))
    verify_log(tmp_path, SIGNER.verifier, checkpoint=publish(reopened), older=[note, newer])


def test_a_smaller_checkpoint_never_replaces_a_published_one(tmp_path: Path) -> None:
    log = TileLog(tmp_path)
    log.append(entries(10))
    old = sign_checkpoint(Checkpoint("example.org/log", 10, log.root()), SIGNER)
    log.append(entries(10, 10))
    publish(log)
    with pytest.raises(InputError, match="larger size"):
        log.publish_checkpoint(old)
