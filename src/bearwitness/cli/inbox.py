"""Inbox commands: list, show, retry and discard batches taken in while locked."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from bearwitness.cli.session import ARCHIVE_ARGUMENT, console, errors, open_archive
from bearwitness.cli.terminal import inert
from bearwitness.errors import ArchiveError
from bearwitness.services import inbox

inbox_app = typer.Typer(
    help="What waits in the inbox, and what could not be written in.", no_args_is_help=True
)
BATCH_ARGUMENT = typer.Argument(
    ..., help="The batch, as `bearwitness inbox list` names it.", show_default=False
)


@inbox_app.command("list")
def list_batches(folder: Path = ARCHIVE_ARGUMENT) -> None:
    """Every batch waiting, in folding order. Works locked; unlocked it also says why a
    batch is stuck."""
    archive = open_archive(folder)
    found = inbox.batches(archive)
    locked = archive.locked
    archive.close()
    if not found:
        console.print("The inbox is empty.")
        return
    table = Table("batch", "arrived", "files", "size", "state")
    for item in found:
        state = item.state
        if item.state == "stuck":
            state += (
                f": {inert(item.reason)}"
                if item.reason
                else " (the reason is sealed: unlock, then list again)"
                if locked
                else ""
            )
        elif item.state == "folded":
            state += " (written in; what is left goes at the next fold)"
        table.add_row(
            inert(item.batch), item.month or "?", str(item.files), f"{item.size:,} B", state
        )
    console.print(table)


@inbox_app.command("show")
def show_batch(folder: Path = ARCHIVE_ARGUMENT, batch: str = BATCH_ARGUMENT) -> None:
    """What a batch holds: its rows' record types and ids, and why it is stuck. Needs an
    unlock; no sealed field is shown."""
    archive = open_archive(folder)
    detail = inbox.show(archive, batch)
    archive.close()
    console.print(
        f"Batch {inert(detail.batch)}: {len(detail.rows)} row(s), "
        f"{detail.files} file(s), "
        f"from {inert(detail.source)!r} by {inert(detail.actor)} "
        f"({detail.operation})."
    )
    table = Table("row", "type", "id")
    for row, kind, record_id in detail.rows:
        table.add_row(str(row), inert(kind), inert(record_id) or "(new)")
    console.print(table)
    if detail.reason:
        console.print(f"[red]The last fold failed:[/] {inert(detail.reason)}")


@inbox_app.command("retry")
def retry_batch(folder: Path = ARCHIVE_ARGUMENT, batch: str = BATCH_ARGUMENT) -> None:
    """Write one batch in now, after what kept it back was fixed. Needs an unlock."""
    archive = open_archive(folder)
    report = inbox.retry(archive, batch)
    archive.close()
    if report.failed:
        raise ArchiveError(
            f"inbox batch {batch} stays in the inbox: {report.failed[0][1]}",
            hint="Fix what the reason names and retry, or discard the batch "
            "with `bearwitness inbox discard`.",
        )
    print_fold(report)


@inbox_app.command("discard")
def discard_batch(
    folder: Path = ARCHIVE_ARGUMENT,
    batch: str = BATCH_ARGUMENT,
    reason: str = typer.Option(..., help="Why it is discarded; the log commits to it."),
) -> None:
    """Remove a batch for good. Needs an unlock; the transparency log records who did it
    and commits to why, so that nothing taken in disappears silently."""
    archive = open_archive(folder)
    index = inbox.discard(archive, batch, reason)
    archive.close()
    console.print(f"Discarded inbox batch {batch} (log entry {index}).")


def print_fold(report: inbox.FoldReport) -> None:
    """What a fold did, batch by batch: the unlock and `inbox retry` print it the same way."""
    console.print(
        f"Folded {report.folded} inbox batch(es) into the archive: {report.records} record(s)."
    )
    if report.duplicates:
        console.print(
            f"{report.duplicates} of them had been imported before; they were "
            "removed without writing anything twice."
        )
    for batch, reason in report.failed:
        errors.print(
            f"[red]Inbox batch {inert(batch)} stays in the inbox:[/] {inert(reason)}",
            soft_wrap=True,
        )
    if report.failed:
        errors.print("See `bearwitness inbox list`; fix and `inbox retry`, or `inbox discard`.")


def register(app: typer.Typer) -> None:
    app.add_typer(inbox_app, name="inbox")
