"""Transparency-log commands: checkpoints, witnesses, verification and proof bundles."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import typer
from rich.table import Table

from bearwitness.cli.session import ARCHIVE_ARGUMENT, console, errors, open_archive
from bearwitness.cli.terminal import inert
from bearwitness.errors import InputError, VerificationError
from bearwitness.services import checkpoints
from bearwitness.services.proving import prove
from bearwitness.services.verification import ArchiveVerification, verify_archive

log_app = typer.Typer(
    help="The transparency log: sign checkpoints, give them away, collect witness cosignatures.",
    no_args_is_help=True,
)
witness_app = typer.Typer(
    help="Witnesses that cosign the log's checkpoints (C2SP tlog-cosignature).",
    no_args_is_help=True,
)


@log_app.command("status")
def status(folder: Path = ARCHIVE_ARGUMENT) -> None:
    """How many entries the log holds and what the newest checkpoint covers."""
    archive = open_archive(folder)
    entries = checkpoints.entry_count(archive)
    kept = checkpoints.signed_checkpoints(archive)
    table = Table(show_header=False, box=None)
    table.add_row("entries", str(entries))
    if kept:
        latest = kept[-1]
        table.add_row(
            "newest checkpoint",
            f"size {latest.size}" + (" (timestamped)" if latest.timestamp else ""),
        )
        table.add_row("not yet covered", str(max(0, entries - latest.size)))
        table.add_row("checkpoints kept", str(len(kept)))
    else:
        table.add_row("newest checkpoint", "none yet: run `bearwitness log checkpoint`")
    table.add_row(
        "witnesses",
        str(len(archive.config.witnesses))
        + (f", quorum {archive.config.quorum}" if archive.config.quorum else ""),
    )
    vkey = checkpoints.log_verifier(archive).vkey() if kept else None
    archive.close()
    console.print(table)
    if vkey:
        console.print(f"log key: {vkey}", soft_wrap=True)


@log_app.command("checkpoint")
def checkpoint(
    folder: Path = ARCHIVE_ARGUMENT,
    timestamp_url: str = typer.Option(
        "",
        help="RFC 3161 timestamp authority to date the "
        "checkpoint (default: [log] timestamp_url in "
        "bearwitness.toml).",
    ),
    no_timestamp: bool = typer.Option(False, "--no-timestamp", help="Do not ask for one."),
) -> None:
    """Sign a checkpoint of the whole log and publish it in ARCHIVE/log/. Needs an unlock."""
    archive = open_archive(folder)
    url = "" if no_timestamp else (timestamp_url or archive.config.timestamp_url)
    signed = checkpoints.sign_new_checkpoint(archive, timestamp_url=url)
    vkey = checkpoints.log_verifier(archive).vkey()
    archive.close()
    console.print(f"Signed checkpoint of size {signed.size}: {signed.path}")
    if signed.timestamp is not None:
        when = f" ({signed.timestamp_time:%Y-%m-%d %H:%M:%S} UTC)" if signed.timestamp_time else ""
        console.print(f"Timestamped{when}: {signed.timestamp}")
    console.print(f"Log key (publish it): {vkey}", soft_wrap=True)
    console.print(
        f"Give the checkpoint away: `bearwitness log export-checkpoint {folder} --out FILE`."
    )


@log_app.command("export-checkpoint")
def export_checkpoint(
    folder: Path = ARCHIVE_ARGUMENT,
    out: Path = typer.Option(..., help="File (or folder) to write the checkpoint to."),
) -> None:
    """Write the newest checkpoint (and the log key) for partners, lawyers or a public page."""
    archive = open_archive(folder)
    exported = checkpoints.export_checkpoint(archive, out)
    archive.close()
    console.print(
        f"Wrote {exported.path} (size {exported.size}) and {exported.path}.vkey. "
        "Whoever keeps it can later check that the log was never rewritten:\n"
        f"  bearwitness verify ARCHIVE --against {exported.path}"
    )


@log_app.command("configure")
def configure(
    folder: Path = ARCHIVE_ARGUMENT,
    timestamp_url: str = typer.Option(
        None, help="RFC 3161 timestamp authority URL ('' to stop timestamping)."
    ),
    tsa_roots: str = typer.Option(None, help="PEM file of the authority's root certificates."),
) -> None:
    """Set how checkpoints are timestamped (written to bearwitness.toml)."""
    archive = open_archive(folder)
    if timestamp_url is None and tsa_roots is None:
        raise InputError("nothing to change", hint="Give --timestamp-url and/or --tsa-roots.")
    config = dataclasses.replace(
        archive.config,
        timestamp_url=archive.config.timestamp_url if timestamp_url is None else timestamp_url,
        tsa_roots=archive.config.tsa_roots if tsa_roots is None else tsa_roots,
    )
    config.save(archive.folder)
    archive.close()
    console.print(
        f"Saved: timestamp_url = {config.timestamp_url!r}, tsa_roots = {config.tsa_roots!r}"
    )


@witness_app.command("add")
def witness_add(
    folder: Path = ARCHIVE_ARGUMENT,
    vkey: str = typer.Argument(..., help="The witness's verifier key."),
    quorum: int = typer.Option(None, help="How many witnesses each checkpoint must carry."),
) -> None:
    """Accept cosignatures from this witness."""
    archive = open_archive(folder)
    witness = checkpoints.add_witness(archive, vkey, quorum)
    console.print(
        f"Added witness {inert(witness.name)}; quorum {archive.config.quorum} of "
        f"{len(archive.config.witnesses)}."
    )
    archive.close()


@witness_app.command("request")
def witness_request(
    folder: Path = ARCHIVE_ARGUMENT,
    old_size: int = typer.Option(0, help="The size the witness last cosigned (0 the first time)."),
    out: Path = typer.Option(..., help="Where to write the request body."),
) -> None:
    """Write a tlog-witness add-checkpoint request for the newest checkpoint."""
    archive = open_archive(folder)
    out.write_bytes(checkpoints.cosign_request(archive, old_size))
    archive.close()
    console.print(
        f"Wrote {out}. POST it to the witness's /add-checkpoint and save its reply; "
        f"then `bearwitness log witness accept {folder} REPLY`."
    )


@witness_app.command("accept")
def witness_accept(
    folder: Path = ARCHIVE_ARGUMENT,
    reply: Path = typer.Argument(..., help="The witness's reply: cosignature lines."),
    size: int = typer.Option(None, help="The checkpoint size they cosign (default: newest)."),
) -> None:
    """Check a witness's cosignatures and add them to the checkpoint."""
    archive = open_archive(folder)
    updated = checkpoints.accept_cosignatures(archive, reply.read_bytes(), size)
    archive.close()
    console.print(f"Added the cosignature(s) to checkpoint {updated.size}.")


