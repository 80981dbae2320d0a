"""Proof bundles: everything a court needs to check one record version or file.

:func:`write_bundle` checks the proof itself before writing, then writes to ``out``::

    README.txt               how to check it, in plain words
    manifest.json            what is what (format bearwitness-proof-bundle/1)
    record.json | <file>     the canonical record, or the evidence file's original bytes
    <file>                   with a record bundle: the evidence file the record describes
                             (its SHA-256 is the record's "sha256" field)
    salt.hex                 the commitment salt (absent for a file logged by hash only)
    entry.json               the log entry, byte for byte as logged
    log.vkey                 the log's verifier key (C2SP signed-note vkey), for reference:
                             a checker takes the key from elsewhere, never from here
    checkpoint-<size>        each signed checkpoint (C2SP tlog-checkpoint)
    proof-<size>.tlog-proof  inclusion of the entry in that checkpoint (C2SP tlog-proof)
    checkpoint-<size>.tsr    RFC 3161 timestamp responses over that checkpoint, if any
    tsa-roots.pem            the TSA root certificates, if given

``tools/verify_bundle.py`` checks such a directory with only the standard
library and ``cryptography``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bearwitness.errors import InputError, VerificationError
from bearwitness.tlog.checkpoint import parse_checkpoint
from bearwitness.tlog.entry import commit, parse_entry
from bearwitness.tlog.note import NoteVerifier
from bearwitness.tlog.proof import InclusionProof, format_proof, open_proof
from bearwitness.tlog.tiles import TileLog

FORMAT = "bearwitness-proof-bundle/1"


@dataclass(frozen=True)
class ProvenCheckpoint:
    note: bytes  # a signed checkpoint that covers the entry
    timestamps: tuple[bytes, ...] = ()  # RFC 3161 responses (.tsr) over exactly these bytes


def write_bundle(
    out: Path,
    *,
    log: TileLog,
    log_key: NoteVerifier,
    index: int,
    data: bytes,
    salt: bytes | None,
    checkpoints: Sequence[ProvenCheckpoint],
    file_name: str | None = None,
    attachment: tuple[str, bytes] | None = None,
    tsa_roots_pem: bytes | None = None,
) -> None:
    """Write the bundle for entry ``index``; ``data`` is the canonical record or, with
    ``file_name``, the evidence file. ``attachment`` (name, bytes) adds to a record bundle
    the evidence file whose SHA-256 the record names: how a small file, logged without a
    bare hash, is proven. Raises VerificationError if the pieces do not fit."""
    data_name = file_name or "record.json"
    for name in (data_name, *(attachment[:1] if attachment else ())):
        if "/" in name or name.startswith((".", "checkpoint-", "proof-")) or name in _RESERVED:
            raise InputError(f"unsafe file name {name!r} for the bundle")
    entry_bytes = log.read_entry(index)
    entry = parse_entry(entry_bytes)
    kind = "file" if file_name is not None else "record"
    if kind == "file":
        if entry.file_sha256 != hashlib.sha256(data).hexdigest():
            raise VerificationError(f"entry {index}: the file's SHA-256 is not the logged one")
    elif salt is None:
        raise InputError("a record bundle needs the record's salt")
    if salt is not None and commit(salt, data) != entry.commitment:
        raise VerificationError(f"entry {index}: salt and data do not give the logged commitment")
    if not checkpoints:
        raise InputError("a bundle needs at least one signed checkpoint")
    if attachment is not None:
        named = json.loads(data).get("sha256") if kind == "record" else None
        if named != hashlib.sha256(attachment[1]).hexdigest():
            raise VerificationError(
                f"entry {index}: the attached file is not the one the record names"
            )

    files: dict[str, bytes] = {data_name: data, "entry.json": entry_bytes}
    if attachment is not None:
        files[attachment[0]] = attachment[1]
    files["log.vkey"] = log_key.vkey().encode() + b"\n"
    if salt is not None:
        files["salt.hex"] = salt.hex().encode() + b"\n"
    listed = []
    for proven in checkpoints:
        size = parse_checkpoint(proven.note).size
        proof = InclusionProof(index, tuple(log.inclusion_proof(index, size)), proven.note)
        proof_bytes = format_proof(proof)
        open_proof(proof_bytes, entry_bytes, log_key)  # never hand out a proof that fails
        files[f"checkpoint-{size}"] = proven.note
        files[f"proof-{size}.tlog-proof"] = proof_bytes
        stamps = []
        for n, tsr in enumerate(proven.timestamps):
            name = f"checkpoint-{size}.tsr" if n == 0 else f"checkpoint-{size}.{n}.tsr"
            files[name] = tsr
            stamps.append(name)
        listed.append(
            {
                "size": size,
                "checkpoint": f"checkpoint-{size}",
                "proof": f"proof-{size}.tlog-proof",
                "timestamps": stamps,
            }
        )
    if tsa_roots_pem is not None:
        files["tsa-roots.pem"] = tsa_roots_pem
    manifest = {
        "format": FORMAT,
        "kind": kind,
        "data": data_name,
        "attachment": attachment[0] if attachment is not None else None,
        "salt": "salt.hex" if salt is not None else None,
        "entry": "entry.json",
        "index": index,
        "log_key": "log.vkey",
        "origin": log_key.name,
        "checkpoints": listed,
        "tsa_roots": "tsa-roots.pem" if tsa_roots_pem is not None else None,
    }
    files["manifest.json"] = json.dumps(manifest, indent=2).encode() + b"\n"
    files["README.txt"] = _readme(kind, index, log_key.name).encode()
    out.mkdir(parents=True, exist_ok=True)
    if any(out.iterdir()):
        raise InputError(
            f"{out} is not empty", hint="Give a new or empty directory for the bundle."
        )
    for name, content in files.items():
        (out / name).write_bytes(content)


_RESERVED = {"README.txt", "manifest.json", "salt.hex", "entry.json", "log.vkey", "tsa-roots.pem"}


def _readme(kind: str, index: int, origin: str) -> str:
    what = "an evidence file" if kind == "file" else "one version of a record"
    return f"""\
