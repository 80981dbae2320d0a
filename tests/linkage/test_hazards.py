"""The namesake hazard: records that cannot be one person are never merged,
and the refused link keeps its reason for review."""

from __future__ import annotations

import pandas as pd

from bearwitness.linkage.clusters import clusters_and_refused
from bearwitness.linkage.engine import duckdb_api
from bearwitness.linkage.features import build_features
from bearwitness.linkage.hazards import Hazards
from bearwitness.linkage.linker import link, record_keys
from bearwitness.linkage.synthetic import SyntheticData

# FICTIONAL records: two brothers and a sister of one household (one surname,
# patronymic, village and raid), one of the brothers again in another list, and
# a sparse record of a third list that names only the surname.
FAMILY = pd.DataFrame(
    [
        ("memorial", "1", "Хасанов Ислам Мусаевич", "1990", "", "12.03.2019", "м"),
        ("memorial", "2", "Хасанов Рамзан Мусаевич", "1991", "", "12.03.2019", "м"),
        ("memorial", "3", "Хасанова Зарема Мусаевна", "1993", "", "12.03.2019", ""),
        ("network", "1", "Islam Khasanov", "", "29", "12.03.2019", "male"),
        ("network", "2", "Ramzan Khasanov", "", "60", "12.03.2019", "male"),
        ("network", "3", "Khasanov Islam Isaevich", "1990", "", "12.03.2019", ""),
        ("network", "4", "Islam Khasanov", "1991", "", "12.03.2019", ""),
        ("press", "1", "Хасанов", "", "", "12.03.2019", ""),
    ],
    columns=["list", "record_id", "full_name", "birth", "age", "event_date", "sex"],
).assign(residence="Шали", note="FICTIONAL")


def _hazards() -> tuple[Hazards, dict[str, int]]:
    table = build_features(FAMILY).table
    return Hazards(table), {key: i for i, key in enumerate(record_keys(table))}


def test_siblings_and_namesakes_are_ruled_out_with_a_reason() -> None:
    hazards, at = _hazards()
    # Brothers: different given names (two families the tables know).
    assert hazards.reason(at["memorial:1"], at["memorial:2"]) == "given"
    # Brother and sister: the surname and patronymic endings say so.
    assert hazards.reason(at["memorial:1"], at["memorial:3"]) == "sex"
    # A namesake cousin: the same name, another father.
    assert hazards.reason(at["memorial:1"], at["network:3"]) == "father"
    # An age of 60 at the raid cannot be a man born in 1991.
    assert hazards.reason(at["memorial:2"], at["network:2"]) == "birth"


def test_one_person_across_lists_is_not_ruled_out() -> None:
    hazards, at = _hazards()
    # An age of 29 at the raid of 2019: born 1989-1990; a year of birth one off.
    assert hazards.reason(at["memorial:1"], at["network:1"]) == ""
    assert hazards.reason(at["memorial:1"], at["network:4"]) == ""


def test_a_chain_through_a_sparse_record_is_split_and_the_reason_kept() -> None:
    table = build_features(FAMILY).table
    records = pd.DataFrame({"record_key": record_keys(table), "list": table["list"]})
    # The model joins one brother to the sparse record, and that record to the
    # other brother (aged 60 in this list): the sparse record breaks no rule
    # with either, but the two brothers cannot be one person.
    pairs = pd.DataFrame(
        {
            "left_id": ["memorial:1", "network:2", "memorial:1"],
            "right_id": ["press:1", "press:1", "network:1"],
            "probability": [0.99, 0.97, 0.96],
            "decision": ["", "", ""],
        }
    )
    clusters, refused = clusters_and_refused(records, pairs, 0.5, hazards=Hazards(table))
    cluster = clusters.set_index("record_key")["cluster_id"]
    assert cluster["memorial:1"] == cluster["press:1"] == cluster["network:1"]
    assert cluster["network:2"] != cluster["memorial:1"]
    # The refused link, and the two records behind it: not the pair itself.
    assert refused[["left_id", "right_id", "reason", "between"]].values.tolist() == [
        ["network:2", "press:1", "birth", "network:2 / memorial:1"]
    ]
    # An analyst's accept overrides the rule.
    pairs.loc[1, "decision"] = "accept"
    clusters, refused = clusters_and_refused(records, pairs, 0.5, hazards=Hazards(table))
    cluster = clusters.set_index("record_key")["cluster_id"]
    assert cluster["network:2"] == cluster["memorial:1"]


def test_impossible_ages_split_with_a_reason() -> None:
    table = build_features(FAMILY).table
    records = pd.DataFrame({"record_key": record_keys(table), "list": table["list"]})
    pairs = pd.DataFrame(
        {
            "left_id": ["memorial:2"],
            "right_id": ["network:2"],
            "probability": [0.95],
            "decision": [""],
        }
    )
    clusters, refused = clusters_and_refused(records, pairs, 0.5, hazards=Hazards(table))
    assert clusters["cluster_id"].nunique() == len(records)
    assert refused["reason"].tolist() == ["birth"]
    assert refused["between"].tolist() == ["memorial:2 / network:2"]


def test_the_linker_does_not_merge_a_brother(synthetic: SyntheticData) -> None:
    records = synthetic.records
    # A person recorded in Cyrillic with a patronymic, a birth date and a raid date.
    chosen = records[
        (records["list"] == "memorial_ru")
        & records["full_name"].str.count(" ").eq(2)
        & (records["birth"] != "")
        & (records["event_date"] != "")
    ].iloc[0]
    surname, _, patronymic = chosen["full_name"].split(" ")
    brother = chosen.copy()
    brother["record_id"] = "BROTHER"
    brother["full_name"] = f"{surname} ЗЕЛИМХАН {patronymic}"
    day, month, year = chosen["birth"].split(".")
    brother["birth"] = f"{day}.{month}.{int(year) + 6}"
    result = link(
        build_features(pd.concat([records, brother.to_frame().T], ignore_index=True)),
        duckdb_api(),
    )
    cluster = result.records.set_index("record_key")["cluster_id"]
    own = cluster[f"memorial_ru:{chosen['record_id']}"]
    assert cluster["memorial_ru:BROTHER"] != own
