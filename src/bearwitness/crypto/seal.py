"""Sealing single values: fields in the database, and small submissions to the archive's key.

A sealed field is ``version (1 byte) || nonce (24 bytes) || XChaCha20-Poly1305
ciphertext and tag``. The associated data (``context``) binds the value to its
record, field and version (e.g. ``b"person:P-0042:name:v3"``): a value copied
into another record, field or version fails to open. The random 24-byte
nonce makes nonce reuse negligible without any counter state to keep.
"""

from __future__ import annotations

import os

import pyrage
from nacl.bindings import (
    crypto_aead_xchacha20poly1305_ietf_decrypt,
    crypto_aead_xchacha20poly1305_ietf_encrypt,
)
from nacl.exceptions import CryptoError

from bearwitness.crypto.keys import DATA_KEY_BYTES, parse_identity, parse_recipient
from bearwitness.errors import TamperedError

SEAL_VERSION = 1
_VERSION_BYTE = bytes([SEAL_VERSION])
NONCE_BYTES = 24
TAG_BYTES = 16
OVERHEAD = 1 + NONCE_BYTES + TAG_BYTES

_TAMPER_HINT = (
    "The stored value was altered, copied from another record, or sealed under "
    "another archive's key. Restore it from a backup and check the transparency log."
)


class FieldSealer:
    """Seals and opens field values under the archive's data key."""

    __slots__ = ("_key",)

    def __init__(self, data_key: bytes) -> None:
        if not isinstance(data_key, bytes) or len(data_key) != DATA_KEY_BYTES:
            raise ValueError("FieldSealer needs the archive's 32-byte data key")
        self._key = data_key

    def __repr__(self) -> str:
        return "FieldSealer(<key hidden>)"

    def seal(self, plaintext: bytes, context: bytes) -> bytes:
        """Encrypt ``plaintext`` bound to ``context``; a fresh random nonce each call."""
        nonce = os.urandom(NONCE_BYTES)
        body = crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, context, nonce, self._key)
        return _VERSION_BYTE + nonce + body

    def open(self, ciphertext: bytes, context: bytes, *, what: str) -> bytes:
        """Decrypt a sealed value; :class:`TamperedError` naming ``what`` if it does not verify.

        ``what`` is a record reference for the message (``"person P-0042, field name"``),
        never plaintext.
        """
        if len(ciphertext) < OVERHEAD or ciphertext[0] != SEAL_VERSION:
            raise TamperedError(
                f"{what} failed authentication: it is not a sealed value of a known format.",
                hint=_TAMPER_HINT,
            )
        nonce = ciphertext[1 : 1 + NONCE_BYTES]
        try:
            return crypto_aead_xchacha20poly1305_ietf_decrypt(
                ciphertext[1 + NONCE_BYTES :], context, nonce, self._key
            )
        except CryptoError:
            raise TamperedError(
                f"{what} failed authentication: it was altered, moved or sealed with another key.",
                hint=_TAMPER_HINT,
            ) from None


def seal_for_recipient(plaintext: bytes, recipient: str) -> bytes:
    """Encrypt a small value to the archive's public recipient (age, binary format).

    This is what a locked intake uses: it needs only the public key, and cannot
    open what it sealed.
    """
    sealed: bytes = pyrage.encrypt(plaintext, [parse_recipient(recipient)])
    return sealed


def open_with_identity(ciphertext: bytes, identity: str, *, what: str) -> bytes:
    """Decrypt an age value sealed with :func:`seal_for_recipient`."""
    try:
        opened: bytes = pyrage.decrypt(ciphertext, [parse_identity(identity)])
    except pyrage.DecryptError:
        raise TamperedError(
            f"{what} failed authentication: it was altered, truncated, or sealed "
            "to another archive's key.",
            hint=_TAMPER_HINT,
        ) from None
    return opened