PROOF BUNDLE: {what}, entry {index} of the transparency log {origin}

What this shows
  That the data in this folder is exactly what was entered in the log at
  entry {index}, and that the log's operator signed a statement (a
  "checkpoint") covering that entry. A checkpoint with an RFC 3161 timestamp
  (a .tsr file) shows that the entry existed no later than that time.

How to check it, without BearWitness
  1. Get the log's verifier key from outside this folder: from the archive
     that made it (`bearwitness log status` prints the key), from a
     checkpoint and key it published or gave a partner, or from a lawyer who
     holds one. log.vkey here is only what the bundle claims: whoever forged a
     bundle would write their own key, so the verifier never uses it.
  2. Run:  python3 verify_bundle.py THIS_FOLDER --vkey 'KEY'
     (verify_bundle.py is a single file; it needs Python 3 and the
     'cryptography' package). It prints every check and says VERIFIED, and
     exits 0, only if all of them ran and passed.
  3. Timestamps: get the timestamp authority's root certificate from the
     authority itself (tsa-roots.pem here says which one it is), then add
     --tsa-ca ROOTS.pem to step 2, or run
        openssl ts -verify -data checkpoint-SIZE \\
        -in checkpoint-SIZE.tsr -CAfile ROOTS.pem

What the checks are
  - The commitment: SHA-256("bearwitness/commitment/v1" LF, salt, data)
    equals the "commitment" in entry.json (for a file: SHA-256(file) equals
    "file_sha256").
  - The inclusion proof (RFC 9162) leads from SHA-256(0x00, entry.json) to
    the root hash in the checkpoint.
  - The checkpoint is signed (C2SP signed-note, Ed25519) by the log's key.

What it does not show
  That the content is true, or who wrote it. Nor, on its own, that the log
  was never rewritten: compare the checkpoint with older checkpoints that
  others kept (partners, witnesses); a rewritten log cannot match them.
"""
