"""The C2SP tlog-tiles layout (c2sp.org/tlog-tiles@v0.1.0): paths, bundles, reading hashes.

- :func:`tile_path` / :func:`entries_path`: ``tile/<L>/<N>[.p/<W>]`` and
  ``tile/entries/<N>[.p/<W>]``, with ``<N>`` in 3-digit groups, all but the last
  prefixed ``x`` (1234067 -> ``x001/x234/067``); no height element.
- :func:`encode_bundle` / :func:`decode_bundle`: ``uint16 big-endian length ‖ bytes`` per entry.
- :func:`tile_files_beyond`: files only a larger tree would use (crash recovery).
- :class:`TileReader`: reads the hash tiles of a tree of a given size from a
  directory and answers ``mth(start, end)`` for the proof algorithms in
  :mod:`bearwitness.tlog.merkle`, computing inside tiles and caching the result.

A tile at level L, index N holds the roots of the 256**L-leaf subtrees number
N*256 .. N*256+255; for size s, level L has floor(s / 256**L) hashes, the last
ones in a partial tile ``N.p/W``.
"""

from __future__ import annotations

import hashlib
import os
from collections import OrderedDict
from pathlib import Path

from bearwitness.errors import VerificationError
from bearwitness.tlog import merkle

TILE_HEIGHT = 8
TILE_WIDTH = 256
HASH = merkle.HASH_SIZE
FULL_TILE_BYTES = TILE_WIDTH * HASH


def encode_index(n: int) -> str:
    digits = str(n)
    digits = "0" * (-len(digits) % 3) + digits
    groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    return "/".join([*("x" + g for g in groups[:-1]), groups[-1]])


def tile_path(level: int, index: int, width: int = TILE_WIDTH) -> str:
    return f"tile/{level}/{encode_index(index)}" + _partial(width)


def entries_path(index: int, width: int = TILE_WIDTH) -> str:
    return f"tile/entries/{encode_index(index)}" + _partial(width)


def _partial(width: int) -> str:
    if not 1 <= width <= TILE_WIDTH:
        raise ValueError(f"tile width {width} out of range")
    return "" if width == TILE_WIDTH else f".p/{width}"


def tile_width(level: int, index: int, size: int) -> int:
    """How many hashes tile (level, index) holds in a tree of ``size``; 0 if none."""
    count = size >> (TILE_HEIGHT * level)
    return max(0, min(TILE_WIDTH, count - index * TILE_WIDTH))


def encode_bundle(entries: list[bytes]) -> bytes:
    return b"".join([len(e).to_bytes(2, "big") + e for e in entries])


def decode_bundle(data: bytes, where: str) -> list[bytes]:
    """Split an entry bundle; raises VerificationError naming ``where`` when it is malformed."""
    entries: list[bytes] = []
    pos, end = 0, len(data)
    while pos < end:
        if pos + 2 > end:
            raise VerificationError(f"entry bundle {where} is truncated")
        length = (data[pos] << 8) | data[pos + 1]
        pos += 2
        if pos + length > end:
            raise VerificationError(f"entry bundle {where} is truncated")
        entries.append(data[pos : pos + length])
        pos += length
    return entries


def tile_files_beyond(directory: Path, size: int) -> list[Path]:
    """Tile and bundle files (and leftover temp files) that no tree of ``size`` or less uses.

    Reads only what can hold such a file: each level's folders, and the partial tiles of
    the rightmost index (a log synced many times has a ``.p`` folder for every tile)."""
    tile_dir = directory / "tile"
    if not tile_dir.is_dir():
        return []
    found: list[Path] = []
    for level_dir in os.scandir(tile_dir):
        if level_dir.name == "entries":
            count = size
        elif level_dir.name.isdigit():
            count = size >> (TILE_HEIGHT * int(level_dir.name))
        else:
            continue
        _files_beyond(level_dir.path, 0, count, found)
    return found


def _files_beyond(folder: str, prefix: int, count: int, found: list[Path]) -> None:
    """In a folder of indices ``prefix``NNN: full tiles ``NNN``, partial ones ``NNN.p/W``,
    and deeper groups ``xNNN``; a tile (index, width) is beyond when it ends past ``count``.
    (Strings, not Paths, while looking: a folder holds two names per tile.)"""
    edge = count // TILE_WIDTH - prefix * 1000  # the rightmost tile's NNN in this folder
    for item in os.scandir(folder):
        name = item.name
        if name.startswith("."):
            found.append(Path(item.path))  # a temp file left by a crash mid-write
        elif len(name) == 3:
            if name.isdigit() and int(name) >= edge:
                found.append(Path(item.path))
        elif name.startswith("x"):
            if len(name) == 4 and name[1:].isdigit():
                _files_beyond(item.path, prefix * 1000 + int(name[1:]), count, found)
        elif len(name) == 5 and name.endswith(".p") and name[:3].isdigit():
            if int(name[:3]) < edge:
                continue  # every partial of a tile left of the edge is still used
            start = (prefix * 1000 + int(name[:3])) * TILE_WIDTH
            for width in os.scandir(item.path):
                if width.name.startswith(".") or (
                    width.name.isdigit() and start + int(width.name) > count
                ):
                    found.append(Path(width.path))


