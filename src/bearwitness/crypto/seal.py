"""Sealing single values: fields in the database, and small submissions to the archive's key.

A sealed value is ``0x02 || key generation (2 bytes, big-endian) || nonce (24
bytes) || XChaCha20-Poly1305 ciphertext and tag``, under the data key of that
generation, with associated data ``header (the first 3 bytes) || context``. The
context binds the value to where it belongs (for a record version's sealed
fields, ``b"person:P-0042:v3:fields"``): a value copied into another record,
part or version fails to open, and so does one whose generation was edited.
The random 24-byte nonce makes nonce reuse negligible without any counter
state to keep. Values sealed before key rotation existed have the format
``0x01 || nonce || ciphertext`` (associated data: the context alone) and are
of generation 1; they still open.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import pyrage
from nacl.bindings import (
    crypto_aead_xchacha20poly1305_ietf_decrypt,
    crypto_aead_xchacha20poly1305_ietf_encrypt,
)
from nacl.exceptions import CryptoError

from bearwitness.crypto.keys import (
    DATA_KEY_BYTES,
    MAX_GENERATION,
    ArchiveSecrets,
    parse_identities,
    parse_recipient,
)
from bearwitness.errors import TamperedError

SEAL_VERSION = 2
_GENERATIONLESS = 1  # the format before key rotation: always generation 1
HEADER_BYTES = 3
NONCE_BYTES = 24
TAG_BYTES = 16
OVERHEAD = HEADER_BYTES + NONCE_BYTES + TAG_BYTES

_TAMPER_HINT = (
    "The stored value was altered, copied from another record, or sealed under "
    "another archive's key. Restore it from a backup and check the transparency log."
)


class FieldSealer:
    """Seals under the current generation's data key; opens under any generation's."""

    __slots__ = ("_generation", "_keys")

    def __init__(
        self, data_key: bytes, *, generation: int = 1, older: Mapping[int, bytes] | None = None
    ) -> None:
        keys = {**(older or {}), generation: data_key}
        if not all(isinstance(k, bytes) and len(k) == DATA_KEY_BYTES for k in keys.values()):
            raise ValueError("FieldSealer needs the archive's 32-byte data keys")
        if not all(1 <= g <= MAX_GENERATION for g in keys) or max(keys) != generation:
            raise ValueError("FieldSealer seals under the newest of its key generations")
        self._generation, self._keys = generation, keys

    @classmethod
    def for_secrets(cls, secrets: ArchiveSecrets) -> FieldSealer:
        """A sealer for an unlock: seals under the current generation, opens every one."""
        return cls(secrets.data_key, generation=secrets.generation, older=secrets.data_keys)

    def __repr__(self) -> str:
        return f"FieldSealer(generation {self._generation}, <keys hidden>)"

    @property
    def generation(self) -> int:
        """The key generation this sealer seals under."""
        return self._generation

    def seal(self, plaintext: bytes, context: bytes) -> bytes:
        """Encrypt ``plaintext`` bound to ``context``; a fresh random nonce each call."""
        header = bytes([SEAL_VERSION]) + self._generation.to_bytes(2, "big")
        nonce = os.urandom(NONCE_BYTES)
        body = crypto_aead_xchacha20poly1305_ietf_encrypt(
            plaintext, header + context, nonce, self._keys[self._generation]
        )
        return header + nonce + body

    def open(self, ciphertext: bytes, context: bytes, *, what: str) -> bytes:
        """Decrypt a sealed value; :class:`TamperedError` naming ``what`` if it does not verify.

        ``what`` is a record reference for the message (``"person P-0042, field name"``),
        never plaintext.
        """
        generation = generation_of(ciphertext, what=what)
        start = 1 if ciphertext[0] == _GENERATIONLESS else HEADER_BYTES
        aad = context if start == 1 else ciphertext[:HEADER_BYTES] + context
        key = self._keys.get(generation)
        if key is None:
            raise TamperedError(
                f"{what} is sealed under key generation {generation}, which this unlock "
                f"does not hold (it holds {sorted(self._keys)}).",
                hint="Unlock with the archive's current keyring.json, or restore it from "
                "a backup made after the last `keys rotate`; else the value was altered.",
            )
        nonce = ciphertext[start : start + NONCE_BYTES]
        try:
            return crypto_aead_xchacha20poly1305_ietf_decrypt(
                ciphertext[start + NONCE_BYTES :], aad, nonce, key
            )
        except CryptoError:
            raise TamperedError(
                f"{what} failed authentication: it was altered, moved or sealed with another key.",
                hint=_TAMPER_HINT,
            ) from None


def generation_of(ciphertext: bytes, *, what: str = "a sealed value") -> int:
    """The key generation a value was sealed under (read from its header, not verified:
    :meth:`FieldSealer.open` checks it)."""
    if len(ciphertext) >= 1 + NONCE_BYTES + TAG_BYTES and ciphertext[0] == _GENERATIONLESS:
        return 1
    if len(ciphertext) >= OVERHEAD and ciphertext[0] == SEAL_VERSION:
        generation = int.from_bytes(ciphertext[1:HEADER_BYTES], "big")
        if generation >= 1:
            return generation
    raise TamperedError(
        f"{what} failed authentication: it is not a sealed value of a known format.",
        hint=_TAMPER_HINT,
    )


def seal_for_recipient(plaintext: bytes, recipient: str) -> bytes:
    """Encrypt a small value to the archive's public recipient (age, binary format).

    This is what a locked intake uses: it needs only the public key, and cannot
    open what it sealed.
    """
    sealed: bytes = pyrage.encrypt(plaintext, [parse_recipient(recipient)])
    return sealed


def open_with_identity(ciphertext: bytes, identity: str | Sequence[str], *, what: str) -> bytes:
    """Decrypt an age value sealed with :func:`seal_for_recipient`, with an identity or
    every generation's (:attr:`ArchiveSecrets.identities`)."""
    try:
        opened: bytes = pyrage.decrypt(ciphertext, parse_identities(identity))
    except pyrage.DecryptError:
        raise TamperedError(
            f"{what} failed authentication: it was altered, truncated, or sealed "
            "to another archive's key.",
            hint=_TAMPER_HINT,
        ) from None
    return opened
