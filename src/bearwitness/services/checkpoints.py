"""Signed checkpoints of the archive's log: the log key, signing, timestamps and witnesses.

    ARCHIVE/
      log.vkey            the log's verifier key (C2SP signed-note): give it to anyone
      log-key.age         the log's Ed25519 signing key, sealed to the archive's public key
      checkpoints/<size>  every checkpoint ever signed, with the cosignatures added since
      checkpoints/<size>.tsr  its RFC 3161 timestamp, when one was asked for
      log/checkpoint      the newest checkpoint, where tlog-tiles clients look for it
                          (written second: see :func:`unpublished_checkpoint`)

The signing key is not the archive's decryption key: giving the verifier key
away reveals nothing, and signing needs an unlock only because the signing key
is kept sealed. Checkpoints are never deleted: each one is a fixed point that a
later rewrite of the log could not match.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509

from bearwitness.crypto.seal import open_with_identity, seal_for_recipient
from bearwitness.errors import ArchiveError, InputError, NotFound, Phrase, VerificationError
from bearwitness.services._ledger import log_size, open_tiles, sync_log
from bearwitness.services.archive import Archive
from bearwitness.tlog.checkpoint import (
    Checkpoint,
    open_checkpoint,
    parse_checkpoint,
    sign_checkpoint,
)
from bearwitness.tlog.cosignature import (
    CosignatureVerifier,
    add_cosignatures,
    parse_witness_key,
    witness_request,
)
from bearwitness.tlog.note import (
    NoteSigner,
    NoteVerifier,
    parse_signer_key,
    parse_verifier_key,
    sign_note,
)
from bearwitness.tlog.tiles import CHECKPOINT_FILE
from bearwitness.tlog.timestamp import (
    Transport,
    http_transport,
    request_timestamp,
    verify_timestamp,
)

VKEY_FILE = "log.vkey"
SIGNER_FILE = "log-key.age"
CHECKPOINTS = "checkpoints"


@dataclass(frozen=True)
class SignedCheckpointFile:
    size: int
    note: bytes
    path: Path
    timestamp: Path | None  # the .tsr beside it, if any
    timestamp_time: dt.datetime | None = None


# --- keys ---------------------------------------------------------------------------------


LogKey = NoteVerifier  # the log's verifier key (C2SP signed-note), as callers name it


def entry_count(archive: Archive) -> int:
    """How many entries the archive's log holds."""
    with archive.engine.connect() as connection:
        return log_size(connection)


def parse_log_key(text: str) -> LogKey:
    """A log key as published (``<name>+<id>+<key>``): to pin in ``verify``."""
    return parse_verifier_key(text)


def log_verifier(archive: Archive) -> NoteVerifier:
    path = archive.folder / VKEY_FILE
    if not path.is_file():
        raise NotFound(
            Phrase("this archive has no log key yet"),
            hint=Phrase("Sign its first checkpoint: `bearwitness log checkpoint ARCHIVE`."),
        )
    return parse_verifier_key(path.read_text(encoding="utf-8"))


def _log_signer(archive: Archive) -> NoteSigner:
    """The signing key, made on first use (needs an unlock either way)."""
    identity = archive.require_secrets().identities
    sealed = archive.folder / SIGNER_FILE
    if sealed.is_file():
        signer = parse_signer_key(
            open_with_identity(sealed.read_bytes(), identity, what="the log's signing key").decode()
        )
        if signer.verifier.vkey() != log_verifier(archive).vkey():
            raise ArchiveError(
                Phrase("log-key.age does not match log.vkey"),
                hint=Phrase("Restore both files from the same backup."),
            )
        return signer
    if (archive.folder / VKEY_FILE).exists():
        raise ArchiveError(
            Phrase("log.vkey is there but log-key.age is missing"),
            hint=Phrase(
                "Restore log-key.age from a backup; without it no new "
                "checkpoint can be signed under the published key."
            ),
        )
    signer = NoteSigner.generate(archive.config.origin)
    _write(sealed, seal_for_recipient(signer.key_text().encode(), archive.recipient))
    _write(archive.folder / VKEY_FILE, signer.verifier.vkey().encode() + b"\n")
    return signer


def reseal_log_key(archive: Archive) -> None:
    """Seal the log's signing key to the archive's current recipient (after `keys rotate`:
    the key itself stays, since its verifier key is published)."""
    sealed = archive.folder / SIGNER_FILE
    if sealed.is_file():
        key = open_with_identity(
            sealed.read_bytes(), archive.require_secrets().identities, what="the log's signing key"
        )
        _write(sealed, seal_for_recipient(key, archive.recipient))


