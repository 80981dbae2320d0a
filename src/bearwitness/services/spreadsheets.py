"""Spreadsheets in (CSV, XLSX, ODS): read, map columns to fields, check every row, preview.

A sheet is read whole into memory (never written to disk), its columns mapped to a
record kind's fields, and every row checked before anything is written: the preview
lists *every* problem, each naming its row and column, and an import with any problem
writes nothing. What passes is handed to :func:`bearwitness.services.storing.store`,
the one path the command line's ``import`` takes too (written now while unlocked,
sealed into the inbox while locked).

Refused, with the row and the column named:

- text that is not UTF-8 (a CSV saved as Windows-1251, say);
- a formula cell, and any text a spreadsheet would run as one: a cell that begins with
  ``=``, ``+``, ``-`` or ``@`` (OWASP "CSV injection", ``=cmd|' /C calc'!A0``). Text
  that must begin so is written with an apostrophe first (``'+7 …``), as a spreadsheet
  shows it and as the workbench's own exports write it; the apostrophe is taken off;
- a value a record refuses (an unknown act type, a date that cannot be read, …).

Evidence is not imported from a spreadsheet: its files cannot travel with it.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import itertools
import re
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from bearwitness.domain.records import RECORD_TYPES, record_type
from bearwitness.errors import ImportRejected, InputError, Phrase, SheetRejected
from bearwitness.intake.importers import MAX_FIELD_BYTES, ImportRow
from bearwitness.services import inbox
from bearwitness.services.archive import Archive
from bearwitness.services.inbox import Entry
from bearwitness.services.writing import resolve_rows

FORMATS = (".csv", ".xlsx", ".ods")
KINDS = tuple(kind for kind in RECORD_TYPES if kind not in ("evidence", "consent"))
FORMULA_START = ("=", "+", "-", "@")
MAX_ROWS = 50_000
MAX_COLUMNS = 200
MAX_UNPACKED = 512 << 20  # what an XLSX or ODS file may unpack to
MAX_FORMULAS = 100_000  # formula cells noted; past that the sheet is refused for them anyway
SHOWN = 10  # rows a preview shows
# What this module says of a sheet (the workbench translates each: web/workbench/transfer.py).
FORMULA_CELL = "a formula cell; give its value instead (copy it, then paste values only)"
FORMULA_TEXT = (
    "it begins with “%(sign)s”, which a spreadsheet runs as a formula; if it is text, "
    "write an apostrophe first ('%(sign)s…)"
)
TOO_LARGE = "larger than 1 MB"
NO_HEADER = "a value in a column with no header"
NOT_A_FIELD = "“%(field)s” is not a field"
CHOSEN_TWICE = "field “%(field)s” is chosen for two columns"
NOTHING_MAPPED = "no column is mapped to a field"
NO_ROWS = "the sheet has a header but no data rows"
ALSO_ON_ROW = "id %(id)s is also on row %(row)s"
# ... and of a file it cannot read (SheetRejected), with what to do.
CANNOT_TELL = "cannot tell the format from the file's name"
CANNOT_TELL_HINT = "Import a .csv, .xlsx or .ods file."
EMPTY = "the file is empty"
EMPTY_HINT = "Choose the file again."
NO_ROWS_AT_ALL = "the file holds no rows"
NO_ROWS_AT_ALL_HINT = "Check that it has a header and data."
TOO_MANY_COLUMNS = "more than %(most)s columns"
TWICE = "column “%(heading)s” appears twice (columns %(first)s and %(second)s)"
TOO_MANY_ROWS = "more than %(most)s rows"
SPLIT_HINT = "Split it, or import it with the command line."
UTF16 = "the file is UTF-16 text, not UTF-8; save it as UTF-8"
NUL = "a cell holds a NUL character"
BAD_CSV = "not valid CSV (%(error)s); check the quoting"
NOT_UTF8 = (
    "column %(column)s: the text is not UTF-8; save the file as CSV UTF-8 and import it again"
)
NOT_UTF8_1251 = (
    "column %(column)s: the text is not UTF-8 (it may be Windows-1251, as Excel saves "
    "Cyrillic); save the file as CSV UTF-8 and import it again"
)
NOTHING_IMPORTED = "Nothing was imported."
UNPACKS = "the file unpacks to more than %(mb)s MB"
SAVE_HINT = "Save it as CSV UTF-8, or split it."
UNREADABLE = "the file cannot be read as %(format)s"
UNREADABLE_HINT = "Open it in a spreadsheet program and save it again, or save it as CSV UTF-8."
REASONS = (
    CANNOT_TELL,
    CANNOT_TELL_HINT,
    EMPTY,
    EMPTY_HINT,
    NO_ROWS_AT_ALL,
    NO_ROWS_AT_ALL_HINT,
    TOO_MANY_COLUMNS,
    TWICE,
    TOO_MANY_ROWS,
    SPLIT_HINT,
    UTF16,
    NUL,
    BAD_CSV,
    NOT_UTF8,
    NOT_UTF8_1251,
    NOTHING_IMPORTED,
    UNPACKS,
    SAVE_HINT,
    UNREADABLE,
    UNREADABLE_HINT,
    FORMULA_CELL,
    FORMULA_TEXT,
    TOO_LARGE,
    NO_HEADER,
    NOT_A_FIELD,
    CHOSEN_TWICE,
    NOTHING_MAPPED,
    NO_ROWS,
    ALSO_ON_ROW,
)
_FIELD_NAMED = re.compile(r"field '([a-z_]+)'|unknown [a-z ]+ fields? (?:\"|«|')?([a-z_]+)")


@dataclass(frozen=True)
class Sheet:
    """The first sheet of a file, as text: its header and its data rows, numbered as the
    spreadsheet numbers them (the header is usually row 1)."""

    name: str
    header: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]
    formulas: frozenset[tuple[int, int]] = frozenset()  # (row, column index) of formula cells


@dataclass(frozen=True)
class Problem:
    """What is wrong, where: ``column`` is a letter (``""`` for the whole row)."""

    row: int
    column: str
    heading: str  # the column's header
    reason: Phrase  # a page says it in its user's language

    @property
    def text(self) -> str:
        return str(self.reason)

    def __str__(self) -> str:
        where = f"row {self.row}"
        if self.column:
            where += f", column {self.column}" + (f" ({self.heading})" if self.heading else "")
        return f"{where}: {self.text}"


@dataclass(frozen=True)
class Preview:
    sheet: Sheet
    kind: str
    mapping: dict[str, str]  # column header -> field ("" for a column left out)
    shown: list[dict[str, str]]  # the first rows, by field
    problems: list[Problem]
    entries: list[Entry] = field(default_factory=list)  # only when there is no problem

    @property
    def ready(self) -> bool:
        return not self.problems and bool(self.entries)


def letter(index: int) -> str:
    """A column's letter: 0 is A, 26 is AA."""
    text = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        text = chr(65 + rest) + text
    return text


