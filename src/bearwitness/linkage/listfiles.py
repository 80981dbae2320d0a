"""Lists outside an archive: CSV files from partner organisations and the
columns file (TOML) that says which column holds what.

    [lists.partner_a]            # for partner_a.csv
    record_id = "ID"
    full_name = "ФИО"
    birth = "Год рождения"
    event_date = "Дата задержания"
    reference_date = "2019-06"   # optional: when the list was compiled (anchors ages)

Any role may be absent. A file with no table, a role this tool does not know,
or a column missing from a file rejects the whole run before anything is read.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from bearwitness.errors import ImportRejected, InputError
from bearwitness.linkage.features import ROLES


@dataclass(frozen=True)
class ListColumns:
    name: str
    roles: dict[str, str] = field(default_factory=dict)  # role -> column name
    reference_date: str = ""


def read_columns(path: Path) -> dict[str, ListColumns]:
    """The columns file: one table per list, named by the file's stem."""
    try:
        parsed = tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise InputError(
            f"Cannot read the columns file {path.name}: {type(error).__name__}.",
            hint="It must be a UTF-8 TOML file with a [lists.NAME] table per list.",
        ) from error
    tables = parsed.get("lists")
    if not isinstance(tables, dict) or not tables:
        raise InputError(
            f"The columns file {path.name} has no [lists.NAME] tables.",
            hint="Add one table per list, named by the CSV file's stem.",
        )
    out = {}
    for name, table in tables.items():
        if not isinstance(table, dict):
            raise InputError(f"[lists.{name}] must be a table.", hint="See docs/linkage.md.")
        unknown = set(table) - set(ROLES) - {"record_id", "reference_date"}
        if unknown:
            raise InputError(
                f"[lists.{name}] names unknown role(s): {', '.join(sorted(unknown))}.",
                hint=f"Roles are record_id, {', '.join(ROLES)} and reference_date.",
            )
        reference = str(table.get("reference_date", ""))
        roles = {role: str(column) for role, column in table.items() if role != "reference_date"}
        out[name] = ListColumns(name, roles, reference)
    return out


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(
            f"{path.name} is not UTF-8 text.", hint="Save it as CSV in UTF-8 and run again."
        ) from error
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise InputError(
            f"Cannot read {path.name} as CSV: {type(error).__name__}.",
            hint="Check that it is a comma-separated file with a header row.",
        ) from error


def read_lists(paths: list[Path], columns: dict[str, ListColumns]) -> pd.DataFrame:
    """All lists as one frame: ``list``, ``record_id``, role columns, ``reference_date``."""
    names = [path.stem for path in paths]
    if len(set(names)) != len(names):
        raise InputError("Two list files share a name.", hint="Give every list file its own name.")
    missing = [name for name in names if name not in columns]
    if missing:
        raise InputError(
            f"The columns file has no table for {', '.join(missing)}.",
            hint="Add a [lists.NAME] table for every file, NAME being its stem.",
        )
    frames = []
    for path in paths:
        spec = columns[path.stem]
        raw = _read_csv(path)
        absent = [c for c in spec.roles.values() if c not in raw.columns]
        if absent:
            raise InputError(
                f"{path.name} has no column(s) {', '.join(absent)}.",
                hint="Fix the column names in the columns file.",
            )
        frame = pd.DataFrame({role: raw[column] for role, column in spec.roles.items()})
        if "record_id" in frame:
            empty = frame.index[frame["record_id"].str.strip() == ""]
            if len(empty):
                raise ImportRejected(path.name, int(empty[0]) + 2, "empty record id")
            repeated = frame.index[frame["record_id"].duplicated()]
            if len(repeated):
                raise ImportRejected(path.name, int(repeated[0]) + 2, "record id used twice")
        else:
            # Row numbers as in a spreadsheet: the header is row 1.
            frame["record_id"] = [str(i + 2) for i in range(len(frame))]
        frame["list"] = path.stem
        frame["reference_date"] = spec.reference_date
        frames.append(frame)
    return pd.concat(frames, ignore_index=True).fillna("")
