"""The `bearwitness` command: one Typer app, errors mapped to exit codes in one place."""

from __future__ import annotations

import sys
from importlib import import_module

import typer

from bearwitness.cli.terminal import safe_text
from bearwitness.errors import (
    ArchiveError,
    BackupDamaged,
    BackupError,
    BearWitnessError,
    CaseChanged,
    ConsentRefused,
    EditConflict,
    EstimationError,
    FieldsRejected,
    InputError,
    LinkageError,
    LockedError,
    MissingExtra,
    NotFound,
    PublicationRefused,
    RollbackRefused,
    StorageError,
    SubmissionConflict,
    TamperedError,
    UnlockError,
    VerificationError,
)
from bearwitness.services.users import LoginFailed

app = typer.Typer(
    name="bearwitness",
    help=(
        "Keep testimonies of abuses safe, prove they were never altered, "
        "count the victims nobody recorded, and report without exposing anyone."
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)

# Each command module adds its commands to `app` through `register(app)`.
COMMAND_MODULES = [
    "bearwitness.cli.archive",
    "bearwitness.cli.records",
    "bearwitness.cli.inbox",
    "bearwitness.cli.log",
    "bearwitness.cli.demo",
    "bearwitness.cli.estimate",
    "bearwitness.cli.link",
    "bearwitness.cli.serve",
    "bearwitness.cli.backup",
    "bearwitness.cli.field",
    "bearwitness.cli.report",
    "bearwitness.cli.consent",
    "bearwitness.cli.claims",
]

# One table: which error leaves with which exit code (tests/cli/test_exit_codes.py fails on
# an error class that finds no entry here).
EXIT_CODES: dict[type[BearWitnessError], int] = {
    InputError: 2,
    SubmissionConflict: 2,
    ArchiveError: 3,
    NotFound: 4,
    LockedError: 5,
    UnlockError: 6,
    LoginFailed: 6,  # credentials refused, as a wrong passphrase is
    TamperedError: 7,
    VerificationError: 8,
    LinkageError: 9,
    EstimationError: 10,
    BackupError: 11,
    BackupDamaged: 12,
    RollbackRefused: 13,
    MissingExtra: 14,
    PublicationRefused: 15,
    ConsentRefused: 24,
    StorageError: 22,  # the disk refused a write: full, read-only
    FieldsRejected: 2,
    EditConflict: 16,  # another save replaced the version the edit was made on
    CaseChanged: 17,  # a triage or case change to a version changed meanwhile
}


def exit_code_for(error: BearWitnessError) -> int:
    for kind in type(error).__mro__:
        if kind in EXIT_CODES:
            return EXIT_CODES[kind]
    return 1


def _register_commands() -> None:
    for name in COMMAND_MODULES:
        import_module(name).register(app)


_register_commands()


def run() -> None:
    """Entry point: run the app, turning BearWitness errors into a message and an exit code."""
    try:
        try:
            app(standalone_mode=False)
        except ImportError as error:  # an analysis command, installed without its extra
            missing = MissingExtra.of(error)
            if missing is None:
                raise
            raise missing from None
    except OSError as error:  # a full or read-only disk: a message, not a traceback
        refused = StorageError.of(error)
        shown = "\n".join(safe_text(part) for part in (refused.message, refused.hint))
        typer.secho(f"Error: {shown}", fg=typer.colors.RED, err=True)
        sys.exit(EXIT_CODES[StorageError])
    except BearWitnessError as error:
        # Messages may quote input (a file's row, a field): show its control characters.
        shown = "\n".join(safe_text(part) for part in (error.message, error.hint) if part)
        typer.secho(f"Error: {shown}", fg=typer.colors.RED, err=True)
        sys.exit(exit_code_for(error))
    except typer.Abort:
        typer.echo("Aborted.", err=True)
        sys.exit(1)
    except typer.TyperException as error:
        # Usage errors arrive here in non-standalone mode. Typer ships its own copy of
        # click, whose exceptions are not click's: its public base class is the one to catch.
        show = getattr(error, "show", None)
        if show is not None:
            show()
        else:
            typer.echo(f"Error: {safe_text(error.format_message())}", err=True)
        sys.exit(error.exit_code)


if __name__ == "__main__":
    run()
