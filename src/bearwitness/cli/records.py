"""Record commands: add, import, list, show, search, reindex, export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.progress import Progress
from rich.table import Table

from bearwitness.cli.session import (
    ARCHIVE_ARGUMENT,
    console,
    errors,
    kind_from_word,
    open_archive,
    plural,
)
from bearwitness.cli.terminal import inert
from bearwitness.domain.records import record_type
from bearwitness.errors import InputError
from bearwitness.services import audit, exporting, finding, reading, storing
from bearwitness.services.archive import Archive
from bearwitness.services.inbox import Entry

KIND_ARGUMENT = typer.Argument(
    ...,
    help="Kind of record: source, document, evidence, event, "
    "act, person, person_record, claim, intervention.",
)


def _store(archive: Archive, rows: list[Entry], source: str, operation: str = "create") -> None:
    """Write now when unlocked; seal into the inbox when locked (one use case for both)."""
    result = storing.store(archive, rows, source, operation)
    if result.batch is not None:
        console.print(
            f"Taken in {result.count} record(s), sealed to the archive's public key "
            f"(inbox batch {result.batch[:24]}…). They are added at the next unlock; "
            "references to records still waiting in the inbox are checked then."
        )
        return
    console.print(
        f"Added {result.count} record(s): "
        + ", ".join(inert(", ".join(ids)) for ids in result.ids.values())
    )


def add(
    kind: str = KIND_ARGUMENT,
    folder: Path = ARCHIVE_ARGUMENT,
    set_: list[str] = typer.Option([], "--set", help="A field: NAME=VALUE (repeatable)."),
    file: Path | None = typer.Option(
        None, help="For a document: its text (UTF-8). For evidence: the file itself."
    ),
    attach: list[Path] = typer.Option([], help="Evidence files to attach to a new document."),
    source: str | None = typer.Option(None, help="Source id, e.g. S-0012 (documents)."),
    fictional: bool = typer.Option(False, help="Mark the record FICTIONAL (demos, training)."),
) -> None:
    """Add one record. Works while locked: it is then sealed into the inbox."""
    kind = kind_from_word(kind)
    data: dict[str, Any] = {"type": kind}
    for item in set_:
        name, sep, value = item.partition("=")
        if not sep:
            raise InputError(f"--set {item!r} has no '='", hint="Write --set name=value.")
        data[name.strip()] = value
    if source:
        data["source_id"] = source
    if fictional:
        data["fictional"] = True
    evidence_file = None
    if file is not None:
        if not file.is_file():
            raise InputError(f"no file at {file}", hint="Check the path.")
        if kind == "document":
            try:
                data.setdefault("text", file.read_text(encoding="utf-8"))
            except UnicodeDecodeError:
                raise InputError(
                    f"{file} is not UTF-8 text", hint="Attach it as evidence with --attach instead."
                ) from None
            data.setdefault("title", file.stem)
        elif kind == "evidence":
            evidence_file = file
            data.update(storing.describe_file(file))
        else:
            raise InputError("--file is for documents and evidence", hint="Use --set instead.")
    if kind == "evidence" and evidence_file is None:  # it could never verify without one
        raise InputError("evidence needs its file", hint="Give it with --file PATH.")
    record_type(kind).from_dict({**data, "id": data.get("id") or f"{record_type(kind).PREFIX}-0"})
    rows = [Entry(1, data, evidence_file)]
    if attach:
        if kind != "document":
            raise InputError("--attach is for documents", hint="Add evidence with --file.")
        for path in attach:
            if not path.is_file():
                raise InputError(f"no file at {path}", hint="Check the path.")
    with open_archive(folder) as archive:
        if attach:  # the files name their document: random while locked, so batches never clash
            data.setdefault("id", storing.id_factory(archive)("document"))
            rows += [
                Entry(
                    number,
                    {
                        "type": "evidence",
                        "document_id": data["id"],
                        "fictional": fictional,
                        **storing.describe_file(path),
                    },
                    path,
                )
                for number, path in enumerate(attach, start=2)
            ]
        _store(archive, rows, "the command line")


def import_file(
    folder: Path = ARCHIVE_ARGUMENT,
    file: Path = typer.Argument(..., help="A .csv or .jsonl file."),
    type_: str | None = typer.Option(
        None, "--type", help="Record type of every row, when the file has no `type` column."
    ),
    files: Path | None = typer.Option(
        None,
        "--files",
        help="The folder that evidence rows' "
        "`file` paths are relative to, and must stay inside "
        "(default: the import file's folder).",
    ),
) -> None:
    """Import a CSV or JSON Lines file, all or nothing: a bad row rejects the whole file."""
    rows = storing.read_entries(
        file, default_type=kind_from_word(type_) if type_ else None, files=files
    )
    with open_archive(folder) as archive:
        _store(archive, rows, file.name, "import")


def list_command(
    kind: str = KIND_ARGUMENT,
    folder: Path = ARCHIVE_ARGUMENT,
    act: str | None = typer.Option(None, help="Only events, acts or people with this act type."),
    since: str | None = typer.Option(
        None,
        help="Only what may have happened on or after this date (YYYY, YYYY-MM or YYYY-MM-DD).",
    ),
    until: str | None = typer.Option(None, help="Only what may have happened on or before."),
    where: list[str] = typer.Option([], help="A clear field's value: NAME=VALUE."),
    limit: int = typer.Option(200, help="Show at most this many."),
) -> None:
    """List records by their clear, coded fields. Works while locked; reveals no names."""
    from bearwitness.domain.dates import PartialDate

    kind = kind_from_word(kind)
    equals = dict(item.partition("=")[::2] for item in where)
    since_day = PartialDate.parse(since).earliest.isoformat() if since else None
    until_day = PartialDate.parse(until).latest.isoformat() if until else None
    with open_archive(folder) as archive:
        views = reading.list_records(
            archive,
            kind,
            act_type=act,
            since=since_day,
            until=until_day,
            equals=equals or None,
            limit=limit,
        )
    if not views:
        console.print(f"No {plural(kind)} match.")
        return
    table = Table(title=f"{plural(kind).capitalize()} ({len(views)} shown)")
    columns = [name for name in views[0].fields if name != "fictional"]
    for name in columns:
        table.add_column(name.replace("_", " "))
    for view in views:
        table.add_row(*[_cell(view.fields[name]) for name in columns])
    console.print(table)


def _cell(value: Any, *, newlines: bool = False) -> str:
    """A field's value for a table: escaped, since it may come from any imported file."""
    if isinstance(value, list):
        return inert(", ".join(map(str, value)), newlines=newlines)
    return "" if value is None else inert(value, newlines=newlines)


