"""Evidence files as standard age files, so a legal team can open them with `age -d`.

Encryption and decryption stream through pyrage's ``encrypt_io``/``decrypt_io``
(64 KiB age chunks; a large video is never held in memory). Outputs are
written to a temporary file beside the destination, fsynced, then renamed,
so a crash leaves either the old file or the whole new one.

:class:`PlaintextChunks` hands a file's plaintext over in chunks instead (a
download): it never touches the disk, and the last chunk is released only once
the whole file has authenticated and matched its recorded SHA-256.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import io
import os
import queue
import re
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import pyrage

from bearwitness.crypto.keys import ArchiveSecrets, parse_identities, parse_recipient
from bearwitness.errors import ArchiveError, InputError, TamperedError

_TAMPER_HINT = (
    "The stored file was altered, truncated, or is not the one recorded. "
    "Restore it from a backup and check the transparency log."
)


class _HashingReader(io.RawIOBase):
    """A reader that hashes what passes through it (the plaintext, on encryption)."""

    def __init__(self, inner: IO[bytes]) -> None:
        self._inner = inner
        self.sha256 = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._inner.read(len(buffer))
        buffer[: len(data)] = data
        self.sha256.update(data)
        return len(data)


class _HashingWriter(io.RawIOBase):
    """A writer that hashes what passes through it (the plaintext, on decryption)."""

    def __init__(self, inner: IO[bytes] | None) -> None:
        self._inner = inner
        self.sha256 = hashlib.sha256()
        self.chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        chunk = bytes(data)
        self.sha256.update(chunk)
        if self._inner is None:
            self.chunks.append(chunk)
        else:
            self._inner.write(chunk)
        return len(chunk)


def encrypt_file(src: Path, dst: Path, recipient: str, *, exclusive: bool = False) -> str:
    """Encrypt ``src`` to ``recipient`` as an age file at ``dst``; return the plaintext's SHA-256.

    Needs only the public recipient: a locked intake can store evidence. With
    ``exclusive`` an existing ``dst`` is never replaced (FileExistsError).
    """
    parsed = parse_recipient(recipient)
    try:
        source = src.open("rb")
    except OSError as exc:
        raise InputError(
            f"Cannot read {src.name}: {exc.strerror}.", hint="Check the path and its permissions."
        ) from None
    with source, _atomic_output(dst, exclusive=exclusive) as out:
        reader = _HashingReader(source)
        try:
            pyrage.encrypt_io(reader, out, [parsed])
        except pyrage.EncryptError as error:
            raise _os_error(error, dst) from None
    return reader.sha256.hexdigest()


def _os_error(error: Exception, path: Path) -> Exception:
    """The OSError inside a pyrage error (a full disk while it wrote), as an OSError again, so
    that it is reported as the disk's refusal; any other error as it is."""
    found = re.search(r"\[Errno (\d+)\] ([^\n]*)", str(error))
    if found is None:
        return error
    return OSError(int(found[1]), found[2].strip(), str(path))


def decrypt_file(
    src: Path, dst: Path, identity: str | Sequence[str], *, expected_sha256: str, what: str
) -> None:
    """Decrypt an age file to ``dst`` (plaintext on disk: an explicit export only).

    ``dst`` appears only if the file authenticates and its SHA-256 matches
    ``expected_sha256``; otherwise :class:`TamperedError` names ``what``.
    """
    parsed = parse_identities(identity)
    with src.open("rb") as source, _atomic_output(dst) as out:
        writer = _HashingWriter(out)
        _decrypt(source, writer, parsed, what)
        _check_hash(writer, expected_sha256, what)


def decrypt_bytes(
    src: Path | bytes, identity: str | Sequence[str], *, expected_sha256: str | None, what: str
) -> bytes:
    """Decrypt an age file (a path, or its bytes) into memory, checking its SHA-256 if given.

    In one call of pyrage's (the whole file is held in memory either way): streaming it
    through a Python writer a 64 KiB chunk at a time took twice as long for a 1 MiB file.
    """
    parsed = parse_identities(identity)
    ciphertext = src if isinstance(src, bytes) else src.read_bytes()
    try:
        plaintext: bytes = pyrage.decrypt(ciphertext, parsed)
    except pyrage.DecryptError:
        raise _tampered(what) from None
    if expected_sha256 is not None:
        _check_digest(hashlib.sha256(plaintext), expected_sha256, what)
    return plaintext