def read_file(directory: Path, relpath: str) -> bytes:
    try:
        return (directory / relpath).read_bytes()
    except FileNotFoundError:
        raise VerificationError(
            f"{relpath} is missing from the log directory",
            hint="Restore the log directory from a backup or a mirror.",
        ) from None


class HashSource:
    """Subtree hashes of a tree of ``size`` leaves; subclasses supply the perfect subtrees."""

    size: int

    def perfect(self, height: int, index: int) -> bytes:
        """MTH of the 2**height leaves starting at index * 2**height."""
        raise NotImplementedError

    def mth(self, start: int, end: int) -> bytes:
        """MTH(D[start:end]) for an aligned range, as the RFC 9162 proof algorithms ask."""
        if end > self.size or start < 0 or start > end:
            raise VerificationError(f"range {start}..{end} is beyond tree size {self.size}")
        if start == end:
            return merkle.EMPTY_ROOT
        parts: list[bytes] = []
        while start < end:
            height = (end - start).bit_length() - 1
            while start & ((1 << height) - 1):
                height -= 1
            parts.append(self.perfect(height, start >> height))
            start += 1 << height
        h = parts[-1]
        for left in reversed(parts[:-1]):
            h = merkle.hash_children(left, h)
        return h

    def root(self, size: int | None = None) -> bytes:
        return self.mth(0, self.size if size is None else size)


class MemoryHashes(HashSource):
    """Hashes held in memory: ``levels[L]`` is every level-L tile hash, concatenated."""

    def __init__(self, levels: list[bytes], size: int) -> None:
        self.levels = levels
        self.size = size

    def perfect(self, height: int, index: int) -> bytes:
        level, rest = divmod(height, TILE_HEIGHT)
        first = index << rest
        chunk = self.levels[level][first * HASH : (first + (1 << rest)) * HASH]
        if len(chunk) != (1 << rest) * HASH:
            raise VerificationError(f"subtree {height}/{index} is beyond tree size {self.size}")
        return merkle.reduce_perfect(chunk)


class TileReader(HashSource):
    """Subtree hashes of the tree of ``size`` leaves stored as tiles under ``directory``."""

    def __init__(self, directory: Path, size: int, cache_tiles: int = 512) -> None:
        self.directory = directory
        self.size = size
        self._cache: OrderedDict[tuple[int, int, int], list[bytes]] = OrderedDict()
        self._cache_tiles = cache_tiles

    def tile(self, level: int, index: int) -> bytes:
        """The raw tile as the tree of this size has it (full, or partial of the right width)."""
        width = tile_width(level, index, self.size)
        if width == 0:
            raise VerificationError(f"no tile {level}/{index} in a tree of size {self.size}")
        relpath = tile_path(level, index, width)
        data = read_file(self.directory, relpath)
        if len(data) != width * HASH:
            raise VerificationError(
                f"tile {relpath} has {len(data)} bytes, not {width * HASH}",
                hint="The log directory was damaged or edited.",
            )
        return data

    def _levels(self, level: int, index: int) -> list[bytes]:
        key = (level, index, tile_width(level, index, self.size))
        levels = self._cache.get(key)
        if levels is None:
            levels = [self.tile(level, index)]
            sha = hashlib.sha256
            while len(levels[-1]) >= 2 * HASH:
                below = levels[-1]
                pairs = len(below) // (2 * HASH)
                # Inlined node hashing: this loop is most of an inclusion proof's time.
                levels.append(
                    b"".join(
                        [
                            sha(b"\x01" + below[i : i + 2 * HASH]).digest()
                            for i in range(0, pairs * 2 * HASH, 2 * HASH)
                        ]
                    )
                )
            self._cache[key] = levels
            if len(self._cache) > self._cache_tiles:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        return levels

    def perfect(self, height: int, index: int) -> bytes:
        """MTH of the 2**height leaves starting at index * 2**height."""
        level, rest = divmod(height, TILE_HEIGHT)
        first = index << rest  # position among the stored hashes of this level
        levels = self._levels(level, first >> TILE_HEIGHT)
        pos = (first & (TILE_WIDTH - 1)) >> rest
        row = levels[rest] if rest < len(levels) else b""
        if (pos + 1) * HASH > len(row):
            raise VerificationError(f"subtree {height}/{index} is beyond tree size {self.size}")
        return row[pos * HASH : (pos + 1) * HASH]
