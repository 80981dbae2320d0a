"""Report commands: build a report from the archive at a signed checkpoint, verify one."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bearwitness.cli.session import ARCHIVE_ARGUMENT, open_archive
from bearwitness.cli.terminal import safe_text
from bearwitness.errors import InputError, VerificationError

report_app = typer.Typer(
    help="Reports that expose no one and prove every figure (HTML, CSV, signed manifest).",
    no_args_is_help=True,
)


@report_app.command("build")
def build_command(
    folder: Path = ARCHIVE_ARGUMENT,
    out: Annotated[Path, typer.Option("--out", help="A new folder for the report.")] = Path(
        "report"
    ),
    spec: Annotated[
        Path | None, typer.Option("--spec", help="A report spec (TOML); default: everything.")
    ] = None,
    lang: Annotated[
        str | None, typer.Option("--lang", help="en or ru (default: the spec's, else en).")
    ] = None,
    no_pdf: Annotated[
        bool, typer.Option("--no-pdf", help="Leave the PDF out (it takes seconds to lay out).")
    ] = False,
    checkpoint: Annotated[
        int | None,
        typer.Option(
            "--checkpoint",
            help="Build from this kept checkpoint (a log size); default: sign a new one.",
        ),
    ] = None,
) -> None:
    """Build a report of the archive (needs an unlock): HTML, CSVs and a signed manifest."""
    from bearwitness.services.reporting import build, read_spec

    text = ""
    if spec is not None:
        try:
            text = spec.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise InputError(f"cannot read the spec {spec}: {type(error).__name__}") from None
    report_spec = read_spec(text, lang=lang)
    with open_archive(folder) as archive:
        built = build(archive, report_spec, out, checkpoint_size=checkpoint, with_pdf=not no_pdf)
    typer.echo(
        safe_text(
            f"Report {built.report_id} written to {built.folder}: {len(built.figures)} figures "
            f"from the archive at log size {built.checkpoint_size}, {built.hidden_cells} cells "
            f"hidden by disclosure control; its manifest is logged at entry {built.log_index}."
        )
    )


@report_app.command("verify")
def verify_command(
    folder: Path = ARCHIVE_ARGUMENT,
    report: Annotated[Path, typer.Argument(help="The report's folder.", show_default=False)] = Path(
        "report"
    ),
) -> None:
    """Recompute every figure of a report from the archive at its checkpoint (needs an unlock)."""
    from bearwitness.services.report_verification import verify

    with open_archive(folder) as archive:
        result = verify(archive, report)
    typer.echo(
        safe_text(
            f"Report {result.report_id}: made from the archive at log size "
            f"{result.checkpoint_size} (root {result.root_hash[:16]}…); "
            f"{result.figures_checked} figures recomputed"
            + (
                f"; its manifest is logged at entry {result.log_index}"
                if result.log_index is not None
                else ""
            )
            + "."
        )
    )
    if result.problems:
        for problem in result.problems:
            typer.echo(safe_text(f"  {problem}"), err=True)
        differing = ", ".join(result.differing) or "none"
        raise VerificationError(
            f"the report does not verify: {len(result.problems)} problem(s); "
            f"figures that differ: {differing}"
        )
    typer.echo("Every figure verifies.")


EVENTS_ARGUMENT = typer.Argument(..., help="The events, e.g. E-0001 E-0002.", show_default=False)


@report_app.command("dossier")
def dossier_command(
    folder: Path = ARCHIVE_ARGUMENT,
    events: list[str] = EVENTS_ARGUMENT,
    out: Annotated[Path, typer.Option("--out", help="A new folder for the dossier.")] = Path(
        "dossier"
    ),
    lang: Annotated[str, typer.Option("--lang", help="en or ru.")] = "en",
    purpose: Annotated[
        str, typer.Option(help="What it is for; consent decides what is shown.")
    ] = "court_proceedings",
    partner: Annotated[str, typer.Option(help="The partner (with partner_sharing).")] = "",
    no_pdf: Annotated[bool, typer.Option("--no-pdf", help="Leave the PDF out.")] = False,
) -> None:
    """An evidence dossier for lawyers (needs an unlock): the events' acts, people, sources,
    documents and evidence files, each file with its proof bundle; a PDF plus a folder."""
    from bearwitness.services.dossier import build

    with open_archive(folder) as archive:
        built = build(
            archive, events, out, lang=lang, purpose=purpose, partner=partner, with_pdf=not no_pdf
        )
    typer.echo(
        safe_text(
            f"Dossier of {', '.join(built.events)} written to {built.folder}: {built.items} "
            f"items, {built.bundles} evidence files with their proof bundles."
        )
    )
    if built.withheld:
        typer.echo(
            safe_text(
                "Shown in part, as consent allows (see the dossier for why): "
                + ", ".join(built.withheld)
            )
        )


def register(app: typer.Typer) -> None:
    app.add_typer(report_app, name="report")
