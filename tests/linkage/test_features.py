from __future__ import annotations

import pandas as pd
import pytest

from bearwitness.errors import LinkageError
from bearwitness.linkage.features import build_features


def _records(**roles: str) -> pd.DataFrame:
    return pd.DataFrame([{"list": "a", "record_id": "1", **roles}])


def test_keys_from_a_full_name_and_free_text() -> None:
    table = build_features(
        _records(
            full_name="KHASANOV MAGOMED ISAEVICH",
            age="aged about 25",
            event_date="декабрь 2018",
            event_place="Аргун",
            event_type="задержан, избит",
        )
    ).table
    row = table.iloc[0]
    assert (row["surname_key"], row["given_key"], row["patronymic_key"]) == (
        "hasanov",
        "muhammad",
        "isa",
    )
    assert row["sex"] == "m"
    assert (row["birth_lo"], row["birth_hi"]) == (1990, 1995)
    assert row["event_place"] == "argun"
    assert row["event_types"] == ["arbitrary_detention", "torture"]


def test_every_unreadable_value_is_reported_with_its_row_and_role() -> None:
    features = build_features(
        pd.DataFrame(
            [
                {
                    "list": "a",
                    "record_id": "1",
                    "full_name": "Иван Петров",
                    "event_date": "когда-то",
                    "age": "old",
                    "sex": "?",
                    "event_type": "xyz",
                },
                {"list": "a", "record_id": "2", "full_name": "Anna Petrova", "birth": "1990"},
            ]
        )
    )
    problems = {(p.record_id, p.role) for p in features.problems}
    assert problems == {("1", "event_date"), ("1", "age"), ("1", "sex"), ("1", "event_type")}
    assert len(features.table) == 2  # the record stays, linked on what could be read
    assert all("когда" not in p.reason for p in features.problems)  # no values in reports


def test_age_without_a_date_is_reported_not_guessed() -> None:
    features = build_features(_records(full_name="Иван Петров", age="25"))
    assert [p.role for p in features.problems] == ["age"]
    assert pd.isna(features.table.iloc[0]["birth_lo"])
    anchored = build_features(_records(full_name="Иван Петров", age="25", reference_date="2019"))
    assert anchored.problems == ()
    assert anchored.table.iloc[0]["birth_lo"] == 1993


def test_duplicate_record_ids_are_refused() -> None:
    with pytest.raises(LinkageError):
        build_features(pd.DataFrame([{"list": "a", "record_id": "1"}] * 2))


def test_missing_id_columns_are_refused() -> None:
    with pytest.raises(LinkageError):
        build_features(pd.DataFrame([{"full_name": "x"}]))
