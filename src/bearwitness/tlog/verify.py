"""Offline verification of a whole tile log directory against a signed checkpoint.

    result = verify_log(directory, log_key, older=[saved_note, ...],
                        on_entry=lambda index, entry: compare_with_database(index, entry))

Checks, in this order, and raises :class:`~bearwitness.errors.VerificationError`
at the first failure, naming the entry index, tile path or checkpoint:

1. the checkpoint's signature by the log key (and witness cosignatures, quorum);
2. every entry bundle: it parses and holds as many entries as the size says;
3. every hash tile at every level against the hashes recomputed from the entries;
4. every partial tile and partial entry bundle that a size up to the checkpoint's
   could use, against the same recomputed data;
5. the root recomputed from the entries against the checkpoint's root;
6. each older checkpoint: signed by the log key, not larger, and its root equal
   to the root recomputed at its size (with an RFC 9162 consistency proof checked
   too). This is what catches a log rebuilt and re-signed.

``on_entry(index, entry_bytes)`` is called for each entry, in order, once its
bundle matched its hash tile; the root is checked only at the end, so a caller
must discard what it collected if :func:`verify_log` raises.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bearwitness.errors import VerificationError
from bearwitness.tlog import merkle
from bearwitness.tlog.checkpoint import SignedCheckpoint, open_checkpoint
from bearwitness.tlog.cosignature import CosignatureVerifier
from bearwitness.tlog.layout import (
    HASH,
    TILE_HEIGHT,
    TILE_WIDTH,
    MemoryHashes,
    decode_bundle,
    encode_index,
    entries_path,
    read_file,
    tile_path,
    tile_width,
)
from bearwitness.tlog.note import NoteVerifier

EntryCallback = Callable[[int, bytes], None]


@dataclass(frozen=True)
class VerifiedLog:
    checkpoint: SignedCheckpoint
    older_sizes: tuple[int, ...]
    tiles_checked: int
    partial_files_checked: int


def verify_log(
    directory: Path | str,
    log_key: NoteVerifier,
    *,
    checkpoint: bytes | None = None,
    older: Sequence[bytes] = (),
    witnesses: tuple[CosignatureVerifier, ...] = (),
    quorum: int = 0,
    on_entry: EntryCallback | None = None,
) -> VerifiedLog:
    """Verify everything; ``checkpoint`` defaults to the directory's ``checkpoint`` file."""
    directory = Path(directory)
    note = checkpoint if checkpoint is not None else read_file(directory, "checkpoint")
    try:
        signed = open_checkpoint(note, log_key, witnesses, quorum)
    except VerificationError as exc:
        raise VerificationError(f"checkpoint: {exc.message}", hint=exc.hint) from None
    size = signed.checkpoint.size
    checker = _Checker(directory, size)
    levels = [checker.check_entries(on_entry)]
    level = 1
    while size >> (TILE_HEIGHT * level):
        levels.append(checker.check_level(level, _parents(levels[-1])))
        level += 1
    hashes = MemoryHashes(levels, size)
    if hashes.root() != signed.checkpoint.root_hash:
        raise VerificationError(
            f"checkpoint (size {size}): the entries and tiles agree with each other but not "
            "with the checkpoint's root hash",
            hint="The checkpoint belongs to another history of this log, or was replaced.",
        )
    older_sizes = tuple(
        _check_older(position, old_note, log_key, signed, hashes)
        for position, old_note in enumerate(older, start=1)
    )
    return VerifiedLog(signed, older_sizes, checker.tiles, checker.partials)


def _parents(level_hashes: bytes) -> bytes:
    """The next level's hashes: the root of every full tile of this level."""
    full = len(level_hashes) // (TILE_WIDTH * HASH) * TILE_WIDTH * HASH
    step = TILE_WIDTH * HASH
    return b"".join(
        [merkle.reduce_perfect(level_hashes[i : i + step]) for i in range(0, full, step)]
    )


def _check_older(
    position: int, note: bytes, key: NoteVerifier, signed: SignedCheckpoint, hashes: MemoryHashes
) -> int:
    try:
        old = open_checkpoint(note, key).checkpoint
    except VerificationError as exc:
        raise VerificationError(f"older checkpoint #{position}: {exc.message}") from None
    new = signed.checkpoint
    name = f"older checkpoint #{position} (size {old.size})"
    if old.size > new.size:
        raise VerificationError(
            f"{name} is larger than the current checkpoint (size {new.size}): "
            "the log was rolled back or forked",
            hint="Entries that an older checkpoint covered are gone. Treat the log as tampered.",
        )
    proof = merkle.consistency_proof(old.size, new.size, hashes.mth)
    try:
        merkle.verify_consistency(old.size, new.size, old.root_hash, new.root_hash, proof)
    except VerificationError:
        raise VerificationError(
            f"{name} is not consistent with the current checkpoint (size {new.size}): entries "
            "it covered were changed, removed or reordered, and the log was re-signed",
            hint="Treat the log as tampered; compare with backups and with partners' checkpoints.",
        ) from None
    return old.size