def witnesses(archive: Archive) -> tuple[CosignatureVerifier, ...]:
    try:
        return tuple(parse_witness_key(key) for key in archive.config.witnesses)
    except InputError as error:
        raise ArchiveError(
            Phrase(
                "bearwitness.toml lists a bad witness key: %(problem)s", problem=error.phrases[0]
            ),
            hint=Phrase("Correct or remove it under [log] witnesses."),
        ) from None


def add_witness(archive: Archive, vkey: str, quorum: int | None = None) -> CosignatureVerifier:
    """Accept cosignatures from this witness key from now on (written to bearwitness.toml)."""
    witness = parse_witness_key(vkey)
    keys = [*archive.config.witnesses]
    if witness.vkey() not in keys:
        keys.append(witness.vkey())
    new_quorum = archive.config.quorum if quorum is None else quorum
    if not 0 <= new_quorum <= len(keys):
        raise InputError(
            f"a quorum of {new_quorum} needs at least that many witnesses",
            hint=f"Use a quorum between 0 and {len(keys)}.",
        )
    config = dataclasses.replace(archive.config, witnesses=tuple(keys), quorum=new_quorum)
    config.save(archive.folder)
    archive.config = config
    return witness


# --- checkpoints ----------------------------------------------------------------------------


def sign_new_checkpoint(
    archive: Archive, *, timestamp: Transport | None = None, timestamp_url: str = ""
) -> SignedCheckpointFile:
    """Move queued entries into the tiles, sign a checkpoint of the whole log and publish it.

    With ``timestamp`` (a transport to an RFC 3161 authority), or ``timestamp_url`` (the
    authority's URL, asked over HTTP), the checkpoint is also timestamped; the token is
    checked against ``tsa_roots`` from the configuration when given, and kept beside
    the checkpoint.
    """
    if timestamp is None and timestamp_url:
        timestamp = http_transport(timestamp_url)
    signer = _log_signer(archive)
    sync_log(archive)
    with open_tiles(archive) as log:
        size = log.size
        note = _existing(archive, size, log.root())
        if note is None:
            note = sign_checkpoint(Checkpoint(archive.config.origin, size, log.root()), signer)
            _write(_checkpoint_path(archive, size), note)
        log.publish_checkpoint(note)
    tsr_path = _checkpoint_path(archive, size).with_suffix(".tsr")
    when = None
    if timestamp is not None:
        request, response = request_timestamp(note, timestamp)
        roots = tsa_roots(archive)
        if roots:
            when = verify_timestamp(response, note, roots=roots, nonce=request.nonce)
        _write(tsr_path, response)
    return SignedCheckpointFile(
        size, note, _checkpoint_path(archive, size), tsr_path if tsr_path.exists() else None, when
    )


def _existing(archive: Archive, size: int, root: bytes) -> bytes | None:
    """The checkpoint already signed for this size, if it is for this root."""
    path = _checkpoint_path(archive, size)
    if not path.is_file():
        return None
    note = path.read_bytes()
    if parse_checkpoint(note).root_hash != root:
        raise VerificationError(
            Phrase(
                "the checkpoint kept for size %(size)s has another root than the log now: "
                "the log was changed after it was signed",
                size=size,
            ),
            hint=Phrase("Run `bearwitness verify ARCHIVE` to find what changed."),
        )
    return note


def tsa_roots(archive: Archive) -> list[x509.Certificate]:
    if not archive.config.tsa_roots:
        return []
    path = Path(archive.config.tsa_roots)
    path = path if path.is_absolute() else archive.folder / path
    try:
        return x509.load_pem_x509_certificates(path.read_bytes())
    except (OSError, ValueError) as error:
        raise ArchiveError(
            Phrase(
                "cannot read the TSA root certificates %(path)s: %(error)s", path=path, error=error
            ),
            hint=Phrase("Point [log] tsa_roots in bearwitness.toml at a PEM file."),
        ) from None


def signed_checkpoints(archive: Archive) -> list[SignedCheckpointFile]:
    """Every checkpoint kept, smallest first."""
    folder = archive.folder / CHECKPOINTS
    found = []
    for path in folder.glob("*") if folder.is_dir() else ():
        if path.name.isdigit():
            tsr = path.with_suffix(".tsr")
            found.append(
                SignedCheckpointFile(
                    int(path.name), path.read_bytes(), path, tsr if tsr.exists() else None
                )
            )
    return sorted(found, key=lambda item: item.size)


