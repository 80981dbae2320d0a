from __future__ import annotations

import pandas as pd

from bearwitness.linkage.counting import (
    capture_histories,
    estimation_pairs,
    estimation_records,
    persons,
)
from bearwitness.linkage.features import Features
from bearwitness.linkage.linker import LinkResult
from bearwitness.linkage.synthetic import SyntheticData


def _true_clusters(synthetic: SyntheticData, linked: LinkResult) -> pd.DataFrame:
    clusters = linked.records.copy()
    clusters["cluster_id"] = clusters["record_key"].map(synthetic.truth).astype(str)
    return clusters


def test_histories_of_the_true_clustering_match_the_truth(
    synthetic: SyntheticData, features: Features, linked: LinkResult
) -> None:
    lists = sorted(synthetic.records["list"].unique())
    histories = capture_histories(_true_clusters(synthetic, linked), features, lists)
    assert list(histories.columns) == [*lists, "count"]
    assert histories["count"].sum() == synthetic.truth.nunique()
    on_all = histories[(histories[lists] == 1).all(axis=1)]["count"].sum()
    truth = synthetic.records.assign(
        person=(synthetic.records["list"] + ":" + synthetic.records["record_id"]).map(
            synthetic.truth
        )
    )
    expected = (truth.groupby("person")["list"].nunique() == len(lists)).sum()
    assert on_all == expected


def test_histories_by_strata_and_chosen_lists(features: Features, linked: LinkResult) -> None:
    histories = capture_histories(
        linked.records, features, ["memorial_ru", "network_en"], ("period", "place")
    )
    assert list(histories.columns) == ["memorial_ru", "network_en", "period", "place", "count"]
    assert set(histories["period"]) <= {"2016", "2017", "2018", "2019", "2020", "unknown"}
    chosen = linked.records[linked.records["list"].isin(["memorial_ru", "network_en"])]
    assert histories["count"].sum() == chosen["cluster_id"].nunique()


def test_frames_for_the_estimators(features: Features, linked: LinkResult) -> None:
    records = estimation_records(linked.records, features, ("period",))
    assert list(records.columns) == ["record_id", "list", "period"]
    assert records["record_id"].is_unique
    pairs = estimation_pairs(linked.pairs)
    assert list(pairs.columns) == ["left_id", "right_id", "probability"]
    assert set(pairs["left_id"]) <= set(records["record_id"])


def test_persons(linked: LinkResult) -> None:
    table = persons(linked.records)
    assert table["records"].sum() == len(linked.records)
