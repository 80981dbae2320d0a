"""Checkpoints (c2sp.org/tlog-checkpoint@v1.0.0): the signed statement of a log's size and root.

Body, each line ending in LF::

    <origin>            e.g. archive.example.org/log (no spaces, no '+')
    <size>              decimal, no leading zeroes
    <base64 root hash>  standard padded base64 of 32 bytes
    [extension lines]   optional, non-empty, opaque

- :class:`Checkpoint` with :meth:`Checkpoint.body` and :func:`parse_checkpoint`
  (strict; accepts a bare body or a signed note and reads its text)
- :func:`sign_checkpoint` makes the signed note with the log's key (name = origin)
- :func:`open_checkpoint` verifies the log signature and any cosignatures from
  the given witnesses, enforcing a quorum, and returns a :class:`SignedCheckpoint`
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from bearwitness.errors import InputError, VerificationError
from bearwitness.tlog.cosignature import CosignatureVerifier, cosignature_time
from bearwitness.tlog.note import NoteSigner, NoteVerifier, Verifier, sign_note, verify_note

_SIZE = re.compile(r"0|[1-9][0-9]*")


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or any(c.isspace() or c == "+" for c in self.origin):
            raise InputError(
                f"invalid log origin {self.origin!r}",
                hint="Use a scheme-less URL without spaces or '+', e.g. archive.example.org/log.",
            )
        if self.size < 0 or len(self.root_hash) != 32:
            raise InputError("a checkpoint needs a size >= 0 and a 32-byte root hash")
        if any(not e or "\n" in e for e in self.extensions):
            raise InputError("checkpoint extension lines must be non-empty single lines")

    def body(self) -> bytes:
        lines = [self.origin, str(self.size), base64.b64encode(self.root_hash).decode()]
        return ("\n".join([*lines, *self.extensions]) + "\n").encode()


@dataclass(frozen=True)
class SignedCheckpoint:
    checkpoint: Checkpoint
    note: bytes  # the signed note exactly as received
    witnesses: tuple[str, ...]  # names of witnesses whose cosignatures verified
    witness_times: tuple[int, ...]  # their unix times, same order


def parse_checkpoint(data: bytes) -> Checkpoint:
    """Parse a checkpoint body, or the text part of a signed checkpoint note (unverified)."""
    cut = data.rfind(b"\n\n")
    text = data[: cut + 1] if cut >= 0 else data
    try:
        lines = text.decode("utf-8").split("\n")
    except UnicodeDecodeError:
        raise _bad("it is not UTF-8") from None
    if lines[-1] != "" or len(lines) < 4:
        raise _bad("it needs origin, size and root lines, each ending in LF")
    origin, size, root, *extensions = lines[:-1]
    if not _SIZE.fullmatch(size) or len(size) > 20:
        raise _bad("the size line is not a decimal number without leading zeroes")
    try:
        root_hash = base64.b64decode(root, validate=True)
    except binascii.Error:
        raise _bad("the root line is not base64") from None
    if len(root_hash) != 32 or base64.b64encode(root_hash).decode() != root:
        raise _bad("the root line is not the base64 of 32 bytes")
    try:
        return Checkpoint(origin, int(size), root_hash, tuple(extensions))
    except InputError as exc:
        raise _bad(exc.message) from None


def sign_checkpoint(checkpoint: Checkpoint, signer: NoteSigner) -> bytes:
    if signer.name != checkpoint.origin:
        raise InputError(
            f"the log key is named {signer.name!r} but the origin is {checkpoint.origin!r}",
            hint="Name the log's signing key after the log's origin.",
        )
    return sign_note(checkpoint.body(), [signer])


def open_checkpoint(
    note: bytes,
    log_key: NoteVerifier,
    witnesses: tuple[CosignatureVerifier, ...] = (),
    quorum: int = 0,
) -> SignedCheckpoint:
    """Verify a signed checkpoint; raises VerificationError naming what failed."""
    verifiers: list[Verifier] = [log_key, *witnesses]
    parsed, valid = verify_note(note, verifiers)
    if log_key not in valid:
        raise VerificationError(
            "the checkpoint is not signed by the log's key",
            hint="Check that you have this log's verifier key.",
        )
    checkpoint = parse_checkpoint(note)
    if checkpoint.origin != log_key.name:
        raise VerificationError(
            f"the checkpoint's origin {checkpoint.origin!r} is not the log key's name"
        )
    names, times = [], []
    for sig in parsed.signatures:
        for w in witnesses:
            if w in valid and (sig.name, sig.key_id) == (w.name, w.key_id) and w.name not in names:
                names.append(w.name)
                times.append(cosignature_time(sig.signature))
    if len(names) < quorum:
        raise VerificationError(
            f"the checkpoint has {len(names)} valid witness cosignatures; {quorum} are required",
            hint="Ask the witnesses to cosign this checkpoint, or lower the quorum.",
        )
    return SignedCheckpoint(checkpoint, note, tuple(names), tuple(times))


def _bad(reason: str) -> VerificationError:
    return VerificationError(f"not a valid checkpoint: {reason}")
