"""Spreadsheets in and tables out: every row's problem named before anything is written, the
same store as the CLI's import, formula cells refused in and neutralised out. FICTIONAL data."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile

import openpyxl
import pytest

from bearwitness.errors import ConsentRefused, ImportRejected, InputError, LockedError
from bearwitness.services import (
    audit,
    column_maps,
    exporting,
    inbox,
    listing,
    reading,
    spreadsheets,
    storing,
    tables,
    verification,
)
from bearwitness.services.archive import Archive
from bearwitness.tlog.entry import parse_entry
from bearwitness.tlog.tiles import TileLog

PEOPLE = (
    "Name,Role,Sex,Note\n"
    "Fictional Zarema Isaeva,victim,female,FICTIONAL\n"
    "Fictional Ruslan Bekov,astronaut,male,FICTIONAL\n"
    "Fictional Adam Dudayev,victim,male,=cmd|' /C calc'!A0\n"
    "Fictional Aslan Tagirov,witness,alien,'+7 FICTIONAL\n"
)
MAPPING = {"Name": "full_name", "Role": "role", "Sex": "sex", "Note": "notes"}


def _ods(rows: list[list[str]], formula_at: tuple[int, int] | None = None) -> bytes:
    """A minimal OpenDocument spreadsheet (what LibreOffice reads and writes)."""
    cells = []
    for r, row in enumerate(rows):
        parts = []
        for c, value in enumerate(row):
            formula = ' table:formula="of:=1+1"' if formula_at == (r, c) else ""
            parts.append(
                f'<table:table-cell office:value-type="string"{formula}><text:p>{value}'
                "</text:p></table:table-cell>"
            )
        cells.append(f"<table:table-row>{''.join(parts)}</table:table-row>")
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="Sheet1">'
        f"{''.join(cells)}</table:table></office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:version="1.2" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as book:
        book.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        book.writestr("content.xml", content)
        book.writestr("META-INF/manifest.xml", manifest)
    return out.getvalue()


def _xlsx(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _people(archive: Archive) -> list[str]:
    return [view.id for view in reading.list_records(archive, "person")]


def test_every_bad_row_is_named_with_its_column_and_nothing_is_written(archive: Archive) -> None:
    sheet = spreadsheets.read_sheet("people.csv", PEOPLE.encode())
    found = spreadsheets.preview(archive, sheet, "person", MAPPING)
    where = {(p.row, p.column) for p in found.problems}
    assert where == {(3, "B"), (4, "D"), (5, "C")}  # every row, not only the first
    text = " | ".join(map(str, found.problems))
    assert "row 3, column B (Role)" in text and "astronaut" in text
    assert "row 4, column D (Note)" in text and "formula" in text
    assert "row 5, column C (Sex)" in text
    assert not found.ready and found.entries == []
    assert found.shown[0]["full_name"] == "Fictional Zarema Isaeva"
    assert _people(archive) == []


def test_a_fixed_sheet_imports_through_the_clis_store_and_unescapes_apostrophes(
    archive: Archive,
) -> None:
    fixed = PEOPLE.replace("astronaut", "victim").replace("alien", "male")
    fixed = fixed.replace("=cmd|' /C calc'!A0", "FICTIONAL")
    found = spreadsheets.preview(
        archive, spreadsheets.read_sheet("people.csv", fixed.encode()), "person", MAPPING
    )
    assert found.problems == [] and found.ready
    result = storing.store(archive, found.entries, "people.csv", "import")
    assert result.count == 4 and not result.sealed
    assert len(_people(archive)) == 4
    fourth = reading.open_full(archive, "P-0004")
    assert fourth.notes == "+7 FICTIONAL"  # type: ignore[attr-defined]


def test_xlsx_and_ods_formula_cells_are_refused_by_row_and_column(archive: Archive) -> None:
    header = ["full_name", "role"]
    xlsx = _xlsx([header, ["Fictional One", "victim"], ["Fictional Two", "=1+1"]])
    found = spreadsheets.preview(
        archive,
        spreadsheets.read_sheet("p.xlsx", xlsx),
        "person",
        {"full_name": "full_name", "role": "role"},
    )
    assert [(p.row, p.column) for p in found.problems] == [(3, "B")]
    assert "formula" in found.problems[0].text
    ods = _ods([header, ["Fictional One", "victim"], ["Fictional Two", "2"]], formula_at=(2, 1))
    found = spreadsheets.preview(
        archive,
        spreadsheets.read_sheet("p.ods", ods),
        "person",
        {"full_name": "full_name", "role": "role"},
    )
    assert [(p.row, p.column) for p in found.problems] == [(3, "B")]
    good = spreadsheets.read_sheet("p.ods", _ods([header, ["Fictional One", "victim"]]))
    assert good.header == ("full_name", "role") and good.rows == ((2, ("Fictional One", "victim")),)


def test_a_wrong_encoding_names_the_row_and_column(archive: Archive) -> None:
    data = "full_name,role\nFictional,victim\nFictional,Тагиров\n".encode("cp1251")
    with pytest.raises(ImportRejected) as refused:
        spreadsheets.read_sheet("people.csv", data)
    assert refused.value.row == 3 and "column B" in refused.value.reason
    assert "Windows-1251" in refused.value.reason
    with pytest.raises(InputError, match="cannot be read as XLSX"):
        spreadsheets.read_sheet("people.xlsx", b"not a zip at all")
    with pytest.raises(InputError, match="cannot tell the format"):
        spreadsheets.read_sheet("people.txt", b"x")


def test_locked_the_import_is_sealed_into_the_inbox(archive: Archive) -> None:
    locked = Archive.open(archive.folder)
    fixed = "full_name,role\nFictional Locked Person,victim\n"
    found = spreadsheets.preview(
        locked,
        spreadsheets.read_sheet("people.csv", fixed.encode()),
        "person",
        {"full_name": "full_name", "role": "role"},
    )
    result = storing.store(locked, found.entries, "people.csv", "import")
    assert result.sealed and inbox.pending(locked)
    assert b"Fictional Locked" not in b"".join(p.read_bytes() for p in locked.inbox.iterdir())
    locked.close()


def test_the_mapping_is_remembered_sealed_for_its_source(archive: Archive) -> None:
    column_maps.remember(archive, "S-0007", "person", MAPPING)
    assert column_maps.recall(archive, "S-0007", "person") == MAPPING
    assert column_maps.recall(archive, "S-0008", "person") == {}
    column_maps.remember(archive, "S-0007", "person", {"Name": "full_name"})
    assert column_maps.recall(archive, "S-0007", "person") == {"Name": "full_name"}
    with archive.engine.connect() as connection:
        raw = b"".join(
            bytes(r.sealed) for r in connection.execute(column_maps.column_maps.select())
        )
    assert b"S-0007" not in raw and b"full_name" not in raw
    with pytest.raises(InputError):
        column_maps.check_source("not a source")
    mapping = spreadsheets.default_mapping(("Name", "Role", "sex"), "person", {"Name": "full_name"})
    assert mapping == {"Name": "full_name", "Role": "role", "sex": "sex"}


def _filled(archive: Archive) -> None:
    rows = [
        {"type": "person", "full_name": "=HYPERLINK(1) FICTIONAL", "role": "victim", "sex": "male"},
        {"type": "person", "full_name": "Fictional Safe", "role": "witness", "sex": "female"},
        {"type": "person", "full_name": "Fictional Third", "role": "victim", "sex": "female"},
    ]
    storing.store(archive, [inbox.Entry(n, r, None) for n, r in enumerate(rows, 1)], "test")


def test_a_filtered_list_exports_clear_fields_by_default(archive: Archive) -> None:
    _filled(archive)
    query = listing.ListQuery("person", {"role": "victim"})
    table = tables.export_list(archive, query, "csv")
    assert table.sealed == () and table.rows == 2
    text = table.data.decode("utf-8-sig")
    assert "Fictional" not in text
    read = list(csv.DictReader(io.StringIO(text)))
    assert [r["id"] for r in read] == ["P-0001", "P-0003"]
    assert hashlib.sha256(table.data).hexdigest() == table.sha256
    assert audit.recent(archive.engine, action="export")


def test_a_sealed_export_asks_consent_is_logged_and_neutralises_formulas(
    archive: Archive,
) -> None:
    _filled(archive)
    size = TileLog(archive.folder / "log").size
    table = tables.export_list(
        archive, listing.ListQuery("person", {}), "xlsx", sealed=["full_name"]
    )
    sheet = openpyxl.load_workbook(io.BytesIO(table.data)).active
    assert sheet is not None
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    names = [row[values[0].index("full_name")] for row in values[1:]]
    assert names[0] == "'=HYPERLINK(1) FICTIONAL"
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    log = TileLog(archive.folder / "log")
    assert log.size == size + 1
    entry = parse_entry(log.read_entry(size))
    assert entry.kind == "export"
    # Without a consent that covers partner sharing the whole table is refused, naming whom.
    with pytest.raises(ConsentRefused, match="P-0002"):
        tables.export_list(
            archive,
            listing.ListQuery("person", {}),
            "csv",
            sealed=["full_name"],
            purpose="partner_sharing",
            partner="FICTIONAL partner",
        )
    assert TileLog(archive.folder / "log").size == size + 1  # nothing more was logged


def test_formula_text_is_neutralised_in_clear_tables() -> None:
    assert tables.neutral("=cmd|' /C calc'!A0") == "'=cmd|' /C calc'!A0"
    assert tables.neutral("+7") == "'+7" and tables.neutral("@x") == "'@x"
    assert tables.neutral("-1") == "'-1" and tables.neutral("plain") == "plain"
    assert tables.neutral(["a", "b"]) == "a; b" and tables.neutral(None) == ""


def test_sealed_fields_need_an_unlock(archive: Archive) -> None:
    _filled(archive)
    locked = Archive.open(archive.folder)
    with pytest.raises(LockedError):
        tables.export_list(locked, listing.ListQuery("person", {}), "csv", sealed=["full_name"])
    assert tables.export_list(locked, listing.ListQuery("person", {}), "csv").rows == 3
    locked.close()


def test_the_whole_archive_zips_in_memory_with_its_hash_logged(archive: Archive) -> None:
    _filled(archive)
    done: list[int] = []
    zipped = exporting.export_zip(archive, done.append)
    assert hashlib.sha256(zipped.data).hexdigest() == zipped.sha256
    with zipfile.ZipFile(io.BytesIO(zipped.data)) as bundle:
        names = set(bundle.namelist())
        assert {"records.jsonl", "history.jsonl", "manifest.json"} <= names
        lines = bundle.read("records.jsonl").decode().splitlines()
    assert len(lines) == 3 and json.loads(lines[0])["type"] == "person"
    assert sum(done) == 3
    log = TileLog(archive.folder / "log")
    assert parse_entry(log.read_entry(log.size - 1)).kind == "export"
    problems = verification.verify_archive(archive).problems
    assert [p for p in problems if "no log key yet" not in p] == []  # the log still verifies


def test_a_zip_bomb_is_refused_before_it_is_unpacked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spreadsheets, "MAX_UNPACKED", 4 << 20)  # the real limit is 512 MB
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("xl/worksheets/sheet1.xml", b"\0" * (5 << 20))
    assert len(out.getvalue()) < 100_000
    with pytest.raises(InputError, match="unpacks to more than"):
        spreadsheets.read_sheet("bomb.xlsx", out.getvalue())