_SYSTEM_FIELDS = ("fictional", "reply_key", "claim_candidates")  # the archive's own, not a sheet's


def fields_of(kind: str) -> tuple[str, ...]:
    """The fields a column can be mapped to (clear ones first)."""
    cls = record_type(kind)
    names = (*cls.clear_fields(), *cls.sealed_fields())
    return tuple(n for n in names if n not in _SYSTEM_FIELDS)


def read_sheet(name: str, data: bytes) -> Sheet:
    """The first sheet of a CSV, XLSX or ODS file, or InputError/ImportRejected saying why."""
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in FORMATS:
        raise SheetRejected(name, 0, CANNOT_TELL, hint=CANNOT_TELL_HINT)
    if not data:
        raise SheetRejected(name, 0, EMPTY, hint=EMPTY_HINT)
    if suffix == ".csv":
        grid, formulas = _csv_grid(name, data), frozenset[tuple[int, int]]()
    else:
        grid, formulas = _book_grid(name, data, suffix)
    return _sheet(name, grid, formulas)


def _sheet(name: str, grid: list[list[str]], formulas: frozenset[tuple[int, int]]) -> Sheet:
    start = next((n for n, cells in enumerate(grid) if any(c.strip() for c in cells)), None)
    if start is None:
        raise SheetRejected(name, 0, NO_ROWS_AT_ALL, hint=NO_ROWS_AT_ALL_HINT)
    header = tuple(cell.strip() for cell in grid[start])
    if len(header) > MAX_COLUMNS:
        raise SheetRejected(name, start + 1, TOO_MANY_COLUMNS, {"most": str(MAX_COLUMNS)})
    seen: dict[str, int] = {}
    for position, heading in enumerate(header):
        if heading and heading.casefold() in seen:
            raise SheetRejected(
                name,
                start + 1,
                TWICE,
                {
                    "heading": heading[:40],
                    "first": letter(seen[heading.casefold()]),
                    "second": letter(position),
                },
            )
        seen.setdefault(heading.casefold(), position)
    rows = tuple(
        (number + 1, tuple(cells))
        for number, cells in enumerate(grid[start + 1 :], start=start + 1)
        if any(c.strip() for c in cells)
    )
    if len(rows) > MAX_ROWS:
        raise SheetRejected(name, 0, TOO_MANY_ROWS, {"most": f"{MAX_ROWS:,}"}, hint=SPLIT_HINT)
    return Sheet(name, header, rows, formulas)


