"""Unlock slots: each wraps the archive's age identity under one way of unlocking.

A slot holds ``XChaCha20-Poly1305(slot key, nonce, identity, ad=slot header)``
where the header is the slot's public metadata (kind, id, the archive's
recipient, KDF parameters and salt, or k and n) in canonical JSON. Editing
any of it in keyring.json makes the slot fail to open rather than open
weaker.

- passphrase slot: slot key = Argon2id(passphrase, salt, t, m, p)
- custodian slot: slot key = 32 random bytes, split k-of-n (see shares.py)
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from nacl.bindings import (
    crypto_aead_xchacha20poly1305_ietf_decrypt,
    crypto_aead_xchacha20poly1305_ietf_encrypt,
)
from nacl.exceptions import CryptoError

from bearwitness.crypto.kdf import SALT_BYTES, KdfParams
from bearwitness.crypto.shares import MAX_SHARES, SLOT_ID_BYTES
from bearwitness.errors import ArchiveError

NONCE_BYTES = 24
_MAX_WRAPPED = 512
_MALFORMED_HINT = "Restore keyring.json from a backup; without a valid slot nobody can unlock."


@dataclass(frozen=True)
class PassphraseSlot:
    kind: ClassVar[str] = "passphrase"
    slot_id: bytes
    kdf: KdfParams
    salt: bytes
    nonce: bytes
    wrapped: bytes

    def header(self, recipient: str) -> bytes:
        return _canonical(
            {
                "kind": self.kind,
                "id": self.slot_id.hex(),
                "recipient": recipient,
                "kdf": self.kdf.to_dict(),
                "salt": _b64(self.salt),
            }
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.slot_id.hex(),
            "kdf": self.kdf.to_dict(),
            "salt": _b64(self.salt),
            "nonce": _b64(self.nonce),
            "wrapped": _b64(self.wrapped),
        }


@dataclass(frozen=True)
class CustodianSlot:
    kind: ClassVar[str] = "custodians"
    slot_id: bytes
    threshold: int
    total: int
    nonce: bytes
    wrapped: bytes

    def header(self, recipient: str) -> bytes:
        return _canonical(
            {
                "kind": self.kind,
                "id": self.slot_id.hex(),
                "recipient": recipient,
                "k": self.threshold,
                "n": self.total,
            }
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.slot_id.hex(),
            "k": self.threshold,
            "n": self.total,
            "nonce": _b64(self.nonce),
            "wrapped": _b64(self.wrapped),
        }


Slot = PassphraseSlot | CustodianSlot


def new_slot_id() -> bytes:
    return os.urandom(SLOT_ID_BYTES)


def wrap(slot: Slot, recipient: str, slot_key: bytes, identity: str) -> Slot:
    """Return ``slot`` with ``identity`` wrapped under ``slot_key`` (fresh nonce)."""
    nonce = os.urandom(NONCE_BYTES)
    wrapped = crypto_aead_xchacha20poly1305_ietf_encrypt(
        identity.encode("ascii"), slot.header(recipient), nonce, slot_key
    )
    return replace(slot, nonce=nonce, wrapped=wrapped)


def unwrap(slot: Slot, recipient: str, slot_key: bytes) -> str | None:
    """The wrapped identity, or None if the key is wrong or the slot was altered."""
    try:
        raw = crypto_aead_xchacha20poly1305_ietf_decrypt(
            slot.wrapped, slot.header(recipient), slot.nonce, slot_key
        )
    except CryptoError:
        return None
    return raw.decode("ascii")


def slot_from_dict(data: Any) -> Slot:
    """Strictly parse one slot from keyring.json."""
    if not isinstance(data, dict):
        raise _malformed("a slot is not an object")
    kind = data.get("kind")
    if kind == PassphraseSlot.kind:
        _expect_keys(data, {"kind", "id", "kdf", "salt", "nonce", "wrapped"})
        return PassphraseSlot(
            slot_id=_slot_id(data["id"]),
            kdf=KdfParams.from_dict(data["kdf"]),
            salt=_unb64(data["salt"], "salt", exact=SALT_BYTES),
            nonce=_unb64(data["nonce"], "nonce", exact=NONCE_BYTES),
            wrapped=_unb64(data["wrapped"], "wrapped", exact=None),
        )
    if kind == CustodianSlot.kind:
        _expect_keys(data, {"kind", "id", "k", "n", "nonce", "wrapped"})
        k, n = data["k"], data["n"]
        if type(k) is not int or type(n) is not int or not 2 <= k <= n <= MAX_SHARES:
            raise _malformed("the custodian slot's k and n are not 2 <= k <= n <= 255")
        return CustodianSlot(
            slot_id=_slot_id(data["id"]),
            threshold=k,
            total=n,
            nonce=_unb64(data["nonce"], "nonce", exact=NONCE_BYTES),
            wrapped=_unb64(data["wrapped"], "wrapped", exact=None),
        )
    raise _malformed(f"unknown slot kind {str(kind)[:40]!r}")


def _canonical(obj: dict[str, Any]) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(text: Any, name: str, *, exact: int | None) -> bytes:
    if not isinstance(text, str):
        raise _malformed(f"slot field {name} is not a string")
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise _malformed(f"slot field {name} is not base64") from None
    if (exact is not None and len(raw) != exact) or not 0 < len(raw) <= _MAX_WRAPPED:
        raise _malformed(f"slot field {name} has the wrong length")
    return raw


def _slot_id(text: Any) -> bytes:
    if not isinstance(text, str) or len(text) != 2 * SLOT_ID_BYTES:
        raise _malformed("a slot id has the wrong length")
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise _malformed("a slot id is not hexadecimal") from None


def _expect_keys(data: dict[str, Any], keys: set[str]) -> None:
    if set(data) != keys:
        extra = sorted(set(data) - keys)
        missing = sorted(keys - set(data))
        raise _malformed(f"a {data['kind']} slot has unexpected keys {extra} or lacks {missing}")


def _malformed(what: str) -> ArchiveError:
    return ArchiveError(f"keyring.json is malformed: {what}.", hint=_MALFORMED_HINT)
