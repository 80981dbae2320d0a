"""Imports are all or nothing: a bad row rejects the file, names the row, changes nothing."""

from __future__ import annotations

import json
import os
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
        {
            "type": "evidence",
            "document_id": "D-0001",
            "file": "photo.jpg",
            "media_type": "image/jpeg",
        },
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
    second, _ = Archive.create(
        tmp_path / "second", passphrase="another passphrase here", kdf_params=kdf
    )  # type: ignore[arg-type]
    _import(second, tmp_path / "dump" / "records.jsonl")
    for record_id in ("P-0001", "P-0002"):
        assert reading.open_full(second, record_id) == reading.open_full(archive, record_id)
    second.close()


@pytest.mark.parametrize(
    ("content", "row", "reason"),
    [
        (CSV + "person,P-0009,Somebody,astronaut,male\n", 4, "astronaut"),
        (CSV + "person,P-0001,Twice,victim,male\n", 4, "also used on row 2"),
        ("type,id,shoe_size\nperson,P-0001,42\n", 2, "shoe_size"),
        ("type,id,date\nevent,E-0001,2019-02-30\n", 2, "no day 30"),
        ("type,id,victim_id\nact,A-0001,P-0404\n", 2, "P-0404"),
        ("type,id,file\nevidence,F-0001,missing.jpg\n", 2, "not found"),
        ("type,id\nperson,P-1,extra\n", 2, "more cells"),
    ],
)
def test_a_bad_row_rejects_the_whole_file(
    archive: Archive, tmp_path: Path, content: str, row: int, reason: str
) -> None:
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


def _rejected(path: Path, **options: object) -> ImportRejected:
    with pytest.raises(ImportRejected) as caught:
        read_import(path, **options)  # type: ignore[arg-type]
    return caught.value


# Issue 16, items 9 and 12: files that crashed the importer or were read wrongly.
@pytest.mark.parametrize(
    ("name", "content", "row", "says"),
    [
        ("sup.csv", "type,id,victims\nevent,E-1,²\n".encode(), 2, "'victims'"),
        ("big.csv", b"type,id,victims\nevent,E-1," + b"5" * 5000 + b"\n", 2, "too large"),
        ("size.csv", "type,id,size,file\nevidence,F-1,²,photo.jpg\n".encode(), 2, "'size'"),
        (
            "deep.jsonl",
            b'{"type": "person"}\n{"type": "person", "notes": ' + b"[" * 100_000 + b"\n",
            2,
            "nested too deeply",
        ),
        (
            "huge.jsonl",
            b'{"type": "evidence", "file": "photo.jpg", "size": ' + b"9" * 5000 + b"}\n",
            1,
            "more than 20 digits",
        ),
        ("nan.jsonl", b'{"type": "person", "notes": NaN}\n', 1, "NaN"),
        ("inf.jsonl", b'{"type": "person", "notes": 1e999}\n', 1, "too large"),
        ("list.jsonl", b'{"type": ["person"]}\n', 1, "unknown record type"),
        ("surrogate.jsonl", b'{"type": "person", "full_name": "\\ud800"}\n', 1, "surrogate"),
        ("key.jsonl", b'{"type": "person", "\\udfff": "x"}\n', 1, "surrogate"),
        ("quote.csv", b'type,full_name\nperson,"FICTIONAL Truncated\n', 2, "not valid CSV"),
        ("stray.csv", b'type,full_name\nperson,"FICTIONAL" Stray\n', 2, "not valid CSV"),
        ("twice.csv", b"type,id,full_name,full_name\nperson,P-1,A,B\n", 1, "appears twice"),
        ("spaced.csv", b"type,id, id\nperson,P-1,P-2\n", 1, "appears twice"),
        ("twice.jsonl", b'{"type": "person", "id": "P-1", "id": "P-2"}\n', 1, "appears twice"),
        ("nul.csv", b"type,full_name\nperson,FICTIONAL\x00Nul\n", 2, "NUL"),
        ("nul.jsonl", b'{"type": "person", "full_name": "x\\u0000"}\n', 1, "NUL"),
        ("negative.csv", b"type,id,size,file\nevidence,F-1,-5,photo.jpg\n", 2, "'size'"),
        ("utf16.csv", "type,full_name\nperson,FICTIONAL\n".encode("utf-16-le"), 1, "UTF-16"),
        ("utf16bom.csv", "type,full_name\nperson,FICTIONAL\n".encode("utf-16"), 1, "UTF-16"),
        (
            "latin1.csv",
            "type,full_name\nperson,FICTIONAL\nperson,Mu\xf1oz\n".encode("latin-1"),
            3,
            "UTF-8",
        ),
        ("unnamed.csv", b"type,,full_name\nperson,x,FICTIONAL\n", 2, "column 2"),
        ("object.jsonl", b'{"type": "person", "notes": {"a": 1}}\n', 1, "JSON object"),
        ("bigfield.csv", b"type,notes\nperson," + b"x" * 1_000_001 + b"\n", 2, "larger than 1 MB"),
    ],
)
def test_odd_files_are_refused_with_their_row(
    tmp_path: Path, name: str, content: bytes, row: int, says: str
) -> None:
    (tmp_path / "photo.jpg").write_bytes(b"FICTIONAL photo")
    (tmp_path / name).write_bytes(content)
    refused = _rejected(tmp_path / name)
    assert refused.row == row and says in refused.reason
    assert len(refused.message) < 300