def verify(
    folder: Path = ARCHIVE_ARGUMENT,
    against: list[Path] = typer.Option(
        [], help="An older checkpoint someone kept; repeat for several."
    ),
    vkey: str = typer.Option(
        None,
        "--vkey",
        help="Pin the log's verifier key "
        "(<name>+<id>+<key>), as published or given to a partner: the "
        "archive's log.vkey must be this key.",
    ),
    vkey_file: Path = typer.Option(
        None,
        "--vkey-file",
        help="A file holding the key to pin, "
        "e.g. the CHECKPOINT.vkey of `log export-checkpoint`, "
        "kept outside the archive.",
    ),
) -> None:
    """Check the archive against its signed log, offline; exit 0 only if everything holds.

    Unlocked, every record version and evidence file is opened and compared with
    its logged commitment; locked, their ciphertexts are compared with the logged hashes.

    Without --vkey or --against, the log is checked with the archive's own log.vkey,
    which whoever can write the folder could have replaced.
    """
    pinned = _pinned_key(folder, vkey, vkey_file)
    archive = open_archive(folder)
    older = []
    for path in against:
        try:
            older.append(path.read_bytes())
        except OSError as error:
            raise InputError(f"cannot read {path}: {error.strerror}") from None
    with console.status("Verifying the log, every record version and every file…"):
        report = verify_archive(archive, against=older, pinned=pinned)
    archive.close()
    mode = "unlocked: contents opened" if report.unlocked else "locked: ciphertexts hashed"
    console.print(
        f"Log: checkpoint of size {report.checkpoint_size}"
        + (
            f", consistent with older checkpoint(s) of size "
            f"{', '.join(map(str, report.older_sizes))}"
            if report.older_sizes
            else ""
        )
        + (f", cosigned by {inert(', '.join(report.witnesses))}" if report.witnesses else "")
    )
    console.print(
        f"Checked {report.versions_checked} record version(s) and "
        f"{report.files_checked} evidence file(s) ({mode})."
    )
    if report.unpublished:
        console.print(
            f"[yellow]Checkpoint {report.checkpoint_size} is kept but was never "
            "published to log/checkpoint (signing was interrupted); the log holds "
            "it[/]: `bearwitness log checkpoint` publishes it."
        )
    if report.inbox_waiting:
        console.print(
            f"[yellow]{report.inbox_waiting} inbox batch(es) taken in, not yet "
            "written in[/]: they are at the next unlock."
        )
    if report.leftover_files:
        console.print(
            f"[yellow]{len(report.leftover_files)} file(s) in blobs/ belong to no "
            "record[/] (left by a write killed before it finished; nothing it wrote "
            "is in the archive): the next write with files removes them."
        )
    if report.uncovered:
        console.print(
            f"[yellow]{report.uncovered} entry(ies) not yet covered by a signed "
            "checkpoint[/]: run `bearwitness log checkpoint`."
        )
    if report.ok:
        console.print(
            f"[green]Everything verifies[/], signed by {_trusted(report, older)}", soft_wrap=True
        )
        return
    for problem in report.problems:
        errors.print(f"[red]FAILED[/] {inert(problem)}", soft_wrap=True)
    raise VerificationError(
        f"{len(report.problems)} problem(s) found; see above",
        hint="Compare with backups and with checkpoints partners kept.",
    )