def check_file(
    src: Path, identity: str | Sequence[str], *, expected_sha256: str | None, what: str
) -> None:
    """Decrypt an age file without keeping any plaintext, checking that it authenticates
    and, if given, that its SHA-256 matches (for verification; any size)."""
    parsed = parse_identities(identity)
    with src.open("rb") as source, open(os.devnull, "wb") as sink:
        writer = _HashingWriter(sink)
        _decrypt(source, writer, parsed, what)
    if expected_sha256 is not None:
        _check_hash(writer, expected_sha256, what)


CHUNK_WAIT = 0.5  # seconds between looks at the cancel flag, on either side of the queue
STALL_SECONDS = 300.0  # a consumer that takes nothing for this long is given up on
QUEUED_CHUNKS = 16  # of pyrage's 8 KiB: the most plaintext waiting between the two threads


class _Cancelled(Exception):
    """The consumer closed the stream (or stalled): the decrypting thread stops."""


class PlaintextChunks(Iterator[bytes]):
    """The plaintext of an age file in chunks, decrypted in a thread, never on disk.

    Iterating yields the chunks in order. The plaintext is hashed as it goes and the
    last chunk is held back until the file has authenticated to its end and its
    SHA-256 matches ``expected_sha256`` (when given): a file that does not is never
    delivered whole, and :class:`TamperedError` (naming ``what``) is raised instead of
    its last chunk. :meth:`close` (from any thread) stops the decrypting thread; so
    does a consumer that takes nothing for ``stall_seconds``, after which the next
    chunk asked for raises :class:`ArchiveError`.
    """

    def __init__(
        self,
        src: Path,
        identity: str | Sequence[str],
        *,
        expected_sha256: str | None,
        what: str,
        stall_seconds: float = STALL_SECONDS,
    ) -> None:
        self._identity = parse_identities(identity)
        self._expected = expected_sha256
        self._what = what
        self._stall = stall_seconds
        try:
            self._source: IO[bytes] = src.open("rb")
        except OSError as exc:
            raise ArchiveError(
                f"{what} cannot be read: {exc.strerror}.",
                hint="Restore it from a backup, and run `bearwitness verify`.",
            ) from None
        self._chunks: queue.Queue[bytes | BaseException | None] = queue.Queue(QUEUED_CHUNKS)
        self._cancel = threading.Event()
        self._guard = threading.Lock()  # starting the thread against closing the stream
        self._worker: threading.Thread | None = None
        self._closed = self._done = False
        self._sha256 = hashlib.sha256()
        self._held: bytes | None = None

    def __iter__(self) -> PlaintextChunks:
        return self

    def __next__(self) -> bytes:
        worker = self._start()
        while not self._done:
            if self._cancel.is_set():
                self._done = True
                if self._closed:
                    break
                raise ArchiveError(
                    f"{self._what} was not taken for {self._stall:g} seconds; given up",
                    hint="Try again.",
                )
            try:
                item = self._chunks.get(timeout=CHUNK_WAIT)
            except queue.Empty:
                if not worker.is_alive() and self._chunks.empty():
                    self._done = True
                    raise ArchiveError(
                        f"{self._what} could not be read to the end", hint="Try again."
                    ) from None
                continue
            if isinstance(item, BaseException):
                self._done = True
                raise item
            if item is None:  # the whole file has authenticated: now its hash
                self._done = True
                if self._expected is not None:
                    _check_digest(self._sha256, self._expected, self._what)
                last, self._held = self._held, None
                if last is not None:
                    return last
                break
            self._sha256.update(item)
            ready, self._held = self._held, item
            if ready is not None:
                return ready
        raise StopIteration

    def close(self) -> None:
        """Stop decrypting and drop what waits (safe from any thread, and twice)."""
        with self._guard:
            self._closed = True
            self._cancel.set()
            if self._worker is None:
                self._source.close()

    def _start(self) -> threading.Thread:
        with self._guard:
            if self._worker is None:
                if self._closed:
                    self._done = True
                self._worker = threading.Thread(target=self._work, name="bw-plaintext", daemon=True)
                if not self._closed:
                    self._worker.start()
            return self._worker

    def _put(self, item: bytes | BaseException | None) -> None:
        waited = 0.0
        while not self._cancel.is_set():
            try:
                self._chunks.put(item, timeout=CHUNK_WAIT)
                return
            except queue.Full:
                waited += CHUNK_WAIT
                if waited >= self._stall:
                    self._cancel.set()
        raise _Cancelled()

    def _work(self) -> None:
        try:
            with self._source:
                _decrypt(self._source, _QueueWriter(self._put), self._identity, self._what)
            self._put(None)
        except BaseException as error:
            # Once cancelled nobody reads the queue; otherwise the consumer gets the error.
            if not self._cancel.is_set():
                with contextlib.suppress(_Cancelled):
                    self._put(error)