def latest_checkpoint(archive: Archive) -> SignedCheckpointFile:
    kept = signed_checkpoints(archive)
    if not kept:
        raise NotFound(
            Phrase("no checkpoint has been signed yet"),
            hint=Phrase("Sign one: `bearwitness log checkpoint ARCHIVE`."),
        )
    return kept[-1]


def unpublished_checkpoint(
    archive: Archive, key: NoteVerifier | None = None
) -> SignedCheckpointFile | None:
    """The newest kept checkpoint, when ``log/checkpoint`` is missing or older and signed.

    Keeping ``checkpoints/N`` and publishing ``log/checkpoint`` are two files, so a
    checkpoint killed between the two leaves this state; the next checkpoint
    publishes it. Verify the log against the kept one: if the tiles hold it nothing
    was lost, and if they do not, the log folder was rolled back. A published
    checkpoint that does not parse or verify is not this state (None): it is checked,
    and reported, as it is. ``key`` is the log key to check it with (default: log.vkey).
    """
    kept = signed_checkpoints(archive)
    if not kept:
        return None
    published = archive.log_dir / CHECKPOINT_FILE
    if published.is_file():
        try:
            size = open_checkpoint(
                published.read_bytes(), key or log_verifier(archive)
            ).checkpoint.size
        except VerificationError:
            return None
        if size >= kept[-1].size:
            return None
    return kept[-1]


def export_checkpoint(archive: Archive, out: Path) -> SignedCheckpointFile:
    """Write the newest signed checkpoint to ``out``, and the verifier key beside it."""
    latest = latest_checkpoint(archive)
    open_checkpoint(latest.note, log_verifier(archive))  # never hand out one that fails
    if out.is_dir():
        out = out / f"checkpoint-{latest.size}"
    out.write_bytes(latest.note)
    out.with_name(out.name + ".vkey").write_text(log_verifier(archive).vkey() + "\n")
    if latest.timestamp is not None:
        out.with_name(out.name + ".tsr").write_bytes(latest.timestamp.read_bytes())
    return SignedCheckpointFile(latest.size, latest.note, out, latest.timestamp)


def cosign_request(archive: Archive, old_size: int) -> bytes:
    """The body of a tlog-witness ``add-checkpoint`` request for the newest checkpoint."""
    latest = latest_checkpoint(archive)
    if not 0 <= old_size <= latest.size:
        raise InputError(f"--old-size must be between 0 and {latest.size}")
    with open_tiles(archive) as log:
        proof = log.consistency_proof(old_size, latest.size) if old_size else []
    return witness_request(old_size, proof, latest.note)


def accept_cosignatures(
    archive: Archive, lines: bytes, size: int | None = None
) -> SignedCheckpointFile:
    """Add witnesses' cosignature lines to a kept checkpoint (the newest by default)."""
    kept = {item.size: item for item in signed_checkpoints(archive)}
    if not kept:
        raise NotFound("no checkpoint has been signed yet")
    target = kept.get(size if size is not None else max(kept))
    if target is None:
        raise NotFound(
            f"no checkpoint of size {size} is kept",
            hint=f"Kept sizes: {', '.join(map(str, sorted(kept)))}.",
        )
    known = witnesses(archive)
    if not known:
        raise InputError(
            "no witness keys are configured",
            hint="Add one first: `bearwitness log witness add ARCHIVE VKEY`.",
        )
    note = add_cosignatures(target.note, lines, known)
    _write(target.path, note)
    if target.size == max(kept):
        with open_tiles(archive) as log:
            log.publish_checkpoint(note)
    return SignedCheckpointFile(target.size, note, target.path, target.timestamp)


def _checkpoint_path(archive: Archive, size: int) -> Path:
    return archive.folder / CHECKPOINTS / str(size)


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(mode=0o700, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    with temporary.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(path)


def sign_with_log_key(archive: Archive, text: bytes) -> bytes:
    """A C2SP signed note of ``text`` by the log key (a backup's or a report's manifest);
    needs an unlock.

    ``text`` must never read as one of this log's checkpoints, whose first line is the
    origin: each caller starts its note with a format line of its own.
    """
    if text.startswith(archive.config.origin.encode() + b"\n"):
        raise InputError("a note signed with the log key must not look like a checkpoint")
    return sign_note(text, [_log_signer(archive)])