class _Checker:
    def __init__(self, directory: Path, size: int) -> None:
        self.directory = directory
        self.size = size
        self.tiles = 0
        self.partials = 0

    def check_entries(self, on_entry: EntryCallback | None) -> bytes:
        """Check every bundle against its level-0 tile; returns all leaf hashes."""
        sha = hashlib.sha256
        out: list[bytes] = []
        for tile in range((self.size + TILE_WIDTH - 1) // TILE_WIDTH):
            width = tile_width(0, tile, self.size)
            bundle_path = entries_path(tile, width)
            bundle = read_file(self.directory, bundle_path)
            entries = decode_bundle(bundle, bundle_path)
            if len(entries) != width:
                raise VerificationError(
                    f"entry bundle {bundle_path} holds {len(entries)} entries, not {width}: "
                    f"entries {tile * TILE_WIDTH}..{tile * TILE_WIDTH + width - 1} were added "
                    "or removed"
                )
            leaves = b"".join([sha(b"\x00" + e).digest() for e in entries])
            self._compare(0, tile, width, leaves, f"entry bundle {bundle_path}")
            self._check_entry_partials(tile, width, entries, bundle)
            if on_entry is not None:
                for j, e in enumerate(entries):
                    on_entry(tile * TILE_WIDTH + j, e)
            out.append(leaves)
        return b"".join(out)

    def check_level(self, level: int, computed: bytes) -> bytes:
        count = self.size >> (TILE_HEIGHT * level)
        for tile in range((count + TILE_WIDTH - 1) // TILE_WIDTH):
            width = tile_width(level, tile, self.size)
            start = tile * TILE_WIDTH * HASH
            below = f"the level-{level - 1} tiles"
            self._compare(level, tile, width, computed[start : start + width * HASH], below)
        return computed[: count * HASH]

    def _compare(self, level: int, tile: int, width: int, expected: bytes, source: str) -> None:
        path = tile_path(level, tile, width)
        stored = read_file(self.directory, path)
        self.tiles += 1
        if stored != expected:
            self._mismatch(level, tile, path, stored, expected, source)
        for w, partial_path in self._partials(f"tile/{level}/{encode_index(tile)}.p", width):
            self.partials += 1
            partial = read_file(self.directory, partial_path)
            if partial != expected[: w * HASH]:
                self._mismatch(level, tile, partial_path, partial, expected[: w * HASH], source)

    def _mismatch(
        self, level: int, tile: int, path: str, stored: bytes, expected: bytes, source: str
    ) -> None:
        if len(stored) != len(expected):
            raise VerificationError(f"tile {path} has {len(stored)} bytes, not {len(expected)}")
        k = next(
            i for i in range(0, len(stored), HASH) if stored[i : i + HASH] != expected[i : i + HASH]
        )
        per_hash = TILE_WIDTH**level
        first = (tile * TILE_WIDTH + k // HASH) * per_hash
        covers = f"entry {first}" if level == 0 else f"entries {first}..{first + per_hash - 1}"
        raise VerificationError(
            f"tile {path}: hash {k // HASH} ({covers}) does not match {source}",
            hint="The tile or the entries it covers were changed.",
        )

    def _check_entry_partials(
        self, tile: int, width: int, entries: list[bytes], bundle: bytes
    ) -> None:
        for w, path in self._partials(f"tile/entries/{encode_index(tile)}.p", width):
            self.partials += 1
            end = sum(2 + len(e) for e in entries[:w])
            if read_file(self.directory, path) != bundle[:end]:
                raise VerificationError(
                    f"entry bundle {path} does not match the first {w} entries of "
                    f"{entries_path(tile, width)}",
                    hint="One of the two bundles was changed.",
                )

    def _partials(self, relpath: str, width: int) -> list[tuple[int, str]]:
        """Partial files under ``relpath`` narrower than ``width`` (covered by the checked size)."""
        try:
            names = os.listdir(self.directory / relpath)
        except FileNotFoundError:
            return []
        found = []
        for name in names:
            if name.isdigit() and not name.startswith("0") and int(name) < width:
                found.append((int(name), f"{relpath}/{name}"))
        return sorted(found)
