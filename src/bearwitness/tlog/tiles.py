"""A C2SP tlog-tiles log directory that BearWitness appends to.

Usage by the archive (entries are also kept in its database)::

    log = TileLog(path)                        # creates the directory if new
    missing = db_entries[log.size:]            # after a crash, re-append the tail
    root = log.append([e.to_bytes() for e in batch])
    log.sync()                                 # durable (fsync); after the DB commit
    log.discard()                              # or: the DB transaction failed, drop
                                               # everything appended since the last sync
    log.publish_checkpoint(signed_note)        # syncs, then writes <dir>/checkpoint

Files are written to a temporary name and renamed, so a reader (any static
file server) never sees a half-written tile. :meth:`TileLog.append` writes the
full tiles and entry bundles it completes; the partial ones (``N.p/W``) for the
current size are written when they are needed: on :meth:`TileLog.sync`, and
before reading tiles for a proof. Older partial tiles are never deleted, so every
size that was synced (and so every size that was checkpointed) stays servable.

Crash safety: ``.tlog-state`` (a small JSON file) holds the last synced size
and is written, with fsync, only by :meth:`TileLog.sync`. On opening, the size is
the synced size, and files that only a later, unsynced size could have written
are deleted (they may be torn or hold entries the database never committed):
always, so that a sync writes the state once, not a "dirty" mark before its
appends as well; finding them reads only the directories at the log's right edge.
The archive then re-appends its entries from :attr:`TileLog.size` onwards. A
checkpoint is only published after a sync, so a published size is never rolled
back.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType

from bearwitness.errors import ArchiveError, InputError, VerificationError
from bearwitness.tlog import merkle
from bearwitness.tlog.checkpoint import parse_checkpoint
from bearwitness.tlog.layout import (
    FULL_TILE_BYTES,
    HASH,
    TILE_HEIGHT,
    TILE_WIDTH,
    TileReader,
    decode_bundle,
    encode_bundle,
    entries_path,
    read_file,
    tile_files_beyond,
    tile_path,
    tile_width,
)

STATE_FILE = ".tlog-state"
CHECKPOINT_FILE = "checkpoint"
MAX_ENTRY = 65535
_WRITE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC


class TileLog:
    """An append-only tile log in ``directory``; see the module docstring."""

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)
        self._unsynced: list[Path] = []
        self._dirs: set[Path] = set()
        self._cached_reader: TileReader | None = None
        self._levels: list[bytearray] = []  # the rightmost tile's hashes at each level
        self._bundle = bytearray()  # the rightmost, incomplete entry bundle
        self._partials_written = True
        if (self.directory / STATE_FILE).exists():
            self._size = self._synced = self._state_size()
            self._remove_beyond_size()
        else:
            # A first state write killed before its rename leaves only its temporary file.
            for leftover in self.directory.glob(f".{STATE_FILE}.tmp"):
                leftover.unlink()
            if self.directory.exists() and any(self.directory.iterdir()):
                raise ArchiveError(
                    f"{self.directory} is not empty and holds no BearWitness tile log",
                    hint="Give an empty or new directory for the log.",
                )
            self.directory.mkdir(parents=True, exist_ok=True)
            self._size = self._synced = 0
            self._write_state()
        self._load_edge()

    def _state_size(self) -> int:
        state_path = self.directory / STATE_FILE
        try:
            return int(json.loads(state_path.read_text("utf-8"))["size"])
        except (ValueError, KeyError, TypeError):
            raise ArchiveError(
                f"{state_path} is damaged", hint="Restore the log directory from a backup."
            ) from None

    def is_current(self) -> bool:
        """Whether this object may go on appending: all it appended is synced, and no other
        writer synced the directory since (a writer that keeps one open between its turns
        asks this when its turn comes; one state file read)."""
        if self._size != self._synced or not (self.directory / STATE_FILE).exists():
            return False
        return self._state_size() == self._synced

    # -- reading -----------------------------------------------------------------

    @property
    def size(self) -> int:
        return self._size

    @property
    def synced_size(self) -> int:
        return self._synced

    def root(self) -> bytes:
        """The root hash at the current size (from memory; no disk access)."""
        parts: list[bytes] = []
        for level in reversed(range(len(self._levels))):
            buf = bytes(self._levels[level])
            pos = 0
            # The set bits of this level's width are perfect subtrees, largest first.
            for bit in reversed(range(TILE_HEIGHT)):
                n = 1 << bit
                if (len(buf) // HASH) & n:
                    parts.append(merkle.reduce_perfect(buf[pos : pos + n * HASH]))
                    pos += n * HASH
        if not parts:
            return merkle.EMPTY_ROOT
        h = parts[-1]
        for left in reversed(parts[:-1]):
            h = merkle.hash_children(left, h)
        return h

    def root_at(self, size: int) -> bytes:
        """The root at an earlier size, computed from the current tiles."""
        return self._reader_for(size).mth(0, size)

    def read_entry(self, index: int) -> bytes:
        if not 0 <= index < self._size:
            raise InputError(f"no entry {index}: the log has {self._size} entries")
        tile = index // TILE_WIDTH
        width = tile_width(0, tile, self._size)
        if width < TILE_WIDTH:
            data = bytes(self._bundle)
        else:
            data = read_file(self.directory, entries_path(tile))
        return decode_bundle(data, entries_path(tile, width))[index % TILE_WIDTH]

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        size = self._size if size is None else size
        return merkle.inclusion_proof(index, size, self._reader_for(size).mth)

    def consistency_proof(self, old: int, new: int | None = None) -> list[bytes]:
        new = self._size if new is None else new
        return merkle.consistency_proof(old, new, self._reader_for(new).mth)

    def _reader_for(self, size: int) -> TileReader:
        if not 0 <= size <= self._size:
            raise InputError(f"size {size} is beyond the log's size {self._size}")
        self._write_partials()
        # Proofs for any size <= current read the current tiles; keep one reader (and its cache).
        if self._cached_reader is None or self._cached_reader.size != self._size:
            self._cached_reader = TileReader(self.directory, self._size)
        return self._cached_reader

    # -- writing -----------------------------------------------------------------

    def append(self, entries: Sequence[bytes]) -> bytes:
        """Append entries in order; returns the new root hash. Durable only after :meth:`sync`."""
        for i, e in enumerate(entries):
            if len(e) > MAX_ENTRY:
                raise InputError(
                    f"entry {self._size + i} has {len(e)} bytes; a tile log entry holds at most "
                    f"{MAX_ENTRY}",
                    hint="Log a hash of large data, not the data itself.",
                )
        if not entries:
            return self.root()
        old = self._size
        self._append_bundles(entries, old)
        sha = hashlib.sha256
        leaves = b"".join([sha(b"\x00" + e).digest() for e in entries])
        self._push(0, leaves, old)
        self._size = old + len(entries)
        self._partials_written = False
        return self.root()

    def _append_bundles(self, entries: Sequence[bytes], old: int) -> None:
        pos, i = old, 0
        while i < len(entries):
            take = min(len(entries) - i, TILE_WIDTH - pos % TILE_WIDTH)
            self._bundle += encode_bundle(list(entries[i : i + take]))
            i += take
            pos += take
            if pos % TILE_WIDTH == 0:
                self._write(entries_path(pos // TILE_WIDTH - 1), bytes(self._bundle))
                self._bundle = bytearray()

    def _push(self, level: int, hashes: bytes, old_size: int) -> None:
        """Add hashes to a level's rightmost tile; complete tiles feed the level above."""
        if level == len(self._levels):
            self._levels.append(bytearray())
        buf = self._levels[level]
        count = old_size >> (TILE_HEIGHT * level)
        completed: list[bytes] = []
        i = 0
        while i < len(hashes):
            take = min(len(hashes) - i, FULL_TILE_BYTES - len(buf))
            buf += hashes[i : i + take]
            i += take
            count += take // HASH
            if len(buf) == FULL_TILE_BYTES:
                full = bytes(buf)
                self._write(tile_path(level, count // TILE_WIDTH - 1), full)
                completed.append(merkle.reduce_perfect(full))
                buf.clear()
        if completed:
            self._push(level + 1, b"".join(completed), old_size)

    def _write_partials(self) -> None:
        """Write the partial tiles and entry bundle of the current size, if not yet on disk."""
        if self._partials_written:
            return
        for level, buf in enumerate(self._levels):
            if buf:
                count = self._size >> (TILE_HEIGHT * level)
                self._write(tile_path(level, count // TILE_WIDTH, len(buf) // HASH), bytes(buf))
        if self._bundle:
            width = self._size % TILE_WIDTH
            self._write(entries_path(self._size // TILE_WIDTH, width), bytes(self._bundle))
        self._partials_written = True

    def _write(self, relpath: str, data: bytes) -> None:
        path = self.directory / relpath
        parent = path.parent
        if parent not in self._dirs:
            parent.mkdir(parents=True, exist_ok=True)
            self._dirs.add(parent)
        tmp = parent / f".{path.name}.tmp"
        # os.open/os.write: half the cost of open() here, and appends are file-bound.
        fd = os.open(tmp, _WRITE_FLAGS, 0o644)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        self._unsynced.append(path)

    def _write_state(self) -> None:
        # "dirty" is kept for readers of format 1, which cleaned up on opening only when it was
        # true: an older BearWitness opening this log then still removes unsynced files.
        state = {"format": 1, "size": self._synced, "dirty": True}
        self._replace(self.directory / STATE_FILE, json.dumps(state).encode())

    def _replace(self, path: Path, data: bytes) -> None:
        """Atomic and durable: temp file, fsync, rename, fsync the directory."""
        tmp = path.with_name(f".{path.name}.tmp")
        fd = os.open(tmp, _WRITE_FLAGS, 0o644)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        _fsync_path(path.parent)

    def sync(self) -> None:
        """Make every append so far durable: partial tiles, fsync of files and directories,
        then the state."""
        self._write_partials()
        if self._unsynced:
            dirs = {path.parent for path in self._unsynced}
            # Concurrent fsyncs share journal commits: ~15x faster than one after another.
            with ThreadPoolExecutor(max_workers=16) as pool:
                list(pool.map(_fsync_path, [*self._unsynced, *dirs]))
            self._unsynced.clear()
        if self._synced != self._size:
            self._synced = self._size
            self._write_state()

    def discard(self) -> None:
        """Drop every entry appended since the last sync (e.g. the database rolled back)."""
        if self._size == self._synced:
            return
        self._size = self._synced
        self._unsynced.clear()
        self._remove_beyond_size()
        self._load_edge()

    def publish_checkpoint(self, note: bytes) -> None:
        """Check that the signed checkpoint matches the tiles, sync, and write ``checkpoint``."""
        cp = parse_checkpoint(note)
        published = self.directory / CHECKPOINT_FILE
        if published.exists() and parse_checkpoint(published.read_bytes()).size > cp.size:
            raise InputError(
                f"a checkpoint for a larger size than {cp.size} is already published",
                hint="Publish a checkpoint of the current size; never move the log backwards.",
            )
        if cp.size > self._size or self.root_at(cp.size) != cp.root_hash:
            raise VerificationError(
                f"checkpoint for size {cp.size} does not match the log's root at that size",
                hint="Sign a checkpoint over this log's root; never publish a foreign one.",
            )
        self.sync()
        self._replace(self.directory / CHECKPOINT_FILE, note)

    def close(self) -> None:
        self.sync()

    def __enter__(self) -> TileLog:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()

    # -- opening and recovery ------------------------------------------------------

    def _load_edge(self) -> None:
        """Read the rightmost (partial) tile of every level and the partial entry bundle."""
        self._cached_reader = None
        self._levels = []
        self._partials_written = True
        level = 0
        while self._size >> (TILE_HEIGHT * level):
            count = self._size >> (TILE_HEIGHT * level)
            width = count % TILE_WIDTH
            data = b""
            if width:
                relpath = tile_path(level, count // TILE_WIDTH, width)
                data = read_file(self.directory, relpath)
                if len(data) != width * HASH:
                    raise ArchiveError(
                        f"tile {relpath} is damaged", hint="Run `bearwitness verify`."
                    )
            self._levels.append(bytearray(data))
            level += 1
        width = self._size % TILE_WIDTH
        self._bundle = bytearray()
        if width:
            self._bundle = bytearray(
                read_file(self.directory, entries_path(self._size // TILE_WIDTH, width))
            )

    def _remove_beyond_size(self) -> None:
        """Delete tiles and bundles that only a size beyond the synced one could have written."""
        for path in tile_files_beyond(self.directory, self._size):
            path.unlink()


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
