"""Reading import files (CSV, JSON Lines) into validated record data.

A file is read and checked whole before anything is written: every row must
build a valid record, ids must be unique, evidence files must exist. The first
problem rejects the file with its row number and reason (:class:`ImportRejected`).
Anything that could be read two ways is refused rather than guessed: a quote
left open, a column or key given twice, a NUL, text that is not UTF-8.

CSV: one row per record; the record type comes from a ``type`` column or the
caller's ``default_type``; list fields are separated by ``;``. JSON Lines: one
object per line with a ``type`` key. Evidence rows name their ``file``: a path
relative to the files folder (the import file's folder, unless the caller names
another), which must be a regular file inside it. Rows without an ``id`` get one
when stored. The format and its limits are in ``docs/import.md``.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import math
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from bearwitness.domain.messages import quoted
from bearwitness.domain.records import RECORD_TYPES, Evidence, record_type
from bearwitness.errors import ImportRejected, InputError

MAX_FIELD_BYTES = 1_000_000
_MAX_NUMBER_DIGITS = 20  # a JSON number longer than this is refused before int() reads it
_SYSTEM_FOLDERS = ("proc", "sys", "dev")  # never evidence, even under a --files folder


@dataclass(frozen=True)
class ImportRow:
    """One validated row: the record's data (``id`` may be absent) and its evidence file."""

    row: int
    data: dict[str, Any]
    file: Path | None = None


