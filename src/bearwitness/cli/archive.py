"""Archive commands: init, unlock, lock, status, and key management."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.panel import Panel
from rich.table import Table

from bearwitness.cli.inbox import print_fold
from bearwitness.cli.session import (
    ARCHIVE_ARGUMENT,
    console,
    open_archive,
    plural,
    read_secret,
)
from bearwitness.cli.terminal import inert
from bearwitness.errors import InputError
from bearwitness.services import (
    custody,
    exporting,
    inbox,
    keeping,
    odk_keys,
    rotation,
    status,
)
from bearwitness.services.archive import DEFAULT_DATABASE, Archive

keys_app = typer.Typer(
    help="Change who can unlock the archive, or rotate its keys, without re-encrypting records.",
    no_args_is_help=True,
)


def init(
    folder: Path = ARCHIVE_ARGUMENT,
    custodians: int = typer.Option(0, help="Split the key among this many custodians."),
    threshold: int = typer.Option(0, help="How many custodians must come together to unlock."),
    database: str = typer.Option("", help="Database URL (default: SQLite inside the archive)."),
    passphrase_stdin: bool = typer.Option(False, help="Read the passphrase from standard input."),
) -> None:
    """Create a new, empty archive and its keys (a passphrase, or k-of-n custodian shares)."""
    Archive.check_new(folder, database or DEFAULT_DATABASE)  # before asking for a passphrase
    if custodians or threshold:
        if not (custodians and threshold):
            raise InputError(
                "--custodians and --threshold go together",
                hint="For example --custodians 5 --threshold 3.",
            )
        archive, shares = Archive.create(
            folder, custodians=(custodians, threshold), database_url=database or None
        )
    else:
        passphrase = read_secret("New passphrase", from_stdin=passphrase_stdin, confirm=True)
        archive, shares = Archive.create(
            folder, passphrase=passphrase, database_url=database or None
        )
    odk_keys.create(archive, log=False)  # the RSA key that encrypted ODK forms carry
    archive.close()
    console.print(
        f"Created archive [bold]{inert(folder)}[/]. It is locked; its public key is\n"
        f"  {archive.recipient}\n(anyone may add to it with this key; nobody can "
        "read it without an unlock)."
    )
    if shares:
        console.print(
            Panel(
                "\n".join(shares),
                title=f"Custodian shares: any {threshold} of {custodians} unlock",
                subtitle="Give one to each custodian now. They are shown only once.",
            )
        )


def unlock(
    folder: Path = ARCHIVE_ARGUMENT,
    timeout: float = typer.Option(15.0, help="Lock again after this many idle minutes."),
    shares: bool = typer.Option(False, "--shares", help="Unlock with custodian shares."),
    stdin: bool = typer.Option(
        False, "--stdin", help="Read the passphrase or shares from standard input, one per line."
    ),
) -> None:
    """Unlock: keys are held in memory by a background agent until the timeout or `lock`."""
    archive = Archive.open(folder)
    threshold = archive.keyring.custodian_threshold
    use_shares = shares or "passphrase" not in archive.keyring.slot_kinds
    if use_shares:
        if threshold is None:
            raise InputError(
                "this archive has no custodian shares", hint="Unlock with its passphrase instead."
            )
        k, n = threshold[1], threshold[0]
        given = [
            read_secret(f"Share {i + 1} of the {k} needed (of {n})", from_stdin=stdin)
            for i in range(k)
        ]
        secrets = archive.unlock_with_shares(given)
    else:
        secrets = archive.unlock_with_passphrase(read_secret("Passphrase", from_stdin=stdin))
    custody.unlocked(archive, "shares" if use_shares else "passphrase")
    pid = keeping.hold_keys(archive, secrets, idle_timeout_s=timeout * 60)
    waiting = len(inbox.pending(archive))
    report = inbox.fold(archive) if waiting else None
    archive.close()
    console.print(
        f"Unlocked. Keys are held in memory only (agent {pid}); the archive locks "
        f"itself after {timeout:g} idle minutes, or run "
        f"`bearwitness lock {inert(folder)}`."
    )
    if report is not None:
        print_fold(report)


def lock(folder: Path = ARCHIVE_ARGUMENT) -> None:
    """Lock now: the agent forgets the keys and exits."""
    if keeping.lock(folder):
        console.print("Locked.")
    else:
        console.print("It was not unlocked.")


def show_status(folder: Path = ARCHIVE_ARGUMENT) -> None:
    """Whether the archive is locked, what it holds, and what waits in the inbox."""
    archive = open_archive(folder)
    summary = status.summarise(archive)
    people = status.documented_people(archive)
    generation = archive.keyring.generation
    archive.close()
    table = Table(show_header=False, box=None)
    table.add_row("archive", inert(summary.folder))
    table.add_row("state", "[yellow]locked[/]" if summary.locked else "[green]unlocked[/]")
    table.add_row(
        "public key",
        summary.recipient + (f" (key generation {generation})" if generation > 1 else ""),
    )
    table.add_row("unlock by", ", ".join(summary.unlock_methods))
    if summary.key_protection:
        table.add_row("keys held", summary.key_protection)
    for kind, count in summary.counts.items():
        table.add_row(plural(kind), str(count))
    table.add_row(
        "inbox",
        f"{summary.inbox_batches} batch(es) waiting"
        + (
            f", [red]{summary.inbox_stuck} stuck[/] (see `bearwitness inbox list`)"
            if summary.inbox_stuck
            else ""
        ),
    )
    table.add_row("log entries", str(summary.log_entries))
    table.add_row(
        "documented people",
        f"{people.count} (link run {people.link_run})"
        if people.count is not None
        else "not counted yet: run `bearwitness link ARCHIVE`",
    )
    console.print(table)


@keys_app.command("reshare")
def reshare(
    folder: Path = ARCHIVE_ARGUMENT,
    custodians: int = typer.Option(..., help="New number of custodians."),
    threshold: int = typer.Option(..., help="New number needed to unlock."),
) -> None:
    """New custodian shares (k of n); the old shares stop working. Needs an unlock."""
    archive = open_archive(folder)
    shares = custody.reshare(archive, custodians, threshold)
    archive.close()
    console.print(
        Panel(
            "\n".join(shares),
            title=f"New custodian shares: any {threshold} of {custodians} unlock",
            subtitle="The old shares no longer unlock this archive.",
        )
    )


@keys_app.command("passphrase")
def passphrase(
    folder: Path = ARCHIVE_ARGUMENT,
    stdin: bool = typer.Option(False, "--stdin", help="Read it from standard input."),
) -> None:
    """Set or change the passphrase. Needs an unlock."""
    archive = open_archive(folder)
    new = read_secret("New passphrase", from_stdin=stdin, confirm=True)
    custody.change_passphrase(archive, new)
    archive.close()
    console.print(
        "Passphrase set. Records were not re-encrypted; the old passphrase no longer unlocks."
    )


@keys_app.command("rotate")
def rotate(
    folder: Path = ARCHIVE_ARGUMENT,
    custodians: int = typer.Option(0, help="New number of custodians (default: as now)."),
    threshold: int = typer.Option(0, help="New number needed to unlock (default: as now)."),
    stdin: bool = typer.Option(
        False, "--stdin", help="Read the new passphrase from standard input."
    ),
) -> None:
    """New keys for everything written from now on; the old keys are kept to read the past.

    Every way to unlock is made anew: a new passphrase (if the archive has one) and new
    custodian shares (if it has custodians). Needs an unlock.
    """
    archive = open_archive(folder)
    archive.require_secrets()  # before asking for anything
    keyring = archive.current_keyring()
    split = keyring.custodian_threshold
    if custodians or threshold:
        if not (custodians and threshold):
            raise InputError(
                "--custodians and --threshold go together",
                hint="For example --custodians 5 --threshold 3.",
            )
        split = (custodians, threshold)
    new_passphrase = None
    if "passphrase" in keyring.slot_kinds:
        new_passphrase = read_secret("New passphrase", from_stdin=stdin, confirm=True)
    remaining = keeping.seconds_until_lock(archive)
    done = rotation.rotate_keys(archive, passphrase=new_passphrase, custodians=split)
    if done.shares:  # first: the new keyring opens with nothing else
        assert split is not None
        console.print(
            Panel(
                "\n".join(done.shares),
                title=f"New custodian shares: any {split[1]} of {split[0]} unlock",
                subtitle="The old shares no longer unlock this archive.",
            )
        )
    console.print(
        f"Rotated to key generation {done.secrets.generation}. New records are sealed "
        f"to the new public key\n  {done.secrets.recipient}\nOld records stay readable "
        "with the old keys, which the new keyring keeps. Copy the new keyring.json to "
        "every intake server that runs on a copy of this archive."
    )
    # The agent held the retired keys: it now holds every generation, the new one current.
    remaining = 15 * 60.0 if remaining is None else remaining
    keeping.hold_keys(archive, done.secrets, idle_timeout_s=max(60.0, remaining))
    archive.close()


@keys_app.command("export-identity")
def export_identity_command(
    folder: Path = ARCHIVE_ARGUMENT,
    out: Path = typer.Option(..., help="Where to write the age identity file (mode 0600)."),
) -> None:
    """Write the archive's age identity, so that `age -d -i FILE` opens its evidence files.

    This puts the master key on disk: do it only on a machine you trust, for a
    legal team, and destroy the file afterwards.
    """
    archive = open_archive(folder)
    exporting.export_identity(archive, out)
    archive.close()
    console.print(f"Wrote {out}. Open an evidence file with: age -d -i {out} FILE.age")


def register(app: typer.Typer) -> None:
    app.command()(init)
    app.command()(unlock)
    app.command()(lock)
    app.command("status")(show_status)
    app.add_typer(keys_app, name="keys")
