"""Imports are all or nothing: a bad row rejects the file, names the row, changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bearwitness.errors import ImportRejected, InputError
from bearwitness.intake.importers import read_import
from bearwitness.services import exporting, reading, writing
from bearwitness.services.archive import Archive
from bearwitness.services.status import summarise

CSV = """type,id,full_name,role,sex
person,P-0001,Магомед Хасанов,victim,male
person,,Ибрагим Умаров,victim,male
"""


def _import(archive: Archive, path: Path) -> None:
    rows = read_import(path)
    records = writing.resolve_rows(archive, rows, path.name)
    files = {r.id: row.file for row, r in zip(rows, records, strict=True) if row.file}
    writing.write_records(archive, records, files, operation="import")


def test_csv_and_jsonl_import(archive: Archive, tmp_path: Path) -> None:
    (tmp_path / "people.csv").write_text(CSV, encoding="utf-8")
    _import(archive, tmp_path / "people.csv")
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    lines = [
        {"type": "event", "id": "E-0001", "date": "2018-12", "victims": "~40", "title": "wave"},
        {"type": "act", "event_id": "E-0001", "victim_id": "P-0002", "act_type": "torture"},
        {"type": "document", "id": "D-0001", "text": "testimony", "event_ids": ["E-0001"]},
        {"type": "evidence", "document_id": "D-0001", "file": "photo.jpg",
         "media_type": "image/jpeg"},
    ]
    (tmp_path / "more.jsonl").write_text("\n".join(json.dumps(x) for x in lines))
    _import(archive, tmp_path / "more.jsonl")
    assert reading.open_full(archive, "P-0002").full_name == "Ибрагим Умаров"  # type: ignore[attr-defined]
    assert reading.get(archive, "A-0001").fields["victim_id"] == "P-0002"
    evidence = reading.get(archive, "F-0001").fields
    assert evidence["size"] == len(b"\xff\xd8 not really a jpeg")
    assert (archive.blobs / "F-0001.age").is_file()


def test_export_then_import_round_trips(archive: Archive, tmp_path: Path, kdf: object) -> None:
    (tmp_path / "people.csv").write_text(CSV, encoding="utf-8")
    _import(archive, tmp_path / "people.csv")
    summary = exporting.export(archive, tmp_path / "dump")
    assert summary.records == 2
    second, _ = Archive.create(tmp_path / "second", passphrase="another passphrase here",
                               kdf_params=kdf)  # type: ignore[arg-type]
    _import(second, tmp_path / "dump" / "records.jsonl")
    for record_id in ("P-0001", "P-0002"):
        assert reading.open_full(second, record_id) == reading.open_full(archive, record_id)
    second.close()


@pytest.mark.parametrize(("content", "row", "reason"), [
    (CSV + "person,P-0009,Somebody,astronaut,male\n", 4, "astronaut"),
    (CSV + "person,P-0001,Twice,victim,male\n", 4, "also used on row 2"),
    ("type,id,shoe_size\nperson,P-0001,42\n", 2, "shoe_size"),
    ("type,id,date\nevent,E-0001,2019-02-30\n", 2, "no day 30"),
    ("type,id,victim_id\nact,A-0001,P-0404\n", 2, "P-0404"),
    ("type,id,file\nevidence,F-0001,missing.jpg\n", 2, "not found"),
    ("type,id\nperson,P-1,extra\n", 2, "more cells"),
])
def test_a_bad_row_rejects_the_whole_file(archive: Archive, tmp_path: Path, content: str,
                                          row: int, reason: str) -> None:
    before = summarise(archive)
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ImportRejected) as caught:
        _import(archive, path)
    assert caught.value.row == row
    assert reason in caught.value.message
    assert "Nothing was imported" in caught.value.diagnostics()
    assert summarise(archive) == before
    assert list(archive.blobs.iterdir()) == []


def test_unreadable_files_say_why(tmp_path: Path) -> None:
    (tmp_path / "latin1.csv").write_bytes("type,full_name\nperson,Mu\xf1oz\n".encode("latin-1"))
    (tmp_path / "data.xlsx").write_bytes(b"PK")
    (tmp_path / "broken.jsonl").write_text('{"type": "person"\n')
    with pytest.raises(InputError, match="UTF-8"):
        read_import(tmp_path / "latin1.csv")
    with pytest.raises(InputError, match="format"):
        read_import(tmp_path / "data.xlsx")
    with pytest.raises(ImportRejected, match="row 1"):
        read_import(tmp_path / "broken.jsonl")
