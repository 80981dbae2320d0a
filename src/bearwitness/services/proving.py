"""Proof bundles for one record version or evidence file, for a court or a sceptic.

:func:`prove` finds the version's entry in the log, makes sure a signed
checkpoint covers it, and writes a bundle (:func:`bearwitness.tlog.bundle.write_bundle`)
with the first checkpoint that covered the entry (the earliest proof of time)
and the newest one, each with its timestamp when there is one. The bundle holds
the record's content: it is an explicit disclosure, made only when unlocked.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import Connection

from bearwitness.crypto.files import decrypt_bytes
from bearwitness.errors import InputError, NotFound
from bearwitness.services import consent
from bearwitness.services._ledger import open_tiles, read_entries
from bearwitness.services._sealing import open_version, open_version_data
from bearwitness.services.archive import Archive
from bearwitness.services.checkpoints import (
    SignedCheckpointFile,
    log_verifier,
    sign_new_checkpoint,
    signed_checkpoints,
    tsa_roots,
)
from bearwitness.services.reading import kind_of
from bearwitness.store import rows as store
from bearwitness.tlog.bundle import ProvenCheckpoint, write_bundle
from bearwitness.tlog.entry import parse_entry


@dataclass(frozen=True)
class Proof:
    out: Path
    kind: str
    record_id: str
    version: int
    index: int
    checkpoint_sizes: tuple[int, ...]
    signed_now: bool  # whether a checkpoint had to be signed to cover the entry


def prove(
    archive: Archive,
    record_id: str,
    out: Path,
    *,
    version: int | None = None,
    evidence_file: bool = False,
    purpose: str = "court_proceedings",
    partner: str = "",
) -> Proof:
    """Write the bundle for ``record_id`` (its newest version unless ``version``).

    With ``evidence_file`` the bundle proves the evidence file's original bytes
    (by their logged SHA-256) instead of the record. The consent of whom the record
    is about must cover ``purpose`` (``services/consent.py``); else nothing is written.
    """
    secrets = archive.require_secrets()
    kind = kind_of(record_id)
    if evidence_file and kind != "evidence":
        raise InputError(
            f"{record_id} is not an evidence record",
            hint="--file proves an evidence file; give its F-… id.",
        )
    with archive.engine.connect() as connection:
        versions = list(store.fetch_versions(connection, kind, record_id))
        if not versions:
            raise NotFound(f"no {kind} {record_id}", hint="Check the id with `bearwitness list`.")
        wanted = (
            versions[-1]
            if version is None
            else next((v for v in versions if v.version == version), None)
        )
        if wanted is None:
            raise NotFound(
                f"{kind} {record_id} has no version {version}",
                hint=f"It has versions 1 to {versions[-1].version}.",
            )
        index = _entry_index(connection, kind, record_id, wanted.version)
    opened, _ = open_version(archive.sealer, wanted)
    consent.authorize(archive, purpose, consent.subjects_in(archive, opened), partner=partner)
    signed_now = False
    kept = [c for c in signed_checkpoints(archive) if c.size > index]
    if not kept:
        kept = [sign_new_checkpoint(archive)]
        signed_now = True
    chosen = _first_and_last(kept)
    canonical, salt = open_version_data(archive.sealer, wanted)
    attachment: tuple[str, bytes] | None = None
    if evidence_file:
        # The record names the file's SHA-256 under its salted commitment: the bundle
        # holds record, salt and file, and the checker compares the file with the record.
        named_hash = str(json.loads(canonical).get("sha256") or "") or None
        content = decrypt_bytes(
            archive.blobs / f"{record_id}.age",
            secrets.identities,
            expected_sha256=named_hash,
            what=f"evidence file {record_id}",
        )
        attachment = (f"{record_id}.bin", content)
    roots = tsa_roots(archive)
    with open_tiles(archive) as log:
        write_bundle(
            out,
            log=log,
            log_key=log_verifier(archive),
            index=index,
            data=canonical,
            salt=salt,
            attachment=attachment,
            checkpoints=[ProvenCheckpoint(c.note, _timestamps(c)) for c in chosen],
            tsa_roots_pem=b"".join(_pem(cert) for cert in roots) or None,
        )
    return Proof(
        out, kind, record_id, wanted.version, index, tuple(c.size for c in chosen), signed_now
    )


def _entry_index(connection: Connection, kind: str, record_id: str, version: int) -> int:
    marker = f'"record_id":"{record_id}"'.encode()
    for index, entry in read_entries(connection):
        if marker in entry:
            parsed = parse_entry(entry)
            if (parsed.record_type, parsed.version) == (kind, version):
                return index
    raise NotFound(
        f"{kind} {record_id} version {version} is not in the log",
        hint="Run `bearwitness verify ARCHIVE`: the record was changed without being logged.",
    )


def _first_and_last(kept: list[SignedCheckpointFile]) -> list[SignedCheckpointFile]:
    return kept if len(kept) <= 2 else [kept[0], kept[-1]]


def _timestamps(checkpoint: SignedCheckpointFile) -> tuple[bytes, ...]:
    return (checkpoint.timestamp.read_bytes(),) if checkpoint.timestamp else ()


def _pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(Encoding.PEM)
