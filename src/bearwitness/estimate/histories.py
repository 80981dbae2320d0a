"""Capture histories: for J lists, how many people were seen on each combination of lists.

A table is rejected whole when it cannot support an estimate (too few lists, an
empty stratum, a list that overlaps no other list); nothing is half-read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from bearwitness.errors import InputError

MIN_LISTS = 3
MAX_LISTS = 12
COUNT_COLUMN = "count"
# Label of the one stratum of an unstratified table.
ALL = "all"

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class CaptureHistories:
    """Counts of people per observed pattern of lists (one stratum).

    `patterns` is an (M, J) array of 0/1, one row per distinct observed
    pattern, never the all-zero pattern; `counts` holds M positive counts.
    """

    lists: tuple[str, ...]
    patterns: IntArray
    counts: IntArray
    stratum: str = ALL

    @property
    def n_lists(self) -> int:
        return len(self.lists)

    @property
    def n_observed(self) -> int:
        return int(self.counts.sum())

    def list_sizes(self) -> dict[str, int]:
        """How many people each list recorded."""
        sizes = (self.patterns * self.counts[:, None]).sum(axis=0)
        return {name: int(size) for name, size in zip(self.lists, sizes, strict=True)}

    def pattern_counts(self) -> dict[str, int]:
        """Counts keyed by pattern strings such as '0110' (lists in order)."""
        return {
            "".join(str(int(v)) for v in row): int(count)
            for row, count in zip(self.patterns, self.counts, strict=True)
        }

    def full_table(self) -> IntArray:
        """All 2^J cell counts, cell index = pattern read as binary (first list = top bit).

        The all-absent cell (index 0) is 0: it is what the estimators estimate.
        """
        j = self.n_lists
        weights = 1 << np.arange(j - 1, -1, -1)
        table = np.zeros(1 << j, dtype=np.int64)
        np.add.at(table, self.patterns @ weights, self.counts)
        return table


def histories_from_patterns(
    patterns: Mapping[str, int], lists: Sequence[str], stratum: str = ALL
) -> CaptureHistories:
    """Build histories from {'0110': count, ...} (the convention of the reference data)."""
    j = len(lists)
    rows: list[list[int]] = []
    counts: list[int] = []
    for key, count in patterns.items():
        if len(key) != j or set(key) - {"0", "1"}:
            raise InputError(
                f"Pattern {key!r} does not have one 0/1 character per list ({j} lists).",
                hint="Write each pattern as a string of 0 and 1, one character per list.",
            )
        rows.append([int(ch) for ch in key])
        counts.append(int(count))
    frame = pd.DataFrame(rows, columns=list(lists))
    frame[COUNT_COLUMN] = counts
    histories = histories_from_table(frame, lists=lists)[ALL]
    return replace(histories, stratum=stratum)


def histories_from_table(
    table: pd.DataFrame,
    lists: Sequence[str] | None = None,
    strata: Sequence[str] = (),
    count_column: str = COUNT_COLUMN,
) -> dict[str, CaptureHistories]:
    """Read a capture-history table: one 0/1 column per list and optionally `count`.

    Without a count column every row is one person. Returns one
    `CaptureHistories` per stratum (a single `ALL` entry when unstratified).
    """
    strata = list(strata)
    for column in strata:
        if column not in table.columns:
            raise InputError(
                f"The stratum column {column!r} is not in the table.",
                hint=f"Columns present: {', '.join(map(str, table.columns))}.",
            )
    if lists is None:
        lists = [str(c) for c in table.columns if c not in {count_column, *strata}]
    lists = list(lists)
    missing = [name for name in lists if name not in table.columns]
    if missing:
        raise InputError(
            f"List column(s) not in the table: {', '.join(missing)}.",
            hint="Name the lists exactly as the column headers are written.",
        )
    _check_list_count(len(lists))
    if table.empty:
        raise InputError("The table has no rows.", hint="Give at least one observed pattern.")

    marks = _read_marks(table, lists)
    if count_column in table.columns:
        counts = _read_counts(table[count_column])
    else:
        counts = np.ones(len(table), dtype=np.int64)

    seen_nowhere = (marks.sum(axis=1) == 0) & (counts > 0)
    if seen_nowhere.any():
        row = int(np.flatnonzero(seen_nowhere)[0]) + 2
        raise InputError(
            f"Row {row} counts people seen on no list; that cell cannot be observed.",
            hint="Remove rows whose list columns are all 0 (that is the number being estimated).",
        )

    keys = table[strata].astype(str).agg(" / ".join, axis=1) if strata else None
    labels = sorted(set(keys)) if keys is not None else [ALL]
    result: dict[str, CaptureHistories] = {}
    for label in labels:
        mask = np.ones(len(table), dtype=bool) if keys is None else (keys == label).to_numpy()
        result[label] = _aggregate(tuple(lists), marks[mask], counts[mask], label)
    return result


def read_histories_csv(
    path: Path, strata: Sequence[str] = (), lists: Sequence[str] | None = None
) -> dict[str, CaptureHistories]:
    """Read a capture-history CSV (see `histories_from_table`)."""
    try:
        table = pd.read_csv(path)
    except FileNotFoundError:
        raise InputError(
            f"No file at {path}.", hint="Check the path to the capture-history CSV."
        ) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise InputError(
            f"{path} is not a readable CSV file ({type(error).__name__}).",
            hint="Save the table as comma-separated values with a header row.",
        ) from None
    return histories_from_table(table, lists=lists, strata=strata)


def histories_from_clusters(
    records: pd.DataFrame,
    lists: Sequence[str] | None = None,
    strata: Sequence[str] = (),
    cluster_column: str = "cluster_id",
    list_column: str = "list",
    strict_strata: bool = True,
) -> dict[str, CaptureHistories]:
    """Capture histories from linked records: one row per record with its cluster (person).

    A person is on a list when any of their records is. A person's stratum is
    taken from their records; records of one person in different strata are
    rejected (the person would be counted in two places) unless `strict_strata`
    is False, when the stratum of the person's first record is used.
    """
    for column in (cluster_column, list_column, *strata):
        if column not in records.columns:
            raise InputError(
                f"The records table has no column {column!r}.",
                hint=f"Expected columns {cluster_column!r}, {list_column!r} and the strata.",
            )
    names = [str(v) for v in records[list_column].unique()]
    if lists is None:
        lists = sorted(names)
    lists = list(lists)
    unknown = sorted(set(names) - set(lists))
    if unknown:
        raise InputError(
            f"{len(unknown)} list name(s) in the records are not among the lists given.",
            hint="Pass every list name that appears in the records' list column.",
        )
    _check_list_count(len(lists))
    per_person = records.groupby(cluster_column, sort=True)
    if strata and strict_strata:
        spread = per_person[list(strata)].nunique(dropna=False).max(axis=1)
        if (spread > 1).any():
            raise InputError(
                f"{int((spread > 1).sum())} linked person(s) have records in different strata.",
                hint="Resolve the stratum of each person before estimating, or stratify less.",
            )
    marks = pd.crosstab(records[cluster_column], records[list_column]).reindex(
        columns=lists, fill_value=0
    )
    table = (marks > 0).astype(np.int64)
    if strata:
        first = per_person[list(strata)].first()
        table = table.join(first)
    return histories_from_table(table.reset_index(drop=True), lists=lists, strata=strata)


def _check_list_count(j: int) -> None:
    if j < MIN_LISTS:
        raise InputError(
            f"Only {j} list(s) given; multiple systems estimation needs at least {MIN_LISTS}.",
            hint="With two lists the estimate rests on an untestable independence assumption; "
            "add a third list or report the documented count as a lower bound.",
        )
    if j > MAX_LISTS:
        raise InputError(
            f"{j} lists given; at most {MAX_LISTS} are supported.",
            hint="Merge related lists (e.g. by source type) before estimating.",
        )


def _read_marks(table: pd.DataFrame, lists: Sequence[str]) -> IntArray:
    values = table[list(lists)]
    numeric = values.apply(pd.to_numeric, errors="coerce")
    bad = numeric.isna() | ~numeric.isin([0, 1])
    if bad.to_numpy().any():
        row, col = np.argwhere(bad.to_numpy())[0]
        raise InputError(
            f"Row {int(row) + 2}, column {lists[int(col)]!r}: a list column must hold 0 or 1.",
            hint="Write 1 when the person is on that list and 0 when not.",
        )
    marks: IntArray = numeric.to_numpy(dtype=np.int64)
    return marks


def _read_counts(column: pd.Series) -> IntArray:
    numeric = pd.to_numeric(column, errors="coerce")
    bad = numeric.isna() | (numeric < 0) | (numeric != numeric.round())
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0]) + 2
        raise InputError(
            f"Row {row}: the count must be a whole number of people, 0 or more.",
            hint="Fix the count column; leave it out entirely if each row is one person.",
        )
    counts: IntArray = numeric.to_numpy(dtype=np.int64)
    return counts


def _aggregate(
    lists: tuple[str, ...], marks: IntArray, counts: IntArray, stratum: str
) -> CaptureHistories:
    j = len(lists)
    weights = 1 << np.arange(j - 1, -1, -1)
    cells = np.zeros(1 << j, dtype=np.int64)
    np.add.at(cells, marks @ weights, counts)
    observed = np.flatnonzero(cells[1:] > 0) + 1
    patterns = ((observed[:, None] >> np.arange(j - 1, -1, -1)) & 1).astype(np.int64)
    histories = CaptureHistories(lists, patterns, cells[observed], stratum)
    validate(histories)
    return histories


def validate(histories: CaptureHistories) -> None:
    """Reject a table that cannot support an estimate, saying which part and why."""
    where = "" if histories.stratum == ALL else f" in stratum {histories.stratum!r}"
    _check_list_count(histories.n_lists)
    if histories.n_observed == 0:
        raise InputError(
            f"Nobody was recorded{where}.",
            hint="Drop the empty stratum or merge it with a neighbouring one.",
        )
    sizes = histories.list_sizes()
    for name, size in sizes.items():
        if size == 0:
            raise InputError(
                f"List {name!r} records nobody{where}.",
                hint="Leave that list out for this stratum, or merge strata.",
            )
    seen_elsewhere = histories.patterns.sum(axis=1) > 1
    for index, name in enumerate(histories.lists):
        on_list = histories.patterns[:, index] == 1
        if not (on_list & seen_elsewhere).any():
            raise InputError(
                f"List {name!r} shares nobody with any other list{where}.",
                hint="A list that overlaps nothing carries no information about the "
                "unrecorded; check the linkage, or leave that list out.",
            )