def show(
    kind: str = KIND_ARGUMENT,
    folder: Path = ARCHIVE_ARGUMENT,
    record_id: str = typer.Argument(..., help="The record's id, e.g. P-0042."),
    reveal: bool = typer.Option(False, help="Show sealed fields (names, text). Needs an unlock."),
) -> None:
    """Show one record: its clear fields, and its sealed fields only with --reveal."""
    kind = kind_from_word(kind)
    if reading.kind_of(record_id) != kind:
        raise InputError(
            f"{record_id} is not a {kind}", hint=f"It is a {reading.kind_of(record_id)}."
        )
    with open_archive(folder) as archive:
        view = reading.get(archive, record_id, reveal=reveal)
        sealed = record_type(kind).sealed_fields()
        if reveal:  # the same audit trail as the workbench's Reveal
            audit.record(
                archive.engine,
                at=archive.now(),
                actor=archive.actor,
                action="reveal",
                target=record_id,
            )
    table = Table(
        show_header=False,
        title=f"{kind.replace('_', ' ')} {inert(record_id)}"
        + (" [bold red]FICTIONAL[/]" if view.fields.get("fictional") else ""),
    )
    table.add_row("version", str(view.version) + (" (deleted)" if view.deleted else ""))
    for name, value in view.fields.items():
        if name not in ("id", "fictional"):
            table.add_row(name.replace("_", " "), _cell(value, newlines=True))
    if not reveal:
        for name in sealed:
            table.add_row(name.replace("_", " "), "[dim]sealed (use --reveal)[/]")
    console.print(table)


