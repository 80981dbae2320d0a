"""Consent commands: record, withdraw, list and check what people agreed to, and record a
court order that k custodians approve (``docs/consent.md``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from bearwitness.cli.session import ARCHIVE_ARGUMENT, console, open_archive, read_secret
from bearwitness.cli.terminal import inert
from bearwitness.errors import InputError
from bearwitness.services import consent, storing
from bearwitness.services.inbox import Entry

consent_app = typer.Typer(
    help="What a person or a source agreed their information may be used for; every way "
    "out of the archive (reports, export, proof bundles) asks it.",
    no_args_is_help=True,
)
SUBJECT = typer.Argument(..., help="The person (P-…) or source (S-…) it is about.")
PURPOSES = ", ".join(consent.PURPOSES)


@consent_app.command("add")
def add(
    folder: Path = ARCHIVE_ARGUMENT,
    subject: str = SUBJECT,
    scopes: Annotated[str, typer.Option(help=f"Comma-separated, of: {PURPOSES}.")] = "",
    method: Annotated[
        str, typer.Option(help="written, oral_recorded, oral_witnessed or intake_form.")
    ] = "written",
    obtained_by: Annotated[str, typer.Option(help="Who took the consent.")] = "",
    on: Annotated[str, typer.Option(help="When it was given (YYYY-MM-DD).")] = "",
    partner: Annotated[str, typer.Option(help="The partner that sharing covers.")] = "",
    notes: Annotated[str, typer.Option(help="Anything else (sealed).")] = "",
) -> None:
    """Record a consent. Works while locked (sealed into the inbox, added at the next unlock)."""
    chosen = [s.strip() for s in scopes.split(",") if s.strip()]
    if not chosen:
        raise InputError("no scope given", hint=f"Give --scopes, from: {PURPOSES}.")
    if not on:
        raise InputError("no date given", hint="Give --on YYYY-MM-DD: when consent was given.")
    row = consent.consent_record(
        subject=subject,
        scopes=chosen,
        method=method,
        obtained_by=obtained_by,
        obtained_on=on,
        partner=partner,
        notes=notes,
    )
    with open_archive(folder) as archive:
        result = storing.store(archive, [Entry(1, row)], "consent")
    if result.batch is not None:
        console.print("Consent sealed into the inbox; it is added at the next unlock.")
    else:
        console.print(f"Recorded consent {result.ids['consent'][0]} for {inert(subject)}.")


@consent_app.command("withdraw")
def withdraw(
    folder: Path = ARCHIVE_ARGUMENT,
    consent_id: str = typer.Argument(..., help="The consent (CN-…)."),
    on: Annotated[str, typer.Option(help="From when (YYYY-MM-DD).")] = "",
) -> None:
    """Withdraw a consent (needs an unlock): later reports and exports leave the person out;
    the release ledger still shows what was published before."""
    if not on:
        raise InputError("no date given", hint="Give --on YYYY-MM-DD.")
    with open_archive(folder) as archive:
        changed = consent.withdraw(archive, consent_id, on=on)
    console.print(f"Consent {changed.id} withdrawn from {changed.withdrawn}.")


@consent_app.command("list")
def list_command(folder: Path = ARCHIVE_ARGUMENT) -> None:
    """Every consent and court order, with whom it is about (needs an unlock)."""
    with open_archive(folder) as archive:
        found = consent.current_consents(archive)
    table = Table("consent", "about", "scopes", "method", "given", "withdrawn")
    for item in sorted(found, key=lambda c: c.id):
        table.add_row(
            inert(item.id),
            inert(item.person_id or item.source_id or ""),
            ", ".join(item.scopes),
            item.method,
            inert(item.obtained_on),
            inert(item.withdrawn) or "-",
        )
    console.print(table)


@consent_app.command("check")
def check(
    folder: Path = ARCHIVE_ARGUMENT,
    subject: str = SUBJECT,
    purpose: Annotated[str, typer.Option(help=f"One of: {PURPOSES}.")] = "",
    partner: Annotated[str, typer.Option(help="The partner (with partner_sharing).")] = "",
) -> None:
    """Whether a subject's data may leave for a purpose, and why not (exit 24 when not)."""
    with open_archive(folder) as archive:
        consent.authorize(archive, consent.check_purpose(purpose), [subject], partner=partner)
    console.print(f"{inert(subject)}: allowed for {purpose}.")


@consent_app.command("court-order")
def court_order(
    folder: Path = ARCHIVE_ARGUMENT,
    subject: str = SUBJECT,
    order: Annotated[str, typer.Option(help="The court order's reference.")] = "",
    on: Annotated[str, typer.Option(help="The order's date (YYYY-MM-DD).")] = "",
    stdin: Annotated[
        bool, typer.Option("--stdin", help="Read the shares from standard input.")
    ] = False,
) -> None:
    """Record a court order that stands in for consent in court proceedings: k custodians
    give their shares to approve it (needs an unlock). It is logged like any record."""
    if not on:
        raise InputError("no date given", hint="Give --on YYYY-MM-DD.")
    with open_archive(folder) as archive:
        threshold = archive.current_keyring().custodian_threshold
        if threshold is None:
            raise InputError(
                "this archive has no custodians, and a court order needs k of them",
                hint="Give the key to custodians first: `bearwitness keys reshare`.",
            )
        n, k = threshold
        shares = [
            read_secret(f"Custodian share {i + 1} of the {k} needed (of {n})", from_stdin=stdin)
            for i in range(k)
        ]
        recorded = consent.record_court_order(
            archive, subject=subject, court_order=order, on=on, shares=shares
        )
    console.print(
        f"Court order recorded as {recorded.id} for {inert(subject)}, approved by custodians "
        f"{recorded.approved_by}; it allows court_proceedings only."
    )


def register(app: typer.Typer) -> None:
    app.add_typer(consent_app, name="consent")
