"""`bearwitness demo`: build a FICTIONAL archive and show what is in it."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.panel import Panel
from rich.table import Table

from bearwitness.cli.session import console, plural
from bearwitness.domain.counts import QualifiedCount
from bearwitness.domain.vocabulary import ACT_TYPES
from bearwitness.services.demo import DEMO_PASSPHRASE, build_demo


def demo(
    folder: Path = typer.Argument(Path("bearwitness-demo"), help="Where to build it."),
    serve: bool = typer.Option(
        False, "--serve", help="Then start the workbench and the source intake."
    ),
    port: int = typer.Option(8080, help="The workbench's port (with --serve)."),
    intake_port: int = typer.Option(8081, help="The intake's port (with --serve)."),
) -> None:
    """Build a FICTIONAL demo archive (re-built if it exists) and summarise it."""
    with console.status("Building the FICTIONAL demo archive…"):
        archive, summary = build_demo(folder)
        archive.close()
    console.print(
        Panel(
            f"Built [bold]{folder}[/]: every record in it is [bold red]FICTIONAL[/].\n"
            f"Passphrase: [bold]{DEMO_PASSPHRASE}[/]",
            title="BearWitness demo",
        )
    )
    counts = Table(title="What the archive holds")
    counts.add_column("records")
    counts.add_column("count", justify="right")
    for kind, count in summary.counts.items():
        counts.add_row(plural(kind), str(count))
    console.print(counts)
    acts = Table(title="Acts documented, by type")
    acts.add_column("act")
    acts.add_column("акт")
    acts.add_column("count", justify="right")
    for code, count in sorted(summary.acts_by_type.items(), key=lambda item: -item[1]):
        acts.add_row(ACT_TYPES[code].en, ACT_TYPES[code].ru, str(count))
    console.print(acts)
    claims = Table(title="What was claimed about the waves")
    claims.add_column("who")
    claims.add_column("stance")
    claims.add_column("count")
    for stance, stated, speaker in summary.claims:
        claims.add_row(speaker, stance, QualifiedCount.parse(stated).describe())
    console.print(claims)
    console.print(
        f"At least [bold]{summary.victims_documented}[/] victims are documented here by name: "
        "a lower bound, not a total (see `bearwitness estimate`).\n\n"
        "Try:\n"
        f"  bearwitness status {folder}\n"
        f"  bearwitness list events {folder} --act torture --since 2018-12\n"
        f"  bearwitness unlock {folder}        # passphrase above\n"
        f"  bearwitness show person {folder} P-0042 --reveal\n"
        f"  bearwitness search {folder} passport\n"
        f"  bearwitness verify {folder}        # every record against the signed log\n"
        f"  bearwitness lock {folder}"
    )
    if serve:
        from bearwitness.cli.serve import serve_demo

        serve_demo(folder, port=port, intake_port=intake_port)


def register(app: typer.Typer) -> None:
    app.command()(demo)