def _csv_grid(name: str, data: bytes) -> list[list[str]]:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise SheetRejected(name, 1, UTF16)
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _not_utf8(name, data, error.start) from None
    csv.field_size_limit(max(csv.field_size_limit(), MAX_FIELD_BYTES))
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    grid: list[list[str]] = []
    try:
        for cells in reader:
            if "\x00" in "".join(cells):
                raise SheetRejected(name, len(grid) + 1, NUL)
            grid.append(cells)
    except csv.Error as error:
        raise SheetRejected(name, len(grid) + 1, BAD_CSV, {"error": str(error)[:80]}) from None
    return grid


def _not_utf8(name: str, data: bytes, at: int) -> SheetRejected:
    """The row and column of the first byte that is not UTF-8, and what the file may be."""
    line_start = data.rfind(b"\n", 0, at) + 1
    row = data.count(b"\n", 0, at) + 1
    before = data[line_start:at].decode("utf-8", errors="replace")
    column = len(next(csv.reader([before]), [""])) - 1 if before else 0
    template = NOT_UTF8
    try:
        data.decode("cp1251")
        template = NOT_UTF8_1251
    except UnicodeDecodeError:
        pass
    return SheetRejected(
        name, row, template, {"column": letter(max(column, 0))}, hint=NOTHING_IMPORTED
    )


def _book_grid(
    name: str, data: bytes, suffix: str
) -> tuple[list[list[str]], frozenset[tuple[int, int]]]:
    import python_calamine

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        unpacked = 0  # calamine says what it is below
    if unpacked > MAX_UNPACKED:  # a "zip bomb": a small file that unpacks to gigabytes
        raise SheetRejected(name, 0, UNPACKS, {"mb": str(MAX_UNPACKED >> 20)}, hint=SAVE_HINT)
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        values = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
        formulas = _formula_cells(data, suffix)
    except (python_calamine.CalamineError, zipfile.BadZipFile, KeyError, ValueError, OSError):
        # calamine's, zipfile's and the XML parser's errors: none is the user's to read
        raise SheetRejected(
            name, 0, UNREADABLE, {"format": suffix[1:].upper()}, hint=UNREADABLE_HINT
        ) from None
    return [[_text(cell) for cell in row] for row in values], formulas


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


_CELL_REF = re.compile(r"([A-Z]+)([0-9]+)")
_X = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"


