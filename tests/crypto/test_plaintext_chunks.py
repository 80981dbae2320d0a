"""Streaming decryption for downloads: chunks in order, the last one withheld from a file
that does not match, and a decrypting thread that ends when the consumer leaves or stalls."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from bearwitness.crypto import ArchiveSecrets
from bearwitness.crypto.files import PlaintextChunks, encrypt_file
from bearwitness.errors import ArchiveError, TamperedError


def _sealed(tmp_path: Path, secrets: ArchiveSecrets, data: bytes) -> tuple[Path, str]:
    (tmp_path / "plain").write_bytes(data)
    digest = encrypt_file(tmp_path / "plain", tmp_path / "e.age", secrets.recipient)
    (tmp_path / "plain").unlink()
    return tmp_path / "e.age", digest


def _workers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "bw-plaintext"]


@pytest.mark.parametrize("size", [0, 1, 8192, 8193, 200_001])
def test_the_chunks_are_the_file(tmp_path: Path, secrets: ArchiveSecrets, size: int) -> None:
    data = os.urandom(size)
    path, digest = _sealed(tmp_path, secrets, data)
    chunks = list(PlaintextChunks(path, secrets.identity, expected_sha256=digest, what="E-1"))
    assert b"".join(chunks) == data
    assert all(chunks)  # no empty chunk is handed over
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.age"]  # nothing written


def test_a_mismatch_never_delivers_the_whole_file(tmp_path: Path, secrets: ArchiveSecrets) -> None:
    data = bytes(range(256)) * 400  # several 8 KiB chunks
    path, _ = _sealed(tmp_path, secrets, data)
    received: list[bytes] = []
    with pytest.raises(TamperedError, match=r"E-1 .*does not match the recorded SHA-256"):
        for chunk in PlaintextChunks(path, secrets.identity, expected_sha256="0" * 64, what="E-1"):
            received.append(chunk)
    assert received and len(b"".join(received)) < len(data)
    assert data.startswith(b"".join(received))


def test_an_altered_file_fails_authentication_before_its_end(
    tmp_path: Path, secrets: ArchiveSecrets
) -> None:
    data = os.urandom(300_000)
    path, digest = _sealed(tmp_path, secrets, data)
    sealed = bytearray(path.read_bytes())
    sealed[-100] ^= 1  # in the last age chunk
    path.write_bytes(bytes(sealed))
    received: list[bytes] = []
    with pytest.raises(TamperedError, match="failed authentication"):
        for chunk in PlaintextChunks(path, secrets.identity, expected_sha256=digest, what="E-1"):
            received.append(chunk)
    assert len(b"".join(received)) < len(data)


def test_a_missing_file_is_refused_at_once(tmp_path: Path, secrets: ArchiveSecrets) -> None:
    with pytest.raises(ArchiveError, match="E-9 cannot be read"):
        PlaintextChunks(tmp_path / "gone.age", secrets.identity, expected_sha256=None, what="E-9")


def test_closing_ends_the_decrypting_thread(tmp_path: Path, secrets: ArchiveSecrets) -> None:
    data = os.urandom(2 * 1024 * 1024)  # far more than the queue between the threads holds
    path, digest = _sealed(tmp_path, secrets, data)
    chunks = PlaintextChunks(path, secrets.identity, expected_sha256=digest, what="E-1")
    assert data.startswith(next(chunks))
    chunks.close()
    chunks.close()  # twice is harmless
    assert next(chunks, None) is None  # a closed stream ends, as a closed generator does
    for worker in _workers():
        worker.join(timeout=30)
    assert not any(worker.is_alive() for worker in _workers())


def test_a_stream_closed_before_it_starts_never_decrypts(
    tmp_path: Path, secrets: ArchiveSecrets
) -> None:
    path, digest = _sealed(tmp_path, secrets, b"FICTIONAL")
    chunks = PlaintextChunks(path, secrets.identity, expected_sha256=digest, what="E-1")
    chunks.close()
    assert list(chunks) == []


def test_a_consumer_that_stalls_is_given_up_on(tmp_path: Path, secrets: ArchiveSecrets) -> None:
    data = os.urandom(2 * 1024 * 1024)
    path, digest = _sealed(tmp_path, secrets, data)
    chunks = PlaintextChunks(
        path, secrets.identity, expected_sha256=digest, what="E-1", stall_seconds=0.5
    )
    first = next(chunks)
    for worker in _workers():
        worker.join(timeout=30)  # it gives up once the queue stays full
    assert not any(worker.is_alive() for worker in _workers())
    taken = [first]
    with pytest.raises(ArchiveError, match="not taken"):
        while True:  # what was queued before it gave up, then the refusal
            taken.append(next(chunks))
    assert len(b"".join(taken)) < len(data)
