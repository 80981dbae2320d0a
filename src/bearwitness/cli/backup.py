"""Backup commands: `backup ARCHIVE --to DIR`, `backup verify`, `backup list`,
`backup recipient`, and `restore` (`docs/backup.md`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn
from typer.core import TyperGroup

from bearwitness.cli.session import ARCHIVE_ARGUMENT, console, errors, open_archive, read_secret
from bearwitness.cli.terminal import inert
from bearwitness.errors import BackupDamaged, InputError
from bearwitness.services import backup, restore


class _DefaultToCreate(TyperGroup):
    """`bearwitness backup ARCHIVE --to DIR` is `bearwitness backup create ARCHIVE --to DIR`."""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["create", *args]
        return super().resolve_command(ctx, args)


backup_app = typer.Typer(
    cls=_DefaultToCreate,
    help="Encrypted, incremental, signed backups: `bearwitness backup ARCHIVE --to DIR` "
    "(= `backup create`); restore with `bearwitness restore`.",
    no_args_is_help=True,
)

BACKUP_ARGUMENT = typer.Argument(
    ..., help="The backup folder (`backup --to` wrote it).", show_default=False
)
SNAPSHOT_OPTION = typer.Option(None, "--snapshot", help="Which snapshot (default: the newest).")
IDENTITY_OPTION = typer.Option(
    None, "--identity", help="An offline recipient's age identity file (instead of an unlock)."
)
SHARES_OPTION = typer.Option(False, "--shares", help="Unlock with custodian shares.")
VKEY_FILE_OPTION = typer.Option(
    None,
    "--vkey-file",
    help="Pin the log key (a file holding <name>+<id>+<key>, e.g. the CHECKPOINT.vkey of "
    "`log export-checkpoint`, kept apart from the backup): snapshots must be signed by it.",
)
STDIN_OPTION = typer.Option(
    False, "--stdin", help="Read the passphrase or shares from standard input, one per line."
)


@contextmanager
def _progress(what: str) -> Iterator[Callable[[str, int, int], None]]:
    columns = [TextColumn("{task.description}"), BarColumn(), DownloadColumn()]
    with Progress(*columns, TimeElapsedColumn(), console=errors, transient=True) as bar:
        task = bar.add_task(what, total=None)

        def tell(phase: str, done: int, total: int) -> None:
            if phase == "files" and total:
                bar.update(task, description=f"{what}: files", completed=done, total=total)
            else:
                bar.update(task, description=f"{what}: {phase} ({done})", total=None)

        yield tell


@backup_app.command("create")
def create(
    folder: Path = ARCHIVE_ARGUMENT,
    to: Path = typer.Option(..., "--to", help="The backup folder (made if missing)."),
) -> None:
    """Back the archive up into DIR (also: `backup ARCHIVE --to DIR`). Needs an unlock.

    Each run is a complete snapshot that stores only the chunks DIR lacks; its manifest
    is signed with the log key, and the backup is logged.
    """
    archive = open_archive(folder)
    try:
        with _progress("Backing up") as tell:
            result = backup.back_up(archive, to, progress=tell)
    finally:
        archive.close()
    console.print(
        f"Backed up to snapshot {result.snapshot} in {inert(to)}: {result.rows} row(s) of "
        f"{result.tables} table(s) and {result.files} file(s), log size {result.log_size}, "
        f"checkpoint {result.checkpoint_size}."
    )
    console.print(
        f"Stored {result.chunks_new} new chunk(s) ({result.bytes_written:,} bytes); "
        f"{result.chunks_reused} were there already. Encrypted to the archive"
        + (f" and {result.recipients} offline recipient(s)." if result.recipients else " only.")
    )
    console.print(f"Logged as entry {result.log_index}.")
    if result.inbox_batches:
        console.print(
            f"{result.inbox_batches} inbox batch(es) not yet folded are in the backup, sealed "
            "as the inbox holds them: a restored archive folds them at its first unlock."
        )


@backup_app.command("verify")
def verify(
    folder: Path = BACKUP_ARGUMENT,
    snapshot: str = SNAPSHOT_OPTION,
    identity: Path = IDENTITY_OPTION,
    vkey_file: Path = VKEY_FILE_OPTION,
    shares: bool = SHARES_OPTION,
    stdin: bool = STDIN_OPTION,
) -> None:
    """Read and authenticate every chunk of every snapshot (or one), without restoring."""
    keys = _keys(folder, snapshot, identity, shares, stdin)
    with _progress("Verifying") as tell:
        check = restore.verify_backup(
            folder, keys, snapshot=snapshot, log_key=_read_vkey(vkey_file), progress=tell
        )
    console.print(
        f"Checked {len(check.snapshots)} snapshot(s): {check.chunks_checked} chunk(s), "
        f"{check.bytes_checked:,} bytes read and authenticated."
    )
    if check.unused_chunks:
        console.print(f"{check.unused_chunks} chunk(s) belong to no snapshot checked.")
    if check.ok:
        console.print("[green]The backup is whole.[/]")
        return
    for problem in check.problems:
        errors.print(f"[red]FAILED[/] {inert(problem)}", soft_wrap=True)
    raise BackupDamaged(check.problems)


@backup_app.command("list")
def list_snapshots(folder: Path = BACKUP_ARGUMENT) -> None:
    """The snapshots in a backup folder, oldest first (their contents stay encrypted)."""
    for snapshot in restore.snapshots(folder):
        console.print(snapshot)


@backup_app.command("recipient")
def recipient(
    folder: Path = ARCHIVE_ARGUMENT,
    key: str = typer.Argument(..., help="The offline recipient's age public key (age1...)."),
) -> None:
    """Encrypt every backup from now on to this offline recipient too (a partner abroad)."""
    archive = open_archive(folder)
    try:
        backup.add_recipient(archive, key)
    finally:
        archive.close()
    console.print(
        "Added. Backups from now on are encrypted to it too; its holder restores with "
        "`bearwitness restore BACKUP --to NEWDIR --identity FILE`."
    )


def restore_command(
    folder: Path = BACKUP_ARGUMENT,
    to: Path = typer.Option(..., "--to", help="A new (missing or empty) archive folder."),
    database: str = typer.Option(
        "", "--database", help="An empty PostgreSQL database URL (default: SQLite in NEWDIR)."
    ),
    against: list[Path] = typer.Option(
        [], "--against", help="A checkpoint kept elsewhere (a partner's); repeat for several."
    ),
    allow_rollback: bool = typer.Option(
        False,
        "--allow-rollback",
        help="Restore even if a checkpoint given is newer than the backup (logged as such).",
    ),
    snapshot: str = SNAPSHOT_OPTION,
    identity: Path = IDENTITY_OPTION,
    vkey_file: Path = VKEY_FILE_OPTION,
    shares: bool = SHARES_OPTION,
    stdin: bool = STDIN_OPTION,
) -> None:
    """Restore a snapshot into a new archive and verify all of it before saying "restored".

    Without --vkey-file or --against, the snapshot is checked with the log key it carries
    itself: pin the key, or give a partner's checkpoint, to rule out a forged backup."""
    older = []
    for path in against:
        try:
            older.append(path.read_bytes())
        except OSError as error:
            raise InputError(f"cannot read {path}: {error.strerror}") from None
    log_key = _read_vkey(vkey_file)
    keys = _keys(folder, snapshot, identity, shares, stdin)
    with _progress("Restoring") as tell:
        result = restore.restore(
            folder,
            to,
            keys,
            snapshot=snapshot,
            database_url=database or None,
            against=older,
            allow_rollback=allow_rollback,
            log_key=log_key,
            progress=tell,
        )
    mode = "contents opened" if result.unlocked else "locked: ciphertexts hashed"
    console.print(
        f"Checked {result.versions_checked} record version(s) and {result.files_checked} "
        f"evidence file(s) ({mode}); the log verifies at checkpoint {result.checkpoint_size}"
        + (
            f", consistent with checkpoint(s) of size {', '.join(map(str, result.against_sizes))}"
            if result.against_sizes
            else ""
        )
        + "."
    )
    if result.rolled_back_past:
        console.print(
            f"[yellow]This is a rollback[/]: checkpoint(s) of size "
            f"{', '.join(map(str, result.rolled_back_past))} kept elsewhere are newer; "
            "what was logged after the backup is not in this archive."
        )
    console.print(
        f"[green]Restored[/] {inert(to)} from backup {result.snapshot} at checkpoint "
        f"{result.checkpoint_size} (logged as entry {result.log_index}). It is locked."
    )


def _read_vkey(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read the key file {path}: {error}") from None


def _keys(
    folder: Path, snapshot: str | None, identity: Path | None, shares: bool, stdin: bool
) -> restore.BackupKeys:
    if identity is not None:
        return restore.keys_from_identity_file(identity)
    kinds, needed = restore.unlock_methods(folder, snapshot)
    if shares or "passphrase" not in kinds:
        if not needed:
            raise InputError(
                "this backup's keyring has no custodian shares",
                hint="Give its passphrase, or --identity FILE.",
            )
        given = [
            read_secret(f"Share {i + 1} of the {needed} needed", from_stdin=stdin)
            for i in range(needed)
        ]
        return restore.keys_from_shares(folder, snapshot, given)
    return restore.keys_from_passphrase(
        folder, snapshot, read_secret("Passphrase", from_stdin=stdin)
    )


def register(app: typer.Typer) -> None:
    app.add_typer(backup_app, name="backup")
    app.command("restore")(restore_command)
