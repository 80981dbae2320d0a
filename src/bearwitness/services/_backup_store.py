"""A backup folder: content-addressed chunks, each a standard age file, and snapshots.

    BACKUP/
      BEARWITNESS-BACKUP              what this folder is (clear; nothing secret)
      chunks/<2 hex>/<64 hex>         a chunk: an age file to the archive and offline recipients
      snapshots/<time>-<id>.age       a snapshot: its signed note, key and manifest chunks (age)
      snapshots/<time>-<id>.keyring.json  the archive's keyring then (not secret: slots sealed)

A chunk's name is HMAC-SHA256 of its plaintext under a key of the archive's (the
*name key*, sealed inside every snapshot), never a plain hash: a plain hash of
plaintext would let whoever sees the folder confirm a guess of its content. The
name also authenticates the chunk, which age alone cannot: anyone with the public
recipient can make a valid age file, but not one whose plaintext has that HMAC.

Streams are cut into chunks so that the next backup stores only what changed:
files in fixed pieces (:data:`FILE_PIECE`), a table's rows and the manifest's
lines at row boundaries chosen by a keyed hash of the row (so one new row moves
only the boundaries around it).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyrage

from bearwitness.crypto.keys import parse_identities, parse_recipient
from bearwitness.errors import BackupError, InputError

MARKER = "BEARWITNESS-BACKUP"
MARKER_TEXT = (
    "BearWitness backup, format 1.\n"
    "chunks/ and snapshots/*.age are standard age files; see docs/backup.md.\n"
)
CHUNKS = "chunks"
SNAPSHOTS = "snapshots"
FILE_PIECE = 4 << 20  # files are cut in pieces of 4 MiB
LINES_MIN = 64 << 10  # a run of rows is cut at a keyed boundary once past 64 KiB
LINES_MAX = 4 << 20  # and always by 4 MiB
_NAME = re.compile(r"[0-9a-f]{64}")
_SNAPSHOT = re.compile(r"\d{6}-\d{8}T\d{6}Z")  # a number, then the time it was taken


def chunk_relpath(name: str) -> str:
    return f"{CHUNKS}/{name[:2]}/{name}"


@dataclass
class BackupFolder:
    folder: Path

    @classmethod
    def for_writing(cls, folder: Path) -> BackupFolder:
        """The backup folder at ``folder``; made if missing (its parent must exist), refused
        if it is a folder of something else."""
        if folder.exists() and not folder.is_dir():
            raise InputError(f"{folder} is a file, not a folder", hint="Give a folder for backups.")
        if not folder.exists():
            if not folder.parent.is_dir():
                raise InputError(
                    f"{folder.parent} does not exist",
                    hint="Mount or create the place for backups first (e.g. the external disk).",
                )
            folder.mkdir(mode=0o700)
        if not (folder / MARKER).is_file():
            if any(folder.iterdir()):
                raise InputError(
                    f"{folder} holds other files and is not a BearWitness backup",
                    hint="Give an empty folder, or one that holds BearWitness backups.",
                )
            _write_file(folder / MARKER, MARKER_TEXT.encode())
        for sub in (CHUNKS, SNAPSHOTS):
            (folder / sub).mkdir(mode=0o700, exist_ok=True)
        return cls(folder)

    @classmethod
    def for_reading(cls, folder: Path) -> BackupFolder:
        if not (folder / MARKER).is_file():
            raise BackupError(
                f"{folder} is not a BearWitness backup (no {MARKER})",
                hint="Give the folder that `bearwitness backup ARCHIVE --to DIR` wrote.",
            )
        return cls(folder)

    def snapshots(self) -> list[str]:
        """Snapshot ids, oldest first (their names begin with the time they were taken)."""
        found = [
            path.name.removesuffix(".age")
            for path in (self.folder / SNAPSHOTS).glob("*.age")
            if _SNAPSHOT.fullmatch(path.name.removesuffix(".age"))
        ]
        return sorted(found)

    def snapshot_id(self, given: str | None) -> str:
        """The snapshot ``given`` (an id or a path to its file), or the newest one."""
        kept = self.snapshots()
        if not kept:
            raise BackupError(f"{self.folder} holds no snapshot", hint="Back up into it first.")
        if given is None:
            return kept[-1]
        name = Path(given).name.removesuffix(".age")
        if name not in kept:
            raise BackupError(
                f"no snapshot {given!r} in {self.folder}",
                hint=f"Snapshots there: {', '.join(kept[-5:])}.",
            )
        return name

    def snapshot_path(self, snapshot: str) -> Path:
        return self.folder / SNAPSHOTS / f"{snapshot}.age"

    def keyring_path(self, snapshot: str) -> Path:
        return self.folder / SNAPSHOTS / f"{snapshot}.keyring.json"

    def chunk_path(self, name: str) -> Path:
        return self.folder / chunk_relpath(name)

    def chunk_names(self) -> set[str]:
        return {
            path.name
            for path in (self.folder / CHUNKS).glob("??/*")
            if _NAME.fullmatch(path.name) and path.parent.name == path.name[:2]
        }


@dataclass
class ChunkWriter:
    """Names, encrypts and stores chunks; counts what was new and what was already there."""

    store: BackupFolder
    name_key: bytes
    recipients: Sequence[str]
    new: int = 0
    reused: int = 0
    written_bytes: int = 0
    _parsed: list[Any] = field(default_factory=list)
    _made: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._parsed = [parse_recipient(key) for key in self.recipients]

    def put(self, data: bytes) -> str:
        name = chunk_name(self.name_key, data)
        path = self.store.chunk_path(name)
        if name in self._made or path.is_file():
            self.reused += 1
            return name
        path.parent.mkdir(mode=0o700, exist_ok=True)
        sealed: bytes = pyrage.encrypt(data, self._parsed)
        _write_file(path, sealed)
        self._made.add(name)
        self.new += 1
        self.written_bytes += len(sealed)
        return name

    def boundary(self, line: bytes) -> bool:
        return hmac.digest(self.name_key, b"boundary\n" + line, "sha256")[0] == 0


def chunk_name(name_key: bytes, data: bytes) -> str:
    return hmac.new(name_key, data, "sha256").hexdigest()


class StreamWriter:
    """One stream (a file, a table, the manifest) cut into stored chunks; hashes the whole."""

    def __init__(self, writer: ChunkWriter, on_bytes: Callable[[int], None] | None = None) -> None:
        self.writer = writer
        self.names: list[str] = []
        self.sha256 = hashlib.sha256()
        self.size = 0
        self._buffer = bytearray()
        self._on_bytes = on_bytes

    def line(self, data: bytes) -> None:
        """Add one row or line; a chunk may end after it."""
        self._take(data)
        if len(self._buffer) >= LINES_MAX or (
            len(self._buffer) >= LINES_MIN and self.writer.boundary(data)
        ):
            self._flush()

    def piece(self, data: bytes) -> None:
        """Add a fixed-size piece of a file: it becomes its own chunk."""
        self._take(data)
        self._flush()

    def close(self) -> tuple[list[str], str, int]:
        if self._buffer or not self.names:
            self._flush()
        return self.names, self.sha256.hexdigest(), self.size

    def _take(self, data: bytes) -> None:
        self._buffer += data
        self.sha256.update(data)
        self.size += len(data)
        if self._on_bytes is not None:
            self._on_bytes(len(data))

    def _flush(self) -> None:
        self.names.append(self.writer.put(bytes(self._buffer)))
        self._buffer.clear()


@dataclass
class ChunkReader:
    """Reads chunks back: decrypts, checks the name, remembers which ones passed."""

    store: BackupFolder
    identities: Sequence[str]
    name_key: bytes = b""
    checked: set[str] = field(default_factory=set)
    _parsed: list[Any] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._parsed = parse_identities(list(self.identities))

    def read(self, name: str) -> bytes:
        """The chunk's plaintext; :class:`ChunkProblem` naming it if it does not hold."""
        return self.open(self.store.chunk_path(name), name)

    def open(self, path: Path, name: str | None) -> bytes:
        where = path.relative_to(self.store.folder).as_posix()
        try:
            sealed = path.read_bytes()
        except FileNotFoundError:
            raise ChunkProblem(f"{where} is missing") from None
        except OSError as error:
            raise ChunkProblem(f"{where} cannot be read ({error.strerror})") from None
        try:
            data: bytes = pyrage.decrypt(sealed, self._parsed)
        except pyrage.DecryptError as error:
            if "no matching keys" in str(error).lower():
                raise ChunkProblem(f"{where} is not encrypted to the keys given") from None
            raise ChunkProblem(
                f"{where} is damaged or truncated (it fails age authentication)"
            ) from None
        if name is not None and self.name_key:
            if not hmac.compare_digest(chunk_name(self.name_key, data), name):
                raise ChunkProblem(f"{where} does not hold what its name says (altered or swapped)")
            self.checked.add(name)
        return data


class ChunkProblem(Exception):
    """One chunk failed; the message names it (collected into BackupDamaged)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _write_file(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    with open(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(path)


def write_file(path: Path, data: bytes, *, exclusive: bool = False) -> None:
    """Write ``data`` whole or not at all (a temporary file, fsynced, renamed); ``exclusive``:
    refuse to replace a file already there (another backup took that snapshot number)."""
    if exclusive and path.exists():
        raise BackupError(
            f"{path.name} is already there: another backup into this folder ran at once",
            hint="Run the backup again.",
        )
    _write_file(path, data)


def fsync_tree(folder: Path) -> None:
    """Make the folder entries under ``folder`` durable."""
    for directory in [folder, *(p for p in folder.rglob("*") if p.is_dir())]:
        handle = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)
