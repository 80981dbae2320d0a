"""Opening an evidence file for someone who may see it: streamed for a download, whole for
a preview. Either way the plaintext stays in memory and must match the SHA-256 that the
record names (which the log commits to), or it is not handed over whole.
"""

from __future__ import annotations

from bearwitness.crypto.files import PlaintextChunks, decrypt_bytes
from bearwitness.domain.records import Evidence
from bearwitness.services.archive import Archive

__all__ = ["PlaintextChunks", "open_bytes", "open_chunks"]


def open_chunks(archive: Archive, record: Evidence) -> PlaintextChunks:
    """The file's plaintext in chunks, decrypted in a thread (needs an unlock); its last
    chunk is withheld, and :class:`~bearwitness.errors.TamperedError` raised instead, if
    the file does not match its record. :meth:`PlaintextChunks.close` it when done."""
    return PlaintextChunks(
        archive.blobs / f"{record.id}.age",
        archive.require_secrets().identities,
        expected_sha256=record.sha256 or None,
        what=f"evidence {record.id}",
    )


def open_bytes(archive: Archive, record: Evidence) -> bytes:
    """The whole file in memory (an image to preview), checked against its record."""
    return decrypt_bytes(
        archive.blobs / f"{record.id}.age",
        archive.require_secrets().identities,
        expected_sha256=record.sha256 or None,
        what=f"evidence {record.id}",
    )
