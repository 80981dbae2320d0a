"""Reading import files (CSV, JSON Lines) into validated record data.

A file is read and checked whole before anything is written: every row must
build a valid record, ids must be unique, evidence files must exist. The first
problem rejects the file with its row number and reason (:class:`ImportRejected`).

CSV: one row per record; the record type comes from a ``type`` column or the
caller's ``default_type``; list fields are separated by ``;``. JSON Lines: one
object per line with a ``type`` key. Evidence rows may name a ``file`` path,
relative to the import file. Rows without an ``id`` get one when stored.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bearwitness.domain.records import RECORD_TYPES, Evidence, record_type
from bearwitness.errors import ImportRejected, InputError

MAX_FIELD_BYTES = 1_000_000


@dataclass(frozen=True)
class ImportRow:
    """One validated row: the record's data (``id`` may be absent) and its evidence file."""

    row: int
    data: dict[str, Any]
    file: Path | None = None


def read_import(path: Path, *, default_type: str | None = None) -> list[ImportRow]:
    """Read and validate a whole import file, or raise ImportRejected naming the row."""
    if not path.is_file():
        raise InputError(f"no file at {path}", hint="Check the path and try again.")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        raw_rows = _csv_rows(path, default_type)
    elif suffix in (".jsonl", ".ndjson", ".json"):
        raw_rows = _jsonl_rows(path)
    else:
        raise InputError(
            f"{path.name}: cannot tell the format from the name",
            hint="Import .csv or .jsonl files.",
        )
    rows: list[ImportRow] = []
    seen: dict[str, int] = {}
    for number, data in raw_rows:
        row = _validate(path, number, data)
        record_id = row.data.get("id")
        if record_id:
            if record_id in seen:
                raise ImportRejected(path.name, number,
                                     f"id {record_id} is also used on row {seen[record_id]}")
            seen[record_id] = number
        rows.append(row)
    if not rows:
        raise InputError(f"{path.name} holds no records", hint="Check that it has data rows.")
    return rows


def _csv_rows(path: Path, default_type: str | None) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            if not reader.fieldnames:
                raise InputError(f"{path.name} has no header row", hint="Add column names.")
            for number, row in enumerate(reader, start=2):  # row 1 is the header
                if None in row:
                    raise ImportRejected(path.name, number, "more cells than header columns")
                data: dict[str, Any] = {k.strip(): v for k, v in row.items() if v not in (None, "")}
                if "type" not in data:
                    if default_type is None:
                        raise ImportRejected(path.name, number, "no record type",)
                    data["type"] = default_type
                yield number, data
    except UnicodeDecodeError:
        raise InputError(f"{path.name} is not UTF-8 text", hint="Save it as UTF-8 CSV.") from None
    except csv.Error as error:
        raise InputError(f"{path.name} is not valid CSV: {error}", hint="Check quoting.") from None


def _jsonl_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise InputError(f"{path.name} is not UTF-8 text", hint="Save it as UTF-8.") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as error:
            raise ImportRejected(path.name, number, f"not valid JSON ({error.msg})") from None
        if not isinstance(data, dict):
            raise ImportRejected(path.name, number, "each line must be a JSON object")
        yield number, data


def _validate(path: Path, number: int, data: dict[str, Any]) -> ImportRow:
    kind = data.get("type")
    if kind not in RECORD_TYPES:
        raise ImportRejected(path.name, number,
                             f"unknown record type {kind!r} (use one of {', '.join(RECORD_TYPES)})")
    for key, value in data.items():
        if isinstance(value, str) and len(value.encode()) > MAX_FIELD_BYTES:
            raise ImportRejected(path.name, number, f"field {key!r} is larger than 1 MB")
    data = dict(data)
    file_name = data.pop("file", None)
    cls = record_type(str(kind))
    probe = dict(data)
    probe.setdefault("id", f"{cls.PREFIX}-0")  # validate rows whose id comes later
    try:
        cls.from_dict(probe)
    except InputError as error:
        raise ImportRejected(path.name, number, error.message) from None
    file: Path | None = None
    if file_name is not None:
        if cls is not Evidence:
            raise ImportRejected(path.name, number, "only evidence rows can name a file")
        file = (path.parent / str(file_name)).resolve()
        if not file.is_file():
            raise ImportRejected(path.name, number, f"evidence file {file_name!r} not found")
        data.setdefault("filename", file.name)
        data["sha256"] = sha256_file(file)
        data["size"] = file.stat().st_size
    return ImportRow(number, data, file)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
