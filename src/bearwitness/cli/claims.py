"""Claim commands: extract a file's claims as JSON Lines; take public reports into an archive."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from bearwitness.cli.session import ARCHIVE_ARGUMENT, console, open_archive
from bearwitness.cli.terminal import inert

claims_app = typer.Typer(
    help="Claims from public reporting: who said how many suffered what, and who denies it.",
    no_args_is_help=True,
)

OutletOption = Annotated[
    str | None, typer.Option("--outlet", help="The outlet that published it, e.g. 'BBC'.")
]
PublishedOption = Annotated[
    str | None, typer.Option("--published", help="Its publication date, YYYY-MM-DD.")
]
UrlOption = Annotated[str | None, typer.Option("--url", help="Where it was published.")]
LangOption = Annotated[
    str, typer.Option("--lang", help="en, ru, or auto (detected from the text).")
]


@claims_app.command("extract")
def extract_command(
    file: Annotated[Path, typer.Argument(help="A .txt, .html or .pdf file.")],
    outlet: OutletOption = None,
    published: PublishedOption = None,
    url: UrlOption = None,
    lang: LangOption = "auto",
) -> None:
    """Print the file's claims as JSON Lines, one claim a line. Needs no archive."""
    from bearwitness.services.claims import extract_file

    extracted = extract_file(file, outlet=outlet, published=published, lang=lang)
    for candidate in extracted.candidates:
        typer.echo(json.dumps(candidate.to_json(), ensure_ascii=False))


@claims_app.command("add")
def add_command(
    folder: Path = ARCHIVE_ARGUMENT,
    files: Annotated[list[Path], typer.Argument(help="The documents: .txt, .html or .pdf.")] = [],  # noqa: B006
    outlet: OutletOption = None,
    published: PublishedOption = None,
    url: UrlOption = None,
    lang: LangOption = "auto",
) -> None:
    """Take documents in as public reports, their claims kept for review. Works while
    locked: they are then sealed into the inbox."""
    from bearwitness.services.claims import add_documents

    if not files:
        from bearwitness.errors import InputError

        raise InputError("no document given", hint="bearwitness claims add ARCHIVE FILE ...")
    with open_archive(folder) as archive:
        added = add_documents(
            archive, files, outlet=outlet, published=published, url=url, lang=lang
        )
    for item in added:
        where = (
            f"sealed into the inbox (batch {item.batch[:24]}…), added at the next unlock"
            if item.batch
            else f"added as {item.document_id}"
        )
        console.print(
            f"{inert(item.name)}: {where}, with {item.candidates} candidate claim(s) to review."
        )


@claims_app.command("incident")
def incident_command(
    files: Annotated[list[Path], typer.Argument(help="The documents about one incident.")],
    outlet: Annotated[
        list[str], typer.Option("--outlet", help="Each file's outlet, in order (repeat).")
    ] = [],  # noqa: B006
    act: Annotated[
        str | None, typer.Option("--act", help="The act, e.g. arbitrary_detention.")
    ] = None,
    lang: LangOption = "auto",
    as_json: Annotated[bool, typer.Option("--json", help="Print it as one JSON object.")] = False,
) -> None:
    """One incident across documents: original claimants, who relays whom, denials,
    the spread of figures and the most conservative one. Needs no archive."""
    from bearwitness.services.claims import incident

    found = incident(files, outlets=outlet, act=act, lang=lang)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "act": found.act,
                    "claimants": [
                        {"claimant": n, "reliability": r, "credibility": c}
                        for n, r, c in found.claimants
                    ],
                    "relayed": found.relayed,
                    "qualifiers": found.qualifiers,
                    "denials": [d.claimant or d.outlet for d in found.denials],
                    "independently_corroborated": found.independent,
                    "most_conservative": found.most_conservative,
                    "low": found.low,
                    "best": found.best,
                    "high": found.high,
                },
                ensure_ascii=False,
            )
        )
        return
    console.print(f"Act: {inert(found.act)}")
    console.print(f"Original claimants ({len(found.claimants)}):")
    for name, reliability, credibility in found.claimants:
        console.print(f"  {inert(name)} (reliability {reliability}, credibility {credibility})")
    for relay, original in found.relayed.items():
        console.print(f"  {inert(relay)} relays {inert(original)}")
    console.print("Figures: " + (inert(", ".join(found.qualifiers)) or "none given"))
    for denial in found.denials:
        console.print(f"Denied by: {inert(denial.claimant or denial.outlet or 'unknown')}")
    console.print(
        "Independently corroborated: "
        + ("yes" if found.independent else "no (fewer than two original claimants)")
    )
    console.print(
        f"Most conservative supported figure: {found.most_conservative}; "
        f"low / best / high: {found.low} / {found.best} / {found.high}"
    )


def register(app: typer.Typer) -> None:
    app.add_typer(claims_app, name="claims")