def _formula_cells(data: bytes, suffix: str) -> frozenset[tuple[int, int]]:
    """Where the first sheet holds formulas: calamine gives only their cached values."""
    from defusedxml import ElementTree

    with zipfile.ZipFile(io.BytesIO(data)) as book:
        if suffix == ".ods":
            cells = _ods_formulas(ElementTree.fromstring(book.read("content.xml")))
            return frozenset(itertools.islice(cells, MAX_FORMULAS))
        workbook = ElementTree.fromstring(book.read("xl/workbook.xml"))
        first = workbook.find(f"{_X}sheets/{_X}sheet")
        rels = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
        wanted = first.get(f"{_REL}id") if first is not None else None
        target = next(
            (r.get("Target", "") for r in rels if r.get("Id") == wanted), "worksheets/sheet1.xml"
        )
        path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        found: set[tuple[int, int]] = set()
        for cell in ElementTree.fromstring(book.read(path)).iter(f"{_X}c"):
            if cell.find(f"{_X}f") is not None and (ref := _CELL_REF.fullmatch(cell.get("r", ""))):
                column = 0
                for char in ref.group(1):
                    column = column * 26 + ord(char) - 64
                found.add((int(ref.group(2)), column - 1))
                if len(found) >= MAX_FORMULAS:
                    break
        return frozenset(found)


