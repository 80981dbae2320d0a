"""Witness cosignatures (c2sp.org/tlog-cosignature@v1.0.1), Ed25519 ``cosignature/v1``.

A witness that has checked a checkpoint's consistency adds a signature line
to it. Key id = SHA-256(name ‖ 0x0A ‖ 0x04 ‖ pubkey)[:4]; the signature is
``uint64 big-endian timestamp ‖ Ed25519 signature`` over::

    cosignature/v1
    time <unix seconds>
    <checkpoint text, every line>

Witness vkeys are written ``<name>+<hex id>+<base64(0x04 ‖ pubkey)>``.
:class:`CosignatureVerifier` plugs into :func:`bearwitness.tlog.note.verify_note`;
:class:`CosignatureSigner` exists for tests and for running a witness.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from bearwitness.errors import InputError
from bearwitness.tlog.note import (
    ALG_COSIGNATURE_V1,
    NoteSignature,
    check_key_name,
    key_id,
    parse_note,
)


def cosigned_message(checkpoint_text: bytes, timestamp: int) -> bytes:
    return b"cosignature/v1\ntime %d\n" % timestamp + checkpoint_text


@dataclass(frozen=True)
class CosignatureVerifier:
    name: str
    public_key: bytes

    def __post_init__(self) -> None:
        check_key_name(self.name)

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, ALG_COSIGNATURE_V1, self.public_key)

    def verify(self, text: bytes, signature: bytes) -> bool:
        if len(signature) != 8 + 64:
            return False
        timestamp = int.from_bytes(signature[:8], "big")
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(
                signature[8:], cosigned_message(text, timestamp)
            )
        except (InvalidSignature, ValueError):
            return False
        return True

    def vkey(self) -> str:
        key = base64.b64encode(bytes([ALG_COSIGNATURE_V1]) + self.public_key).decode()
        return f"{self.name}+{self.key_id.hex()}+{key}"


@dataclass(frozen=True)
class CosignatureSigner:
    name: str
    seed: bytes

    def __repr__(self) -> str:
        return f"CosignatureSigner(name={self.name!r})"

    @property
    def verifier(self) -> CosignatureVerifier:
        public = Ed25519PrivateKey.from_private_bytes(self.seed).public_key()
        return CosignatureVerifier(self.name, public.public_bytes(Encoding.Raw, PublicFormat.Raw))

    def cosign(self, signed_checkpoint: bytes, timestamp: int) -> bytes:
        """The checkpoint note with this witness's cosignature line added."""
        note = parse_note(signed_checkpoint)
        sig = Ed25519PrivateKey.from_private_bytes(self.seed).sign(
            cosigned_message(note.text, timestamp)
        )
        line = NoteSignature(self.name, self.verifier.key_id, timestamp.to_bytes(8, "big") + sig)
        return signed_checkpoint + line.line().encode()


def parse_witness_key(vkey: str) -> CosignatureVerifier:
    """Parse a witness vkey ``<name>+<hex id>+<base64(0x04 ‖ pubkey)>``; the id must match."""
    fields = vkey.strip().split("+", 2)  # base64 may itself contain "+"
    if len(fields) != 3:
        raise _bad("it is not <name>+<8 hex digits>+<base64 key>")
    try:
        raw = base64.b64decode(fields[2], validate=True)
    except binascii.Error:
        raise _bad("its key is not base64") from None
    if len(raw) != 33 or raw[0] != ALG_COSIGNATURE_V1:
        raise _bad("it is not an Ed25519 cosignature/v1 (type 0x04) key")
    verifier = CosignatureVerifier(fields[0], raw[1:])
    if fields[1] != verifier.key_id.hex():
        raise _bad("its key id does not match its name and key")
    return verifier


def cosignature_time(signature: bytes) -> int:
    """The unix time a witness put in its cosignature."""
    return int.from_bytes(signature[:8], "big")


def _bad(reason: str) -> InputError:
    return InputError(f"invalid witness key: {reason}", hint="Copy the witness key again, whole.")
