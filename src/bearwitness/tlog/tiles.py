"""A C2SP tlog-tiles log directory that BearWitness appends to.

Usage by the archive (entries are also kept in its database)::

    with TileLog(path) as log:                 # creates the directory if new
        missing = db_entries[log.size:]        # after a crash, re-append the tail
        root = log.append([e.to_bytes() for e in batch])
        log.sync()                             # make it durable (fsync)
        log.publish_checkpoint(signed_note)    # writes <dir>/checkpoint

Files are written to a temporary name and renamed, so a reader never sees a
half-written tile. Every append writes the full tiles it completes and the
partial tiles (``N.p/W``) for the new size, and keeps every older partial tile,
so any size that was ever checkpointed can still be served.

Crash safety: ``.tlog-state`` (a small JSON file, also renamed into place)
records ``size`` and ``synced_size``. :meth:`TileLog.sync` fsyncs every file
written since the last sync, then the state. On opening, a log whose size is
beyond ``synced_size`` (the process or machine stopped before a sync) falls back
to ``synced_size``: those tiles are known to be on disk, and the archive
re-appends the entries from :attr:`TileLog.size` onwards, which rewrites the
same files with the same bytes. A checkpoint is only ever published after a
sync, so a published size is never rolled back.
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
    tile_path,
    tile_width,
)

STATE_FILE = ".tlog-state"
CHECKPOINT_FILE = "checkpoint"
MAX_ENTRY = 65535


class TileLog:
    """An append-only tile log in ``directory``; see the module docstring."""

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)
        self._unsynced: list[Path] = []
        self._dirs: set[Path] = set()
        self._cached_reader: TileReader | None = None
        self._levels: list[bytearray] = []  # the rightmost tile's hashes at each level
        self._bundle = bytearray()  # the rightmost (partial) entry bundle
        state_path = self.directory / STATE_FILE
        if state_path.exists():
            state = json.loads(state_path.read_text("utf-8"))
            self._size = int(state["synced_size"])
            self._synced = self._size
        else:
            if self.directory.exists() and any(self.directory.iterdir()):
                raise ArchiveError(
                    f"{self.directory} is not empty and holds no BearWitness tile log",
                    hint="Give an empty or new directory for the log.",
                )
            self.directory.mkdir(parents=True, exist_ok=True)
            self._size = self._synced = 0
            self._write_state(durable=True)
        self._load_edge()

    # -- reading -----------------------------------------------------------------

    @property
    def size(self) -> int:
        return self._size

    def root(self) -> bytes:
        """The root hash at the current size."""
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

    def reader(self, size: int | None = None) -> TileReader:
        """A :class:`TileReader` over the tiles as a tree of ``size`` (default: current) has them.

        Verifiers use it; proofs inside this log use the current tiles for every size.
        """
        size = self._size if size is None else size
        self._check_size(size)
        return TileReader(self.directory, size)

    def root_at(self, size: int) -> bytes:
        """The root at an earlier size, computed from the current tiles."""
        return self._reader_for(size).mth(0, size)

    def read_entry(self, index: int) -> bytes:
        if not 0 <= index < self._size:
            raise InputError(f"no entry {index}: the log has {self._size} entries")
        tile = index // TILE_WIDTH
        width = tile_width(0, tile, self._size)
        relpath = entries_path(tile, width)
        return decode_bundle(read_file(self.directory, relpath), relpath)[index % TILE_WIDTH]

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        size = self._size if size is None else size
        return merkle.inclusion_proof(index, size, self._reader_for(size).mth)

    def consistency_proof(self, old: int, new: int | None = None) -> list[bytes]:
        new = self._size if new is None else new
        return merkle.consistency_proof(old, new, self._reader_for(new).mth)

    def _reader_for(self, size: int) -> TileReader:
        self._check_size(size)
        # Proofs for any size <= current read the current tiles; keep one reader (and its cache).
        if self._cached_reader is None or self._cached_reader.size != self._size:
            self._cached_reader = TileReader(self.directory, self._size)
        return self._cached_reader

    def _check_size(self, size: int) -> None:
        if not 0 <= size <= self._size:
            raise InputError(f"size {size} is beyond the log's size {self._size}")

    # -- writing -----------------------------------------------------------------

    def append(self, entries: Sequence[bytes]) -> bytes:
        """Append entries in order; returns the new root hash."""
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
        self._write_state(durable=False)
        return self.root()

    def _append_bundles(self, entries: Sequence[bytes], old: int) -> None:
        pos, i = old, 0
        while i < len(entries):
            take = min(len(entries) - i, TILE_WIDTH - pos % TILE_WIDTH)
            self._bundle += encode_bundle(list(entries[i : i + take]))
            i += take
            pos += take
            tile, width = (pos - 1) // TILE_WIDTH, (pos - 1) % TILE_WIDTH + 1
            if width == TILE_WIDTH or i == len(entries):
                self._write(entries_path(tile, width), bytes(self._bundle))
            if width == TILE_WIDTH:
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
        if buf:
            self._write(tile_path(level, count // TILE_WIDTH, len(buf) // HASH), bytes(buf))
        if completed:
            self._push(level + 1, b"".join(completed), old_size)

    def _write(self, relpath: str, data: bytes) -> None:
        path = self.directory / relpath
        parent = path.parent
        if parent not in self._dirs:
            parent.mkdir(parents=True, exist_ok=True)
            self._dirs.add(parent)
        tmp = parent / f".{path.name}.tmp"
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
        self._unsynced.append(path)

    def _write_state(self, *, durable: bool) -> None:
        state = {"format": 1, "size": self._size, "synced_size": self._synced}
        self._replace(self.directory / STATE_FILE, json.dumps(state).encode(), durable=durable)

    def _replace(self, path: Path, data: bytes, *, durable: bool) -> None:
        tmp = path.with_name(f".{path.name}.tmp")
        with open(tmp, "wb") as f:
            f.write(data)
            if durable:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
        if durable:
            _fsync_dir(path.parent)

    def sync(self) -> None:
        """Make every append so far durable (fsync files, then directories, then the state)."""
        dirs = {path.parent for path in self._unsynced}
        # Concurrent fsyncs share journal commits: ~15x faster than one after another.
        with ThreadPoolExecutor(max_workers=16) as pool:
            list(pool.map(_fsync_path, [*self._unsynced, *dirs]))
        self._unsynced.clear()
        self._synced = self._size
        self._write_state(durable=True)

    def publish_checkpoint(self, note: bytes) -> None:
        """Sync, check that the signed checkpoint matches the tiles, and write ``checkpoint``."""
        cp = parse_checkpoint(note)
        self._check_size(cp.size)
        if self.root_at(cp.size) != cp.root_hash:
            raise VerificationError(
                f"checkpoint for size {cp.size} does not match the log's root at that size",
                hint="Sign a checkpoint over this log's root; never publish a foreign one.",
            )
        self.sync()
        self._replace(self.directory / CHECKPOINT_FILE, note, durable=True)

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

    # -- opening -----------------------------------------------------------------

    def _load_edge(self) -> None:
        """Read the rightmost (partial) tile of every level and the partial entry bundle."""
        self._cached_reader = None
        self._levels = []
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
            relpath = entries_path(self._size // TILE_WIDTH, width)
            self._bundle = bytearray(read_file(self.directory, relpath))
        # A state file that says "synced" only after fsync means these must all exist.
        if self._write_state_needed():
            self._write_state(durable=True)

    def _write_state_needed(self) -> bool:
        state = json.loads((self.directory / STATE_FILE).read_text("utf-8"))
        return bool(state["size"] != self._size)


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