def _ods_formulas(content: Any) -> Iterator[tuple[int, int]]:
    table = next(content.iter(f"{_TABLE}table"), None)
    if table is None:
        return
    row = 0
    for element in table.iter(f"{_TABLE}table-row"):
        repeat = min(int(element.get(f"{_TABLE}number-rows-repeated", "1")), MAX_ROWS)
        column = 0
        for cell in element:
            span = min(int(cell.get(f"{_TABLE}number-columns-repeated", "1")), MAX_COLUMNS)
            if cell.get(f"{_TABLE}formula") is not None:
                for extra in range(min(repeat, MAX_FORMULAS // span + 1)):
                    yield from ((row + 1 + extra, column + n) for n in range(span))
            column += span
        row += repeat


def default_mapping(
    header: tuple[str, ...], kind: str, remembered: Mapping[str, str]
) -> dict[str, str]:
    """Each column's field: the remembered one, else the field it is named for, else none."""
    names = {n.casefold(): n for n in (*fields_of(kind), "type")}
    mapping: dict[str, str] = {}
    for heading in header:
        if not heading:
            continue
        kept = remembered.get(heading)
        if kept is not None and (kept == "" or kept.casefold() in names):
            mapping[heading] = kept
        else:
            mapping[heading] = names.get("_".join(heading.casefold().split()), "")
    return mapping


def preview(
    archive: Archive,
    sheet: Sheet,
    kind: str,
    mapping: Mapping[str, str],
    *,
    fictional: bool = False,
    progress: Callable[[int], None] | None = None,
) -> Preview:
    """Check every row of ``sheet`` as ``kind`` records under ``mapping`` (column -> field);
    writes nothing. The preview's problems name every row and column that would be refused;
    when there are none, its entries are what :func:`storing.store` takes."""
    if kind not in KINDS:
        raise InputError(
            f"{kind!r} cannot be imported from a spreadsheet",
            hint=f"Choose one of: {', '.join(KINDS)}.",
        )
    allowed = set(fields_of(kind))
    mapping = {h: f for h, f in mapping.items() if h in sheet.header}
    chosen: dict[str, str] = {}
    problems: list[Problem] = []
    for position, heading in enumerate(sheet.header):
        target = mapping.get(heading, "")
        if not target:
            continue
        if target not in allowed:
            problems.append(
                Problem(1, letter(position), heading, Phrase(NOT_A_FIELD, field=target[:40]))
            )
        elif target in chosen:
            problems.append(
                Problem(1, letter(position), heading, Phrase(CHOSEN_TWICE, field=target))
            )
        chosen[target] = heading
    if not chosen:
        problems.append(Problem(1, "", "", Phrase(NOTHING_MAPPED)))
    rows: list[ImportRow] = []
    shown: list[dict[str, str]] = []
    seen: dict[str, int] = {}
    for number, cells in sheet.rows:
        if progress:
            progress(1)
        data: dict[str, Any] = {}
        where: dict[str, tuple[str, str]] = {}
        bad = False
        for position, heading in enumerate(sheet.header):
            value = cells[position] if position < len(cells) else ""
            target = mapping.get(heading, "")
            if not target or target not in allowed:
                continue
            where[target] = (letter(position), heading)
            reason = _cell_problem(value, (number, position) in sheet.formulas)
            if reason:
                problems.append(Problem(number, letter(position), heading, reason))
                bad = True
                continue
            value = _unescaped(value).strip()
            if value:
                data[target] = value
        extra = [p for p in range(len(sheet.header), len(cells)) if cells[p].strip()]
        if extra:
            problems.append(Problem(number, letter(extra[0]), "", Phrase(NO_HEADER)))
            bad = True
        if len(shown) < SHOWN:
            shown.append({k: str(v) for k, v in data.items()})
        if bad or not data:
            continue
        data = {"type": kind, **data, **({"fictional": True} if fictional else {})}
        problem = _row_problems(number, data, where)
        if problem:
            problems += problem
            continue
        record_id = data.get("id")
        if record_id:
            if record_id in seen:
                column, heading = where["id"]
                problems.append(
                    Problem(
                        number,
                        column,
                        heading,
                        Phrase(ALSO_ON_ROW, id=record_id, row=seen[record_id]),
                    )
                )
                continue
            seen[record_id] = number
        rows.append(ImportRow(number, data))
    if not sheet.rows:
        problems.append(Problem(1, "", "", Phrase(NO_ROWS)))
    if not problems:
        try:  # the references, and ids taken already: read-only, clear ids only
            # as the locked store does: references may wait in the inbox only if a batch does
            waiting = archive.locked and bool(inbox.pending(archive))
            resolve_rows(archive, rows, sheet.name, inbox_waiting=waiting)
        except ImportRejected as refused:
            problems.append(Problem(refused.row, "", "", refused.reason_phrase))
    entries = [Entry(row.row, row.data, None) for row in rows] if not problems else []
    return Preview(sheet, kind, dict(mapping), shown, problems, entries)


def _cell_problem(value: str, formula: bool) -> Phrase | None:
    if formula:
        return Phrase(FORMULA_CELL)
    if value.startswith(FORMULA_START):
        return Phrase(FORMULA_TEXT, sign=value[0])
    if len(value.encode("utf-8", errors="replace")) > MAX_FIELD_BYTES:
        return Phrase(TOO_LARGE)
    return None


def _unescaped(value: str) -> str:
    """A cell written as ``'=…`` (so that no spreadsheet runs it) holds ``=…``."""
    if value.startswith("'") and value[1:2] in FORMULA_START and value[1:2]:
        return value[1:]
    return value


def _row_problems(
    number: int, data: dict[str, Any], where: Mapping[str, tuple[str, str]]
) -> list[Problem]:
    """Every field of the row a record refuses: the record is built again without each
    field it names, so one row's several problems are all listed at once."""
    cls = record_type(str(data["type"]))
    probe = dict(data)
    found: list[Problem] = []
    for _ in range(len(data) + 1):
        try:
            cls.from_dict({**probe, "id": probe.get("id") or f"{cls.PREFIX}-0"})
            return found
        except InputError as error:
            named = _FIELD_NAMED.search(error.message)
            name = next((g for g in named.groups() if g), "") if named else ""
            column, heading = where.get(name, ("", ""))
            if column and name in probe:
                found.append(Problem(number, column, heading, error.phrases[0]))
                del probe[name]
                continue
            if not any(p.text == error.message for p in found):
                found.append(Problem(number, "", "", error.phrases[0]))
            return found
    return found
