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

Talking to a witness (c2sp.org/tlog-witness@v1.0.0): POST the body made by
:func:`witness_request` to ``<witness>/add-checkpoint``; a 200 reply holds
cosignature lines, which :func:`add_cosignatures` checks and adds to the note.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from bearwitness.errors import InputError, VerificationError
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


def witness_request(old_size: int, proof: list[bytes], signed_checkpoint: bytes) -> bytes:
    """The body of a tlog-witness ``POST <witness>/add-checkpoint`` (c2sp.org/tlog-witness).

    ``old_size`` is the size the witness last saw from this log (0 the first time) and
    ``proof`` the consistency proof from that size to the checkpoint's.
    """
    if len(proof) > 63:
        raise InputError("a witness accepts at most 63 consistency proof hashes")
    lines = [b"old %d\n" % old_size, *(base64.b64encode(h) + b"\n" for h in proof)]
    return b"".join(lines) + b"\n" + signed_checkpoint


def add_cosignatures(
    signed_checkpoint: bytes, lines: bytes, witnesses: tuple[CosignatureVerifier, ...]
) -> bytes:
    """Add the cosignature lines a witness returned, after checking each against ``witnesses``.

    Raises VerificationError for a line from an unknown key or one that does not verify;
    lines already on the checkpoint are not added twice.
    """
    note = parse_note(signed_checkpoint)
    try:
        received = parse_note(note.text + b"\n" + lines).signatures
    except VerificationError as exc:
        raise VerificationError(f"cosignature lines: {exc.message}") from None
    known = {(w.name, w.key_id): w for w in witnesses}
    have = set(note.signatures)
    added = b""
    for sig in received:
        witness = known.get((sig.name, sig.key_id))
        if witness is None:
            raise VerificationError(
                f"a cosignature by {sig.name} is from no configured witness key",
                hint="Add the witness's vkey to the configuration, or ignore its reply.",
            )
        if not witness.verify(note.text, sig.signature):
            raise VerificationError(f"the cosignature by {sig.name} does not verify")
        if sig not in have:
            have.add(sig)
            added += sig.line().encode()
    return signed_checkpoint + added
