"""A filtered list as a table to hand on: CSV or XLSX, clear fields unless sealed ones are asked.

The rows are the list's (``services/listing.py``: the same filters and sort), every one
of them, not a page. By default a table holds the clear, coded fields only, which a list
shows while locked too. Sealed fields (names, text) go in only when the caller names
them, the archive is unlocked, and consent covers the purpose for every subject in the
table (``consent.authorize``: one refusal refuses the whole table, naming whom and why).
Such a table is recorded in the audit trail and in the transparency log as an ``export``
event that commits to the file's SHA-256 and purpose, as a dossier is: whoever holds the
file can show where it came from, and the published log says nothing of what is in it.

Every text cell that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, a
tab or a carriage return first) is written with an apostrophe before it (OWASP's advice
against CSV injection); an import from the workbench takes the apostrophe off again.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bearwitness.domain.records import RECORD_TYPES, kind_name
from bearwitness.errors import InputError, Phrase
from bearwitness.services import _ledger, audit, listing
from bearwitness.services._sealing import open_record
from bearwitness.services.archive import Archive
from bearwitness.services.consent import authorize, check_purpose, subjects_in
from bearwitness.store import rows as store

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
MAX_ROWS = 50_000
_PAGE = 500  # the most a list page holds
_RUNS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Table:
    name: str  # a file name: events-20260101.csv
    media_type: str
    data: bytes
    sha256: str
    rows: int
    sealed: tuple[str, ...]  # the sealed fields it holds (none: clear only)


def sealed_choices(kind: str) -> tuple[str, ...]:
    return RECORD_TYPES[kind].sealed_fields()


def neutral(value: Any) -> str:
    """A cell's text, made inert: a value a spreadsheet would run starts with ``'``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        value = "; ".join(map(str, value))
    text = str(value)
    return "'" + text if text.startswith(_RUNS) else text


def export_list(
    archive: Archive,
    query: listing.ListQuery,
    format_: str,
    *,
    sealed: Sequence[str] = (),
    purpose: str = "internal_casework",
    partner: str = "",
    progress: Callable[[int], None] | None = None,
) -> Table:
    """Every row of the list ``query`` picks, as a ``format_`` file (``csv`` or ``xlsx``)."""
    if format_ not in FORMATS:
        raise InputError(
            Phrase("%(value)s is not a table format", value=repr(format_)),
            hint=Phrase("Choose CSV or XLSX."),
        )
    kind = query.kind
    unknown = [name for name in sealed if name not in sealed_choices(kind)]
    if unknown:
        raise InputError(
            Phrase(
                "%(value)s is not a sealed field of a %(kind)s",
                value=repr(unknown[0]),
                kind=kind_name(kind),
            ),
            hint=Phrase("Choose from: %(fields)s.", fields=", ".join(sealed_choices(kind))),
        )
    sealed = tuple(name for name in sealed_choices(kind) if name in sealed)
    if sealed:
        archive.require_secrets()
        check_purpose(purpose)
    rows = _rows(archive, query)
    clear = RECORD_TYPES[kind].clear_fields()
    header = [*clear, *sealed]
    table = [[neutral(row.get(name)) for name in clear] for row in rows]
    if sealed:
        opened = _opened(archive, kind, [str(row["id"]) for row in rows])
        subjects = sorted({s for record in opened.values() for s in subjects_in(archive, record)})
        authorize(archive, purpose, subjects, partner=partner)
        for cells, row in zip(table, rows, strict=True):
            values = opened[str(row["id"])].to_dict()
            cells += [neutral(values.get(name)) for name in sealed]
            if progress:
                progress(1)
    data = _csv(header, table) if format_ == "csv" else _xlsx(kind, header, table)
    digest = hashlib.sha256(data).hexdigest()
    at = archive.now()
    name = f"{kind}-{at[:10].replace('-', '')}.{format_}"
    audit.record(
        archive.engine,
        at=at,
        actor=archive.actor,
        action="export",
        target=f"{kind} {len(rows)} {'sealed' if sealed else 'clear'} {digest[:16]}",
    )
    if sealed:
        _ledger.record_event(
            archive,
            "export",
            {"sha256": digest, "purpose": purpose, "kind": kind, "rows": str(len(rows))},
        )
    return Table(name, FORMATS[format_], data, digest, len(rows), sealed)


def _rows(archive: Archive, query: listing.ListQuery) -> list[dict[str, Any]]:
    counts = listing.ListCounts()
    found: list[dict[str, Any]] = []
    number = 1
    while True:
        page = listing.list_page(
            archive,
            listing.ListQuery(
                query.kind, query.filters, sort=query.sort, number=number, size=_PAGE
            ),
            counts,
        )
        if page.total > MAX_ROWS:
            raise InputError(
                Phrase(
                    "the list holds %(n)s records, more than %(most)s",
                    n=f"{page.total:,}",
                    most=f"{MAX_ROWS:,}",
                ),
                hint=Phrase("Filter it further, or export the archive whole."),
            )
        found += [row.fields for row in page.rows]
        if number >= page.pages:
            return found
        number += 1


def _opened(archive: Archive, kind: str, ids: list[str]) -> dict[str, Any]:
    opened: dict[str, Any] = {}
    with archive.engine.connect() as connection:
        for start in range(0, len(ids), _PAGE):
            for stored in store.query_records(connection, kind, ids=ids[start : start + _PAGE]):
                record_id = str(stored.clear["id"])
                opened[record_id] = open_record(archive.sealer, stored, record_id)
    return opened


def _csv(header: list[str], table: list[list[str]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(table)
    return out.getvalue().encode("utf-8-sig")  # the mark makes Excel read it as UTF-8


def _xlsx(kind: str, header: list[str], table: list[list[str]]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(kind[:31])
    sheet.append(header)
    for cells in table:
        # Text cells, never formulas: openpyxl writes a string that starts with "=" as
        # one, and the apostrophe in front has made every such cell plain text already.
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