def search(
    folder: Path = ARCHIVE_ARGUMENT,
    query: str = typer.Argument(..., help="Words that must all appear (any form, any script)."),
    limit: int = typer.Option(50, help="Show at most this many."),
) -> None:
    """Search the sealed text of every record, best first. Needs an unlock; writes nothing
    to disk. A word is found in any of its forms («паспорта», passports) and a name in
    either script (Тагиров, Tagirov)."""
    with open_archive(folder) as archive:
        found = finding.find(archive, query, size=max(1, limit))
    if not found.hits:
        console.print("Nothing found.")
        return
    table = Table(title=f"{found.total} record(s) hold every word; the best {len(found.hits)}")
    table.add_column("id")
    table.add_column("kind")
    table.add_column("title")
    table.add_column("text")
    for hit in found.hits:
        snippet = "".join(f"[bold]{inert(t)}[/]" if mark else inert(t) for t, mark in hit.snippet)
        table.add_row(inert(hit.id), hit.kind.replace("_", " "), inert(hit.title[:60]), snippet)
    console.print(table)


def reindex(
    folder: Path = ARCHIVE_ARGUMENT,
    every: bool = typer.Option(False, "--all", help="Redo every filter, not only old ones."),
) -> None:
    """Give the search filters of records written before search terms (stems, both scripts)
    their terms, so that every word is found in any form. Needs an unlock; writes only the
    keyed filters; safe to stop and run again."""
    with open_archive(folder) as archive, Progress(console=errors, transient=True) as progress:
        task = progress.add_task("Reindexing", total=finding.needs_reindex(archive) or None)
        done = finding.reindex(
            archive, every=every, progress=lambda _, n: progress.update(task, completed=n)
        )
    console.print(f"Gave {done} record(s) a search filter of terms.")


def export(
    folder: Path = ARCHIVE_ARGUMENT,
    out: Path = typer.Option(..., help="An empty folder to write into."),
    format_: str = typer.Option("jsonl", "--format", help="Only jsonl for now."),
    purpose: str = typer.Option(
        "internal_casework",
        help="What the export is for; consent must cover it: internal_casework, "
        "partner_sharing, anonymised_quotation, naming_in_publication, court_proceedings.",
    ),
    partner: str = typer.Option("", help="The partner it goes to (with partner_sharing)."),
) -> None:
    """Export everything, opened, including evidence files. Writes plaintext: handle with care.

    Whoever's consent does not cover the purpose is written with clear fields only, and
    named (by id, with the reason) at the end and in the manifest."""
    if format_ != "jsonl":
        raise InputError(f"unknown export format {format_!r}", hint="Use --format jsonl.")
    with open_archive(folder) as archive:
        archive.require_secrets()
        with Progress(console=errors, transient=True) as progress:
            task = progress.add_task("Exporting", total=None)
            summary = exporting.export(
                archive,
                out,
                lambda n: progress.advance(task, n),
                purpose=purpose,
                partner=partner,
            )
    console.print(
        f"Exported {summary.records} records, {summary.versions} versions and "
        f"{summary.files} evidence files to {out}. These are plaintext: keep them "
        "encrypted and delete them when done."
    )
    for refusal in summary.left_out:
        console.print(f"Left out (clear fields only): {inert(str(refusal))}")


def register(app: typer.Typer) -> None:
    app.command()(add)
    app.command("import")(import_file)
    app.command("list")(list_command)
    app.command()(show)
    app.command()(search)
    app.command()(reindex)
    app.command()(export)
