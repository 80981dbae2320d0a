"""Offline verification of a whole log, and every kind of tampering it must catch."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from bearwitness.errors import VerificationError
from bearwitness.tlog.checkpoint import Checkpoint, sign_checkpoint
from bearwitness.tlog.entry import LogEntry, commit
from bearwitness.tlog.layout import decode_bundle, encode_bundle
from bearwitness.tlog.note import NoteSigner
from bearwitness.tlog.tiles import TileLog
from bearwitness.tlog.verify import verify_log

SIGNER = NoteSigner("archive.example.org/log", b"\x07" * 32)


def make_entries(n: int) -> list[bytes]:
    return [
        LogEntry(
            kind="create",
            record_type="person",
            record_id=f"P-{i:05d}",
            version=1,
            commitment=commit(i.to_bytes(32, "big"), b'{"FICTIONAL":%d}' % i),
            actor="U-01",
            time="2026-01-31T12:00:00Z",
        ).to_bytes()
        for i in range(n)
    ]


@dataclass
class Signed:
    directory: Path
    entries: list[bytes]
    notes: dict[int, bytes]  # checkpoints by size


def build(directory: Path, entries: list[bytes], checkpoint_sizes: tuple[int, ...]) -> Signed:
    notes = {}
    with TileLog(directory) as log:
        for start in range(0, len(entries), 100):
            log.append(entries[start : start + 100])
            if log.size in checkpoint_sizes:
                note = sign_checkpoint(Checkpoint(SIGNER.name, log.size, log.root()), SIGNER)
                log.publish_checkpoint(note)
                notes[log.size] = note
    return Signed(directory, entries, notes)


@pytest.fixture
def signed(tmp_path: Path) -> Signed:
    return build(tmp_path / "log", make_entries(1000), (300, 600, 1000))


def flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def test_untouched_log_verifies_and_hands_over_every_entry(signed: Signed) -> None:
    seen: list[tuple[int, bytes]] = []
    result = verify_log(
        signed.directory,
        SIGNER.verifier,
        older=[signed.notes[300], signed.notes[600]],
        on_entry=lambda i, e: seen.append((i, e)),
    )
    assert seen == list(enumerate(signed.entries))
    assert result.checkpoint.checkpoint.size == 1000 and result.older_sizes == (300, 600)
    assert result.partial_files_checked >= 4  # partial tiles kept for sizes 300 and 600


@pytest.mark.parametrize(
    ("path", "offset", "message"),
    [
        ("tile/0/001", 32 * 17 + 5, r"tile tile/0/001: hash 17 \(entry 273\)"),
        ("tile/1/000.p/3", 40, r"tile tile/1/000.p/3: hash 1 \(entries 256..511\)"),
        (
            "tile/entries/002",
            100,
            r"tile tile/0/002: hash 0 \(entry 512\) does not match "
            r"entry bundle tile/entries/002",
        ),
        ("tile/entries/003.p/232", 3000, r"tile tile/0/003.p/232: hash \d+ .* entry bundle"),
        ("tile/0/001.p/44", 64, r"tile/0/001.p/44: hash 2 \(entry 258\)"),
        ("tile/entries/002.p/88", 10, r"entry bundle tile/entries/002.p/88 does not match"),
        ("checkpoint", 20, r"^checkpoint: "),
    ],
)
def test_a_changed_byte_is_caught_and_named(
    signed: Signed, path: str, offset: int, message: str
) -> None:
    flip(signed.directory / path, offset)
    with pytest.raises(VerificationError, match=message):
        verify_log(signed.directory, SIGNER.verifier)


def test_a_removed_entry_is_caught(signed: Signed) -> None:
    bundle = signed.directory / "tile/entries/001"
    entries = decode_bundle(bundle.read_bytes(), "x")
    bundle.write_bytes(encode_bundle(entries[:10] + entries[11:]))
    with pytest.raises(VerificationError, match="holds 255 entries, not 256"):
        verify_log(signed.directory, SIGNER.verifier)


def test_a_missing_tile_is_named(signed: Signed) -> None:
    (signed.directory / "tile/0/002").unlink()
    with pytest.raises(VerificationError, match="tile/0/002 is missing"):
        verify_log(signed.directory, SIGNER.verifier)


def test_reordered_entries_are_caught(signed: Signed) -> None:
    bundle = signed.directory / "tile/entries/000"
    entries = decode_bundle(bundle.read_bytes(), "x")
    entries[3], entries[4] = entries[4], entries[3]
    bundle.write_bytes(encode_bundle(entries))
    with pytest.raises(VerificationError, match=r"hash 3 \(entry 3\)"):
        verify_log(signed.directory, SIGNER.verifier)


def test_reordered_history_with_rebuilt_tiles_fails_the_signed_root(
    signed: Signed, tmp_path: Path
) -> None:
    entries = list(signed.entries)
    entries[3], entries[4] = entries[4], entries[3]
    rebuilt = build(tmp_path / "rebuilt", entries, ())
    shutil.copy(signed.directory / "checkpoint", rebuilt.directory / "checkpoint")
    with pytest.raises(VerificationError, match="not with the checkpoint's root hash"):
        verify_log(rebuilt.directory, SIGNER.verifier)


def test_a_log_rebuilt_without_one_entry_and_resigned_is_caught_by_an_older_checkpoint(
    signed: Signed, tmp_path: Path
) -> None:
    entries = signed.entries[:150] + signed.entries[151:] + make_entries(1001)[1000:]
    forged = build(tmp_path / "forged", entries, (1000,))
    # On its own, a rewritten and re-signed log is self-consistent: that is the limit.
    verify_log(forged.directory, SIGNER.verifier)
    with pytest.raises(
        VerificationError, match=r"older checkpoint #1 \(size 600\) is not consistent"
    ):
        verify_log(forged.directory, SIGNER.verifier, older=[signed.notes[600]])


def test_a_rolled_back_log_is_caught(signed: Signed, tmp_path: Path) -> None:
    rolled = build(tmp_path / "rolled", signed.entries[:600], (600,))
    with pytest.raises(VerificationError, match=r"size 1000\) is larger .* rolled back"):
        verify_log(rolled.directory, SIGNER.verifier, older=[signed.notes[1000]])


def test_wrong_key_or_forged_older_checkpoint(signed: Signed) -> None:
    other = NoteSigner("archive.example.org/log", b"\x08" * 32)
    with pytest.raises(VerificationError, match=r"checkpoint: .*no signature by a known key"):
        verify_log(signed.directory, other.verifier)
    forged = sign_checkpoint(Checkpoint(SIGNER.name, 300, b"\x00" * 32), other)
    with pytest.raises(VerificationError, match="older checkpoint #1: "):
        verify_log(signed.directory, SIGNER.verifier, older=[forged])


def test_empty_log_and_an_older_checkpoint_of_a_grown_log_verify(
    signed: Signed, tmp_path: Path
) -> None:
    empty = build(tmp_path / "empty", [], ())
    with TileLog(empty.directory) as log:
        note = sign_checkpoint(Checkpoint(SIGNER.name, 0, log.root()), SIGNER)
        log.publish_checkpoint(note)
    assert verify_log(empty.directory, SIGNER.verifier).checkpoint.checkpoint.size == 0
    # The tiles of a grown log still serve every size that was checkpointed.
    result = verify_log(signed.directory, SIGNER.verifier, checkpoint=signed.notes[300])
    assert result.checkpoint.checkpoint.size == 300
    result = verify_log(
        signed.directory, SIGNER.verifier, checkpoint=signed.notes[600], older=[signed.notes[300]]
    )
    assert result.older_sizes == (300,)