class _Refused(Exception):
    """One row's problem, found where its row number is not known yet."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def read_import(
    path: Path, *, default_type: str | None = None, files: Path | None = None
) -> list[ImportRow]:
    """Read and validate a whole import file, or raise ImportRejected naming the row.

    ``files``: the folder that evidence rows' ``file`` paths are relative to, and
    must stay inside; by default the import file's own folder.
    """
    if not path.is_file():
        raise InputError(f"no file at {path}", hint="Check the path and try again.")
    if files is not None and not files.is_dir():
        raise InputError(
            f"no folder at {files}", hint="--files names the folder of the evidence files."
        )
    folder = (files if files is not None else path.parent).resolve()
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".jsonl", ".ndjson", ".json"):
        raise InputError(
            f"{path.name}: cannot tell the format from the name",
            hint="Import .csv or .jsonl files.",
        )
    text = _text(path.name, path.read_bytes())
    raw_rows = (
        _csv_rows(path.name, text, default_type)
        if suffix == ".csv"
        else _jsonl_rows(path.name, text)
    )
    rows: list[ImportRow] = []
    seen: dict[str, int] = {}
    for number, data in raw_rows:
        try:
            row = _validate(folder, number, data)
        except _Refused as refused:
            raise ImportRejected(path.name, number, refused.reason) from None
        record_id = row.data.get("id")
        if record_id:
            if record_id in seen:
                raise ImportRejected(
                    path.name, number, f"id {record_id} is also used on row {seen[record_id]}"
                )
            seen[record_id] = number
        rows.append(row)
    if not rows:
        raise InputError(f"{path.name} holds no records", hint="Check that it has data rows.")
    return rows


def _text(name: str, raw: bytes) -> str:
    """The file as text: UTF-8, with or without a byte-order mark, and nothing else."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ImportRejected(
            name, 1, "the file is UTF-16 (or UTF-32) text, not UTF-8; save it as UTF-8"
        )
    raw = raw.removeprefix(codecs.BOM_UTF8)
    first_line = raw.split(b"\n", 1)[0]
    if b"\x00" in first_line:  # "t\0y\0p\0e\0" is valid UTF-8, so look for the NULs
        raise ImportRejected(
            name,
            1,
            "the first line holds NUL bytes: the file looks like "
            "UTF-16 without a byte-order mark; save it as UTF-8",
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise ImportRejected(
            name,
            line,
            f"line {line} is not UTF-8 text (byte "
            f"0x{raw[error.start]:02x}); save the file as UTF-8",
        ) from None


def _csv_rows(
    name: str, text: str, default_type: str | None
) -> Iterator[tuple[int, dict[str, Any]]]:
    # csv caps a field at 128 KiB by default, below the documented 1 MB (which the
    # byte check in _validate enforces). The cap is in characters, and process-wide.
    csv.field_size_limit(max(csv.field_size_limit(), MAX_FIELD_BYTES))
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    number = 0  # the last row read; row 1 is the header; rows count records, as a spreadsheet does
    try:
        header = [column.strip() for column in next(reader, [])]
        number = 1
        if not any(header):
            raise ImportRejected(name, 1, "the file has no header row; add column names")
        _check_header(name, header)
        for number, cells in enumerate(reader, start=2):
            if len(cells) > len(header):
                raise ImportRejected(
                    name, number, f"more cells than header columns ({len(cells)} and {len(header)})"
                )
            data: dict[str, Any] = {}
            for position, (column, value) in enumerate(zip(header, cells, strict=False), 1):
                if value == "":
                    continue
                if not column:
                    raise ImportRejected(
                        name, number, f"column {position} has a value but no name in the header"
                    )
                data[column] = value
            if not data:  # a blank line, or a row of empty cells
                continue
            if "type" not in data:
                if default_type is None:
                    raise ImportRejected(
                        name, number, "no record type: add a type column or give --type"
                    )
                data["type"] = default_type
            yield number, data
    except csv.Error as error:  # on the row after the last one read
        reason = (
            "a field is larger than 1 MB"
            if "field limit" in str(error)
            else f"not valid CSV ({error}); check the quoting"
        )
        raise ImportRejected(name, number + 1, reason) from None


def _check_header(name: str, header: list[str]) -> None:
    first: dict[str, int] = {}
    for position, column in enumerate(header, start=1):
        if column and column in first:
            raise ImportRejected(
                name, 1, f"column {column!r} appears twice (columns {first[column]} and {position})"
            )
        first.setdefault(column, position)


def _jsonl_rows(name: str, text: str) -> Iterator[tuple[int, dict[str, Any]]]:
    # Only "\n" ends a line: JSON text cannot hold a raw newline inside a string, but it
    # can hold U+2028 or U+0085, where str.splitlines() would also split.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip(" \t\r"):
            continue
        try:
            data = json.loads(
                line,
                object_pairs_hook=_unique_keys,
                parse_int=_whole,
                parse_float=_finite,
                parse_constant=_no_constant,
            )
        except json.JSONDecodeError as error:
            raise ImportRejected(
                name, number, f"not valid JSON ({error.msg} at column {error.colno})"
            ) from None
        except RecursionError:
            raise ImportRejected(name, number, "the JSON is nested too deeply") from None
        except _Refused as refused:
            raise ImportRejected(name, number, refused.reason) from None
        if not isinstance(data, dict):
            raise ImportRejected(name, number, "each line must be a JSON object")
        yield number, data


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key, value in pairs:  # json.loads would keep the last of two, silently
        if key in data:
            raise _Refused(f"key {quoted(key)} appears twice in one object")
        data[key] = value
    return data


def _whole(text: str) -> int:
    if len(text.lstrip("-")) > _MAX_NUMBER_DIGITS:
        raise _Refused(
            f"a number has more than {_MAX_NUMBER_DIGITS} digits; write it as text "
            "in quotes if it is not a count"
        )
    return int(text)


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise _Refused(f"the number {quoted(text, 20)} is too large")
    return number


def _no_constant(text: str) -> None:
    raise _Refused(f"{text} is not a JSON value")


def _validate(folder: Path, number: int, data: dict[str, Any]) -> ImportRow:
    for key, value in data.items():
        _check_value(key, value)
    kind = data.get("type")
    if not isinstance(kind, str) or kind not in RECORD_TYPES:
        raise _Refused(f"unknown record type {quoted(kind)} (use one of {', '.join(RECORD_TYPES)})")
    data = dict(data)
    file_name = data.pop("file", None)
    cls = record_type(kind)
    probe = dict(data)
    probe.setdefault("id", f"{cls.PREFIX}-0")  # validate rows whose id comes later
    try:
        cls.from_dict(probe)
    except InputError as error:
        raise _Refused(error.message) from None
    if cls is not Evidence:
        if file_name is not None:
            raise _Refused("only evidence rows can name a file")
        return ImportRow(number, data)
    if not isinstance(file_name, str) or not file_name:
        # Without its file an evidence record could never verify.
        raise _Refused(
            f"an evidence row needs a file: add a file column with a path relative to {folder}"
        )
    file, digest, size = _evidence_file(folder, file_name)
    for field, actual in (("sha256", digest), ("size", size)):
        if field in data and str(data[field]).strip().lower() != str(actual):
            raise _Refused(f"field {field!r} does not match the file {quoted(file_name)}")
    data.setdefault("filename", file.name)
    data.update(sha256=digest, size=size)
    return ImportRow(number, data, file)


def _check_value(key: str, value: Any) -> None:
    """Refuse what a record's checks could not even look at: bad Unicode, NUL, huge text."""
    for text in (key, *(value if isinstance(value, list) else (value,))):
        if not isinstance(text, str):
            continue
        try:
            size = len(text.encode("utf-8"))
        except UnicodeEncodeError:  # a lone surrogate, from a JSON \\ud800 escape
            raise _Refused(
                f"field {quoted(key)} holds invalid Unicode (a lone surrogate)"
            ) from None
        if "\x00" in text:
            raise _Refused(f"field {quoted(key)} holds a NUL character")
        if size > MAX_FIELD_BYTES:
            raise _Refused(f"field {quoted(key)} is larger than 1 MB")
    if isinstance(value, dict):
        raise _Refused(
            f"field {quoted(key)} holds a JSON object; give text, a number or a list of text"
        )


def _evidence_file(folder: Path, name: str) -> tuple[Path, str, int]:
    """The evidence file ``name`` names, its SHA-256 and size, or the reason it is refused.

    The file must be a regular file inside ``folder`` once every symbolic link is
    resolved: an import file must not be able to seal ``/etc/passwd`` or
    ``/proc/self/environ`` into an archive.
    """
    given = Path(name)
    if given.is_absolute():
        raise _Refused(
            f"evidence file {quoted(name)} is an absolute path; give a path relative to {folder}"
        )
    try:
        file = (folder / given).resolve(strict=True)
    except FileNotFoundError:
        raise _Refused(f"evidence file {quoted(name)} not found in {folder}") from None
    except (OSError, RuntimeError) as error:  # RuntimeError: a symbolic link loop
        raise _Refused(f"evidence file {quoted(name)} cannot be read ({error})") from None
    if not file.is_relative_to(folder) or file.parts[1] in _SYSTEM_FOLDERS:
        raise _Refused(
            f"evidence file {quoted(name)} lies outside {folder}; evidence files "
            "must be inside the import file's folder (or the --files folder)"
        )
    try:
        # O_NOFOLLOW and O_NONBLOCK: a file swapped for a link or a fifo since resolve()
        # is refused below instead of followed, or waited on for ever.
        handle = os.open(file, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        raise _Refused(f"evidence file {quoted(name)} cannot be read ({error.strerror})") from None
    status = os.fstat(handle)
    if not stat.S_ISREG(status.st_mode):
        os.close(handle)
        raise _Refused(f"evidence file {quoted(name)} is not a regular file")
    with os.fdopen(handle, "rb") as reader:
        return file, _sha256(reader), status.st_size


def sha256_file(path: Path) -> str:
    with path.open("rb") as handle:
        return _sha256(handle)


def _sha256(handle: BinaryIO) -> str:
    digest = hashlib.sha256()
    for block in iter(lambda: handle.read(1 << 20), b""):
        digest.update(block)
    return digest.hexdigest()