def _pinned_key(
    folder: Path, vkey: str | None, vkey_file: Path | None
) -> checkpoints.LogKey | None:
    if vkey is not None and vkey_file is not None:
        raise InputError("give the log key with --vkey or --vkey-file, not both")
    if vkey_file is None:
        return None if vkey is None else _parse_pin(vkey, "--vkey")
    if vkey_file.resolve().is_relative_to(folder.resolve()):
        # A key inside the archive is the archive's own word, which the pin is there to check.
        raise InputError(
            f"{vkey_file} is inside the archive, so it pins nothing: whoever "
            "replaced the archive's key could have written it too",
            hint="Use the key as published or given to a partner (e.g. the "
            "CHECKPOINT.vkey of `bearwitness log export-checkpoint`).",
        )
    try:
        text = vkey_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read the key file {vkey_file}: {error}") from None
    return _parse_pin(text, str(vkey_file))


def _parse_pin(text: str, source: str) -> checkpoints.LogKey:
    try:
        return checkpoints.parse_log_key(text)
    except InputError as error:
        raise InputError(f"{source}: {error.message}", hint=error.hint) from None


def _trusted(report: ArchiveVerification, older: list[bytes]) -> str:
    """Which key the log was checked with, and how far that key is to be trusted."""
    key = inert(report.key)  # read from the archive's log.vkey unless pinned
    if report.pinned:
        return f"the key you pinned: {key}"
    if older:
        return f"the archive's own key {key}, which also signed the older checkpoint(s) you gave"
    return (
        f"{key} (the archive's own key: pin it with --vkey, or check against a "
        "checkpoint kept elsewhere with --against, to rule out a replaced key)"
    )


def prove_command(
    folder: Path = ARCHIVE_ARGUMENT,
    record_id: str = typer.Argument(..., help="The record, e.g. D-0042 or F-0003."),
    out: Path = typer.Option(..., help="A new folder for the bundle."),
    version: int = typer.Option(None, help="Which version (default: the newest)."),
    evidence_file: bool = typer.Option(
        False, "--file", help="Prove the evidence file's original bytes rather than the record."
    ),
    purpose: str = typer.Option(
        "court_proceedings",
        help="What the bundle is for; the consent of whom the record is about must cover "
        "it (court_proceedings, naming_in_publication, partner_sharing, ...).",
    ),
    partner: str = typer.Option("", help="The partner it goes to (with partner_sharing)."),
) -> None:
    """Write a proof bundle for one record version or evidence file. Needs an unlock.

    The bundle discloses that record's content: hand it only to whom it is meant for.
    """
    archive = open_archive(folder)
    proof = prove(
        archive,
        record_id,
        out,
        version=version,
        evidence_file=evidence_file,
        purpose=purpose,
        partner=partner,
    )
    vkey = checkpoints.log_verifier(archive).vkey()
    archive.close()
    if proof.signed_now:
        console.print(f"Signed a checkpoint of size {max(proof.checkpoint_sizes)} to cover it.")
    console.print(
        f"Wrote the proof of {proof.kind} {proof.record_id} version {proof.version} "
        f"(log entry {proof.index}) to {out}."
    )
    # The bundle holds a log.vkey too, but a forger would write their own: the key that
    # counts must reach the recipient another way.
    console.print(
        f"Give the recipient this log key separately from the bundle (in person, "
        f"from your published page, or with a checkpoint from `bearwitness log "
        f"export-checkpoint`): {vkey}",
        soft_wrap=True,
    )
    console.print(
        f"They check the bundle with `python3 tools/verify_bundle.py {out} "
        f"--vkey '{vkey}'`; the key must never be taken from the bundle itself.",
        soft_wrap=True,
    )
    sys.stdout.flush()


def register(app: typer.Typer) -> None:
    log_app.add_typer(witness_app, name="witness")
    app.add_typer(log_app, name="log")
    app.command()(verify)
    app.command("prove")(prove_command)
