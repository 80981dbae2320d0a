"""Offline inclusion proofs in the C2SP tlog-proof format (c2sp.org/tlog-proof@v1, draft).

    c2sp.org/tlog-proof@v1
    index <leaf index>
    <base64 inclusion-proof hash, leaf sibling first>
    ...
    <empty line>
    <signed checkpoint, verbatim, cosignatures included>

:func:`format_proof` writes one; :func:`open_proof` parses it and checks that
the entry bytes are included in the checkpoint (signature and inclusion).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from bearwitness.errors import VerificationError
from bearwitness.tlog import merkle
from bearwitness.tlog.checkpoint import SignedCheckpoint, open_checkpoint
from bearwitness.tlog.cosignature import CosignatureVerifier
from bearwitness.tlog.note import NoteVerifier

HEADER = b"c2sp.org/tlog-proof@v1\n"


@dataclass(frozen=True)
class InclusionProof:
    index: int
    hashes: tuple[bytes, ...]
    checkpoint: bytes  # the signed checkpoint note


def format_proof(proof: InclusionProof) -> bytes:
    lines = [b"index %d\n" % proof.index]
    lines += [base64.b64encode(h) + b"\n" for h in proof.hashes]
    return HEADER + b"".join(lines) + b"\n" + proof.checkpoint


def parse_proof(data: bytes) -> InclusionProof:
    if not data.startswith(HEADER):
        raise _bad("it does not start with c2sp.org/tlog-proof@v1")
    head, sep, checkpoint = data[len(HEADER) :].partition(b"\n\n")
    if not sep:
        raise _bad("it has no blank line before the checkpoint")
    lines = head.decode("ascii", "replace").split("\n")
    if lines and lines[0].startswith("extra "):
        lines = lines[1:]
    if not lines or not re.fullmatch(r"index (0|[1-9][0-9]{0,19})", lines[0]):
        raise _bad("it has no 'index <n>' line")
    hashes = []
    for line in lines[1:]:
        try:
            h = base64.b64decode(line, validate=True)
        except binascii.Error:
            raise _bad("a proof hash is not base64") from None
        if len(h) != merkle.HASH_SIZE:
            raise _bad("a proof hash is not 32 bytes")
        hashes.append(h)
    return InclusionProof(int(lines[0][6:]), tuple(hashes), checkpoint)


def open_proof(
    data: bytes,
    entry: bytes,
    log_key: NoteVerifier,
    witnesses: tuple[CosignatureVerifier, ...] = (),
    quorum: int = 0,
) -> SignedCheckpoint:
    """Verify that ``entry`` is in the log as the proof says; returns the verified checkpoint."""
    proof = parse_proof(data)
    signed = open_checkpoint(proof.checkpoint, log_key, witnesses, quorum)
    cp = signed.checkpoint
    merkle.verify_inclusion(
        merkle.hash_leaf(entry), proof.index, cp.size, proof.hashes, cp.root_hash
    )
    return signed


def _bad(reason: str) -> VerificationError:
    return VerificationError(f"not a valid tlog-proof: {reason}")
