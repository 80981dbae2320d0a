"""Any bytes given to `import` are taken, or refused naming a row; locked or not, the same.

Issue 16, items 9 and 10: odd files crashed the importer with a traceback, and
files a locked archive acknowledged were then refused by an unlocked one. Here
every generated file goes through the locked intake and the unlocked write,
and the two must agree (the inbox is emptied between examples, so the locked
check cannot defer a reference to a waiting batch).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bearwitness.domain.records import RECORD_TYPES
from bearwitness.errors import ImportRejected, InputError
from bearwitness.intake.importers import ImportRow, read_import
from bearwitness.services import inbox, writing
from bearwitness.services.archive import Archive

KINDS = [*RECORD_TYPES, "spaceship"]
TRICKY = [
    "",
    " ",
    "²",
    "٤٠",
    "5" * 30,
    "-5",
    "9007199254740991",
    "9007199254740992",
    "0",
    "P-0001",
    "E-0001",
    "D-0001",
    "F-0001",
    "P-../x",
    "P-<b>",
    "P-1\x00",
    "E-1;E-<2>",
    "\x00",
    "\u2028",
    "\x85",
    "\ufeff",
    '"',
    ",",
    ";",
    "\n",
    "\r",
    "~40",
    ">=2",
    "10-20",
    "more than 9007199254740991",
    "2018-12",
    "2019-02-30",
    "٢٠١٨",
    "torture",
    "victim",
    "male",
    "true",
    "photo.jpg",
    "../photo.jpg",
    "../outside.jpg",
    "/etc/passwd",
    "nothing.jpg",
    "x" * 250,
    "FICTIONAL Магомед",
    "\x1b[31m",
]
ODD = st.one_of(st.sampled_from(TRICKY), st.text(max_size=8))
FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _good(kind: str, name: str) -> st.SearchStrategy[object]:
    """Values a field of this kind accepts, mostly, so that rows get as far as a write."""
    f = next(f for f in dataclasses.fields(RECORD_TYPES[kind]) if f.name == name)
    if name == "id":
        prefix = RECORD_TYPES[kind].PREFIX
        return st.builds(lambda n: f"{prefix}-{n:04d}", st.integers(1, 40))
    if f.metadata.get("refers"):
        prefix = RECORD_TYPES[f.metadata["refers"]].PREFIX
        return st.builds(lambda n: f"{prefix}-{n:04d}", st.integers(1, 40))
    if f.metadata.get("vocabulary") is not None:
        return st.sampled_from(f.metadata["vocabulary"].codes)
    return st.sampled_from(
        {
            "date": ["2018-12", "~2019", "2018-12..2019-02"],
            "received": ["2020"],
            "captured": ["2020-01-02"],
            "victims": ["40", "~40", "at least 2"],
            "count": ["10-20"],
            "size": ["0", "12"],
            "fictional": ["true", "no"],
        }.get(name, ["FICTIONAL text", "Argun", "image/jpeg"])
    )


@st.composite
def rows(draw: st.DrawFn) -> list[dict[str, object]]:
    found = []
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        kind = draw(st.sampled_from(list(RECORD_TYPES)))
        names = [
            f.name
            for f in dataclasses.fields(RECORD_TYPES[kind])
            if f.name not in ("sha256", "size")
        ]  # sha256, size: the file's own
        data: dict[str, object] = {"type": draw(st.sampled_from([kind] * 200 + KINDS))}
        for name in draw(st.lists(st.sampled_from(names), max_size=4, unique=True)):
            odd = draw(st.integers(0, 7)) == 0
            data[name] = draw(ODD if odd else _good(kind, name))
        if kind == "evidence" or draw(st.integers(0, 29)) == 0:
            data["file"] = draw(st.sampled_from(["photo.jpg"] * 60 + TRICKY))
        found.append(data)
    return found


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    found = draw(rows())
    header = draw(st.permutations(sorted({name for data in found for name in data})))
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(header)
    for data in found:
        writer.writerow([str(data.get(name, "")) for name in header])
    return _mangle(draw, out.getvalue().encode("utf-8", "surrogatepass"))


@st.composite
def jsonl_files(draw: st.DrawFn) -> bytes:
    odd = st.one_of(
        st.integers(min_value=-(10**25), max_value=10**25),
        st.booleans(),
        st.floats(allow_nan=True, allow_infinity=True),
        st.none(),
        st.lists(ODD, max_size=3),
        st.just("\ud800"),
        st.dictionaries(st.sampled_from(["a", "type"]), ODD, max_size=2),
    )
    lines = []
    for data in draw(rows()):
        if draw(st.integers(0, 3)) == 0:
            data[draw(st.sampled_from(sorted(data)))] = draw(odd)
        lines.append(json.dumps(data, ensure_ascii=draw(st.booleans())))
    return _mangle(draw, "\n".join(lines).encode("utf-8", "surrogatepass"))


def _mangle(draw: st.DrawFn, content: bytes) -> bytes:
    """Sometimes cut the file short, or put a stray byte into it."""
    choice = draw(st.sampled_from(["keep"] * 14 + ["cut", "byte"]))
    if choice == "cut":
        return content[: draw(st.integers(min_value=0, max_value=len(content)))]
    if choice == "byte":
        where = draw(st.integers(min_value=0, max_value=len(content)))
        return content[:where] + bytes([draw(st.integers(0, 255))]) + content[where:]
    return content


def _locked_and_unlocked_agree(
    archive: Archive, locked: Archive, path: Path, content: bytes
) -> None:
    path.write_bytes(content)
    try:
        rows = read_import(path)
    except ImportRejected as error:
        assert 1 <= error.row <= content.count(b"\n") + 1, error.message
        return
    except InputError as error:  # the one refusal without a row: there is none to name
        assert "holds no records" in error.message
        return
    taken_locked = _outcome(lambda: inbox.submit(locked, rows, path.name, "import"), rows)
    for leftover in archive.inbox.iterdir():  # nothing may wait, so nothing is deferred
        shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink()

    def write() -> None:
        records = writing.resolve_rows(archive, rows, path.name)
        files = {r.id: row.file for row, r in zip(rows, records, strict=True) if row.file}
        writing.write_records(archive, records, files, operation="import")

    assert _outcome(write, rows) == taken_locked


def _outcome(action: object, rows: list[ImportRow]) -> str:
    try:
        action()  # type: ignore[operator]
    except ImportRejected as error:
        assert 1 <= error.row <= max(row.row for row in rows), error.message
        return f"rejected: {error.reason}"
    return "taken"


@pytest.fixture
def import_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "import"
    folder.mkdir()
    (folder / "photo.jpg").write_bytes(b"\xff\xd8 FICTIONAL photo")
    (tmp_path / "outside.jpg").write_bytes(b"FICTIONAL outside")
    return folder


@FUZZ
@given(content=csv_files())
def test_csv_files(archive: Archive, import_folder: Path, content: bytes) -> None:
    locked = Archive.open(archive.folder)
    try:
        _locked_and_unlocked_agree(archive, locked, import_folder / "fuzz.csv", content)
    finally:
        locked.close()


@FUZZ
@given(content=jsonl_files())
def test_jsonl_files(archive: Archive, import_folder: Path, content: bytes) -> None:
    locked = Archive.open(archive.folder)
    try:
        _locked_and_unlocked_agree(archive, locked, import_folder / "fuzz.jsonl", content)
    finally:
        locked.close()


@FUZZ
@given(content=st.binary(max_size=200), suffix=st.sampled_from([".csv", ".jsonl"]))
def test_any_bytes(archive: Archive, import_folder: Path, content: bytes, suffix: str) -> None:
    locked = Archive.open(archive.folder)
    try:
        _locked_and_unlocked_agree(archive, locked, import_folder / f"fuzz{suffix}", content)
    finally:
        locked.close()