class _QueueWriter(io.RawIOBase):
    """What pyrage writes the plaintext to: each chunk handed to the consumer's queue."""

    def __init__(self, put: Callable[[bytes], None]) -> None:
        self._put_chunk = put

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self._put_chunk(bytes(data))
        return len(data)


def export_identity(secrets: ArchiveSecrets, path: Path, *, now: datetime | None = None) -> None:
    """Write the archive's identities as an age identity file (mode 0600), for `age -d -i`:
    the current one first, then those of older key generations (one a line, as age reads).

    This puts the master secret on disk: only for handing evidence to a legal
    team on a machine you trust. Refuses to overwrite an existing file.
    """
    created = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    text = f"# created: {created}\n# public key: {secrets.recipient}\n" + "".join(
        f"{identity}\n" for identity in secrets.identities
    )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise InputError(
            f"{path} already exists; not overwriting it.",
            hint="Choose a new file name, or remove the old file yourself.",
        ) from None
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def _decrypt(source: IO[bytes], writer: io.RawIOBase, identity: list[Any], what: str) -> None:
    try:
        pyrage.decrypt_io(source, writer, identity)
    except (pyrage.DecryptError, OSError) as exc:
        # pyrage reports a failed chunk (tampering, truncation) as an OSError
        # without an errno; a real I/O error has one and stays what it is.
        if (
            isinstance(exc, OSError)
            and not isinstance(exc, pyrage.DecryptError)
            and exc.errno is not None
        ):
            raise
        raise _tampered(what) from None


def _tampered(what: str) -> TamperedError:
    return TamperedError(
        f"{what} failed authentication: the encrypted file was altered, truncated, "
        "or is sealed to another archive's key.",
        hint=_TAMPER_HINT,
    )


def _check_hash(writer: _HashingWriter, expected_sha256: str, what: str) -> None:
    _check_digest(writer.sha256, expected_sha256, what)


def _check_digest(digest: hashlib._Hash, expected_sha256: str, what: str) -> None:
    if not hmac.compare_digest(digest.hexdigest(), expected_sha256.lower()):
        raise TamperedError(
            f"{what} failed authentication: its content does not match the recorded SHA-256.",
            hint=_TAMPER_HINT,
        )


@contextmanager
def _atomic_output(dst: Path, *, exclusive: bool = False) -> Iterator[IO[bytes]]:
    """A private temporary file beside ``dst``, renamed onto it only if the block succeeds.

    ``exclusive``: never replace an existing ``dst`` (FileExistsError instead).
    """
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dst.name}.", suffix=".tmp", dir=dst.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        if exclusive:
            os.link(tmp, dst)  # fails if dst exists, atomically
            tmp.unlink()
        else:
            os.replace(tmp, dst)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(dst.parent)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