def test_unicode_line_separators_stay_inside_their_field(tmp_path: Path) -> None:
    """splitlines() also splits on U+2028 and U+0085, which JSON strings may hold."""
    lines = [
        {"type": "person", "full_name": "FICTIONAL\u2028One\x85Two"},
        {"type": "person", "full_name": "FICTIONAL Three"},
    ]
    path = tmp_path / "people.jsonl"
    path.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\r\n")
    rows = read_import(path)
    assert [row.row for row in rows] == [1, 2]
    assert rows[0].data["full_name"] == "FICTIONAL\u2028One\x85Two"


def test_a_900_kb_field_is_taken(tmp_path: Path) -> None:
    """The csv module caps fields at 128 KiB; the documented limit is 1 MB."""
    path = tmp_path / "long.csv"
    path.write_text("type,notes\nperson," + "x" * 900_000 + "\n")
    assert len(read_import(path)[0].data["notes"]) == 900_000


def test_a_row_of_empty_cells_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "sheet.csv"
    path.write_text("type,full_name\nperson,FICTIONAL\n,\n\n")
    assert [row.row for row in read_import(path)] == [2]


def test_many_unknown_columns_give_a_short_message(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    names = [f"c{n}" for n in range(100_000)]
    path.write_text("type," + ",".join(names) + "\nperson," + ",".join("x" * len(names)) + "\n")
    refused = _rejected(path)
    assert "100000 unknown person fields: c0, c1, c2, c3, c4, … (99,995 more)" in refused.message
    assert len(refused.diagnostics()) < 1_000


def test_evidence_rows_need_their_file(tmp_path: Path) -> None:
    """Issue 16, item 11: a file-less evidence record can never verify."""
    path = tmp_path / "evidence.csv"
    path.write_text("type,id,filename,media_type\nevidence,F-0001,scan.pdf,application/pdf\n")
    refused = _rejected(path)
    assert refused.row == 2 and "needs a file" in refused.reason


def test_evidence_files_must_lie_in_the_import_folder(tmp_path: Path) -> None:
    """Issue 16, item 13: /etc/passwd and /proc/self/environ were sealed into an archive."""
    folder = tmp_path / "import"
    (folder / "photos").mkdir(parents=True)
    (folder / "photos" / "one.jpg").write_bytes(b"FICTIONAL one")
    (tmp_path / "secret.txt").write_bytes(b"FICTIONAL secret")
    (folder / "inside.jpg").symlink_to(folder / "photos" / "one.jpg")
    (folder / "outside.jpg").symlink_to(tmp_path / "secret.txt")
    (folder / "proc").symlink_to("/proc/self")
    os.mkfifo(folder / "pipe.jpg")
    path = folder / "evidence.csv"
    for name, says in [
        ("/etc/passwd", "absolute path"),
        ("/proc/self/environ", "absolute path"),
        ("../secret.txt", "outside"),
        ("photos/../../secret.txt", "outside"),
        ("outside.jpg", "outside"),
        ("proc/environ", "outside"),
        ("pipe.jpg", "not a regular file"),
        ("photos", "not a regular file"),
        ("nothing.jpg", "not found"),
    ]:
        path.write_text(f"type,file\nevidence,{name}\n")
        refused = _rejected(path)
        assert refused.row == 2 and says in refused.reason, (name, refused.reason)
    path.write_text("type,file\nevidence,photos/one.jpg\nevidence,inside.jpg\n")
    rows = read_import(path)
    assert [row.file for row in rows] == [(folder / "photos" / "one.jpg").resolve()] * 2
    assert rows[0].data["size"] == len(b"FICTIONAL one")


def test_a_files_folder_given_explicitly(tmp_path: Path) -> None:
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "one.jpg").write_bytes(b"FICTIONAL one")
    (tmp_path / "lists").mkdir()
    path = tmp_path / "lists" / "evidence.csv"
    path.write_text("type,file\nevidence,one.jpg\n")
    assert "not found" in _rejected(path).reason
    assert read_import(path, files=tmp_path / "media")[0].data["filename"] == "one.jpg"
    path.write_text("type,file\nevidence,../lists/evidence.csv\n")
    assert "outside" in _rejected(path, files=tmp_path / "media").reason


def test_a_stated_hash_or_size_must_match_the_file(tmp_path: Path) -> None:
    (tmp_path / "one.jpg").write_bytes(b"FICTIONAL one")
    path = tmp_path / "evidence.csv"
    path.write_text("type,file,size\nevidence,one.jpg,999\n")
    assert "'size' does not match" in _rejected(path).reason
    path.write_text(f"type,file,size\nevidence,one.jpg,{len(b'FICTIONAL one')}\n")
    assert read_import(path)[0].data["size"] == len(b"FICTIONAL one")


def test_an_export_with_evidence_imports_again(
    archive: Archive, tmp_path: Path, kdf: object
) -> None:
    (tmp_path / "photo.jpg").write_bytes(b"FICTIONAL photo")
    (tmp_path / "in.csv").write_text("type,id,file\nevidence,F-0001,photo.jpg\n")
    _import(archive, tmp_path / "in.csv")
    exporting.export(archive, tmp_path / "dump")
    second, _ = Archive.create(
        tmp_path / "second", passphrase="another passphrase here", kdf_params=kdf
    )  # type: ignore[arg-type]
    _import(second, tmp_path / "dump" / "records.jsonl")
    assert reading.open_full(second, "F-0001") == reading.open_full(archive, "F-0001")
    assert (second.blobs / "F-0001.age").is_file()
    second.close()


def test_the_domain_declares_the_references_the_schema_enforces() -> None:
    import dataclasses

    from bearwitness.domain.records import RECORD_TYPES
    from bearwitness.store.schema import REFERENCES

    for cls in RECORD_TYPES.values():
        for f in dataclasses.fields(cls):
            if f.name in REFERENCES:
                assert f.metadata["refers"] == REFERENCES[f.name], (cls.KIND, f.name)
