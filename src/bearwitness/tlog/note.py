"""C2SP signed notes (c2sp.org/signed-note@v1.0.0) with Ed25519 keys.

A note is UTF-8 text ending in LF, a blank line, then signature lines
``— <key name> <base64(key id ‖ signature)>``. The signed message is the text.

- Keys: :class:`NoteSigner` (private; ``PRIVATE+KEY+<name>+<id hex>+<base64(0x01 ‖ seed)>``,
  the golang.org/x/mod/sumdb/note form) and :class:`NoteVerifier` (public vkey
  ``<name>+<id hex>+<base64(0x01 ‖ pubkey)>``). Key id =
  SHA-256(name ‖ 0x0A ‖ type ‖ pubkey)[:4].
- :func:`sign_note` signs text; :func:`parse_note` splits a note strictly;
  :func:`verify_note` checks it against known verifiers (which may include
  cosignature verifiers from :mod:`bearwitness.tlog.cosignature`) and raises
  :class:`~bearwitness.errors.VerificationError` unless at least one known key
  signed and no known key's signature fails.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from bearwitness.errors import InputError, VerificationError

ALG_ED25519 = 0x01
ALG_COSIGNATURE_V1 = 0x04
MAX_SIGNATURES = 100
_DASH = "\u2014 "
_NAME = re.compile(r"[^\s+]+")


def key_id(name: str, alg: int, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([alg]) + public_key).digest()[:4]


def check_key_name(name: str) -> None:
    if not _NAME.fullmatch(name) or any(ord(c) < 0x20 for c in name):
        raise InputError(
            f"invalid key name {name!r}",
            hint="A key name is non-empty, without spaces or '+', e.g. example.org/log.",
        )


class Verifier(Protocol):
    """A key that can check one kind of signature line."""

    @property
    def name(self) -> str: ...
    @property
    def key_id(self) -> bytes: ...
    def verify(self, text: bytes, signature: bytes) -> bool: ...


@dataclass(frozen=True)
class NoteVerifier:
    """An Ed25519 (type 0x01) note verifier."""

    name: str
    public_key: bytes

    def __post_init__(self) -> None:
        check_key_name(self.name)

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, ALG_ED25519, self.public_key)

    def verify(self, text: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, text)
        except (InvalidSignature, ValueError):
            return False
        return True

    def vkey(self) -> str:
        key = base64.b64encode(bytes([ALG_ED25519]) + self.public_key).decode()
        return f"{self.name}+{self.key_id.hex()}+{key}"


@dataclass(frozen=True)
class NoteSigner:
    """An Ed25519 note signer; ``seed`` is the 32-byte RFC 8032 private key. Never log it."""

    name: str
    seed: bytes

    def __post_init__(self) -> None:
        check_key_name(self.name)
        if len(self.seed) != 32:
            raise InputError("an Ed25519 seed is 32 bytes")

    def __repr__(self) -> str:  # keep the seed out of tracebacks and logs
        return f"NoteSigner(name={self.name!r})"

    @classmethod
    def generate(cls, name: str) -> NoteSigner:
        seed = Ed25519PrivateKey.generate().private_bytes_raw()
        return cls(name, seed)

    @property
    def verifier(self) -> NoteVerifier:
        public = Ed25519PrivateKey.from_private_bytes(self.seed).public_key()
        return NoteVerifier(self.name, public.public_bytes(Encoding.Raw, PublicFormat.Raw))

    @property
    def key_id(self) -> bytes:
        return self.verifier.key_id

    def sign(self, text: bytes) -> bytes:
        return Ed25519PrivateKey.from_private_bytes(self.seed).sign(text)

    def key_text(self) -> str:
        key = base64.b64encode(bytes([ALG_ED25519]) + self.seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.key_id.hex()}+{key}"


def parse_verifier_key(vkey: str) -> NoteVerifier:
    """Parse ``<name>+<hex id>+<base64(0x01 ‖ pubkey)>``; the id must match."""
    name, alg, key = _split_key(vkey.strip(), 3, "verifier key")
    if alg != ALG_ED25519 or len(key) != 32:
        raise _bad_key("verifier key", "it is not an Ed25519 (type 0x01) key")
    verifier = NoteVerifier(name, key)
    if vkey.strip().split("+")[1] != verifier.key_id.hex():
        raise _bad_key("verifier key", "its key id does not match its name and key")
    return verifier


def parse_signer_key(text: str) -> NoteSigner:
    """Parse ``PRIVATE+KEY+<name>+<hex id>+<base64(0x01 ‖ seed)>``; the id must match."""
    if not text.startswith("PRIVATE+KEY+"):
        raise _bad_key("signing key", "it does not start with PRIVATE+KEY+")
    name, alg, seed = _split_key(text.strip()[len("PRIVATE+KEY+") :], 3, "signing key")
    if alg != ALG_ED25519 or len(seed) != 32:
        raise _bad_key("signing key", "it is not an Ed25519 (type 0x01) key")
    signer = NoteSigner(name, seed)
    if text.strip().split("+")[3] != signer.key_id.hex():
        raise _bad_key("signing key", "its key id does not match its name and key")
    return signer


def _split_key(text: str, parts: int, what: str) -> tuple[str, int, bytes]:
    fields = text.split("+", 2)  # base64 may itself contain "+"
    if len(fields) != parts or not re.fullmatch(r"[0-9a-f]{8}", fields[1]):
        raise _bad_key(what, "it is not <name>+<8 hex digits>+<base64 key>")
    try:
        raw = base64.b64decode(fields[2], validate=True)
    except binascii.Error:
        raise _bad_key(what, "its key is not base64") from None
    if not raw:
        raise _bad_key(what, "its key is empty")
    check_key_name(fields[0])
    return fields[0], raw[0], raw[1:]


def _bad_key(what: str, reason: str) -> InputError:
    return InputError(f"invalid {what}: {reason}", hint="Copy the key text again, whole.")


@dataclass(frozen=True)
class NoteSignature:
    name: str
    key_id: bytes
    signature: bytes

    def line(self) -> str:
        payload = base64.b64encode(self.key_id + self.signature).decode()
        return f"{_DASH}{self.name} {payload}\n"


@dataclass(frozen=True)
class Note:
    text: bytes
    signatures: tuple[NoteSignature, ...]

    def to_bytes(self) -> bytes:
        return self.text + b"\n" + "".join(s.line() for s in self.signatures).encode()


def sign_note(text: bytes, signers: list[NoteSigner]) -> bytes:
    _check_text(text)
    sigs = tuple(NoteSignature(s.name, s.key_id, s.sign(text)) for s in signers)
    return Note(text, sigs).to_bytes()


def _check_text(text: bytes) -> None:
    try:
        decoded = text.decode("utf-8")
    except UnicodeDecodeError:
        raise _bad_note("it is not UTF-8") from None
    if not decoded.endswith("\n") or any(
        (ord(c) < 0x20 and c != "\n") or c == "\x7f" for c in decoded
    ):
        raise _bad_note("its text must end in LF and hold no control characters")


def parse_note(data: bytes) -> Note:
    """Split a signed note strictly into text and signature lines (nothing is verified)."""
    _check_text(data)
    cut = data.rfind(b"\n\n")
    if cut < 0:
        raise _bad_note("it has no blank line before its signatures")
    text, sig_block = data[: cut + 1], data[cut + 2 :]
    sigs: list[NoteSignature] = []
    for line in sig_block.decode().split("\n")[:-1]:
        if not line.startswith(_DASH):
            raise _bad_note("a signature line does not start with an em dash")
        fields = line[len(_DASH) :].split(" ")
        if len(fields) != 2:
            raise _bad_note("a signature line is not '— <name> <signature>'")
        check_key_name(fields[0])
        try:
            raw = base64.b64decode(fields[1], validate=True)
        except binascii.Error:
            raise _bad_note("a signature is not base64") from None
        if len(raw) < 5:
            raise _bad_note("a signature is too short")
        sigs.append(NoteSignature(fields[0], raw[:4], raw[4:]))
    if not sigs:
        raise _bad_note("it has no signatures")
    if len(sigs) > MAX_SIGNATURES:
        raise _bad_note(f"it has more than {MAX_SIGNATURES} signatures")
    return Note(text, tuple(sigs))


def verify_note(data: bytes, verifiers: list[Verifier]) -> tuple[Note, list[Verifier]]:
    """Parse and verify a note; returns it with the verifiers whose signatures hold."""
    note = parse_note(data)
    known = {(v.name, v.key_id): v for v in verifiers}
    valid: list[Verifier] = []
    for sig in note.signatures:
        verifier = known.get((sig.name, sig.key_id))
        if verifier is None:
            continue  # unknown keys are ignored: rotation and other parties' cosignatures
        if not verifier.verify(note.text, sig.signature):
            raise VerificationError(
                f"the signature by {sig.name} on this note does not verify",
                hint="The note was altered after signing, or signed by another key.",
            )
        if verifier not in valid:
            valid.append(verifier)
    if not valid:
        raise VerificationError(
            "the note carries no signature by a known key",
            hint="Check that you have the right verifier key for this log.",
        )
    return note, valid


def _bad_note(reason: str) -> VerificationError:
    return VerificationError(f"not a valid signed note: {reason}")
