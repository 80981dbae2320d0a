from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bearwitness.errors import InputError
from bearwitness.estimate.histories import (
    ALL,
    histories_from_clusters,
    histories_from_patterns,
    histories_from_table,
    read_histories_csv,
)

LISTS = ["A", "B", "C"]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "h.csv"
    path.write_text(text)
    return path


def test_reads_counts_and_aggregates_repeated_patterns(tmp_path: Path) -> None:
    path = write(tmp_path, "A,B,C,count\n1,0,0,5\n0,1,0,4\n1,1,0,2\n1,0,0,1\n0,1,1,3\n0,0,0,0\n")
    h = read_histories_csv(path)[ALL]
    assert h.lists == ("A", "B", "C")
    assert h.pattern_counts() == {"010": 4, "011": 3, "100": 6, "110": 2}
    assert h.n_observed == 15
    assert h.list_sizes() == {"A": 8, "B": 9, "C": 3}


def test_reads_one_row_per_person(tmp_path: Path) -> None:
    path = write(tmp_path, "A,B,C\n1,0,0\n1,1,0\n0,1,1\n1,1,0\n")
    assert read_histories_csv(path)[ALL].pattern_counts() == {"011": 1, "100": 1, "110": 2}


def test_splits_strata(tmp_path: Path) -> None:
    path = write(
        tmp_path, "A,B,C,year,count\n1,1,0,2019,3\n0,1,1,2019,2\n1,0,1,2019,1\n1,1,1,2020,4\n"
    )
    strata = read_histories_csv(path, strata=["year"])
    assert set(strata) == {"2019", "2020"}
    assert strata["2020"].n_observed == 4
    assert strata["2019"].lists == ("A", "B", "C")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("A,B,count\n1,1,3\n1,0,2\n", "needs at least 3"),
        ("A,B,C,count\n1,2,0,3\n", "0 or 1"),
        ("A,B,C,count\n1,1,0,-3\n", "whole number"),
        ("A,B,C,count\n1,1,0,2.5\n", "whole number"),
        ("A,B,C,count\n0,0,0,7\n1,1,0,1\n", "seen on no list"),
        ("A,B,C,count\n1,1,0,3\n0,0,1,4\n", "shares nobody"),
        ("A,B,C,count\n1,1,0,3\n", "records nobody"),
        ("A,B,C,count\n", "no rows"),
    ],
)
def test_rejects_bad_tables(tmp_path: Path, text: str, fragment: str) -> None:
    with pytest.raises(InputError, match=fragment):
        read_histories_csv(write(tmp_path, text))


def test_rejects_empty_stratum(tmp_path: Path) -> None:
    text = "A,B,C,year,count\n1,1,1,2019,3\n1,1,0,2020,0\n0,1,1,2020,0\n"
    with pytest.raises(InputError, match="Nobody was recorded in stratum '2020'"):
        read_histories_csv(write(tmp_path, text), strata=["year"])


def test_rejects_missing_file_and_unknown_stratum(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="No file"):
        read_histories_csv(tmp_path / "absent.csv")
    with pytest.raises(InputError, match="stratum column"):
        read_histories_csv(write(tmp_path, "A,B,C\n1,1,1\n"), strata=["year"])


def test_full_table_orders_cells_as_binary() -> None:
    h = histories_from_patterns({"110": 2, "011": 3, "101": 4}, LISTS)
    table = h.full_table()
    assert table[0b110] == 2 and table[0b011] == 3 and table[0b101] == 4
    assert table[0] == 0 and table.sum() == 9


def test_histories_from_clusters() -> None:
    records = pd.DataFrame(
        {
            "record_id": [1, 2, 3, 4, 5, 6, 7],
            "list": ["A", "B", "B", "C", "A", "A", "C"],
            "cluster_id": [10, 10, 11, 11, 12, 12, 13],
            "region": ["n", "n", "s", "s", "n", "n", "s"],
        }
    )
    h = histories_from_clusters(records, lists=LISTS)[ALL]
    # Person 12 is on list A twice: still one person on A.
    assert h.pattern_counts() == {"110": 1, "011": 1, "100": 1, "001": 1}
    # Split by region, list C has nobody in the north: refused, naming the stratum.
    with pytest.raises(InputError, match="List 'C' records nobody in stratum 'n'"):
        histories_from_clusters(records, lists=LISTS, strata=["region"])


def test_histories_from_clusters_rejects_person_in_two_strata() -> None:
    records = pd.DataFrame(
        {
            "record_id": [1, 2, 3],
            "list": ["A", "B", "C"],
            "cluster_id": [1, 1, 2],
            "region": ["n", "s", "s"],
        }
    )
    with pytest.raises(InputError, match="different strata"):
        histories_from_clusters(records, lists=LISTS, strata=["region"])


@settings(max_examples=40, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "0001",
                "0010",
                "0100",
                "1000",
                "0011",
                "0101",
                "1001",
                "0110",
                "1010",
                "1100",
                "0111",
                "1011",
                "1101",
                "1110",
                "1111",
            ]
        ),
        st.integers(min_value=1, max_value=10_000),
        min_size=1,
    )
)
def test_round_trip_through_rows_and_counts(patterns: dict[str, int]) -> None:
    lists = ["L1", "L2", "L3", "L4"]
    try:
        h = histories_from_patterns(patterns, lists)
    except InputError:
        return  # some random tables are rightly refused (a list overlapping nothing)
    rows = [[int(ch) for ch in key] + [count] for key, count in patterns.items()]
    frame = pd.DataFrame(rows, columns=[*lists, "count"]).sample(frac=1.0, random_state=0)
    again = histories_from_table(frame)[ALL]
    assert again.pattern_counts() == patterns
    assert np.array_equal(again.full_table(), h.full_table())
