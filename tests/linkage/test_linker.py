"""Linkage on seeded synthetic lists with a known truth."""

from __future__ import annotations

import pandas as pd

from bearwitness.linkage.engine import duckdb_api
from bearwitness.linkage.features import Features
from bearwitness.linkage.linker import LinkOptions, LinkResult, link
from bearwitness.linkage.scoring import score
from bearwitness.linkage.synthetic import SyntheticData


def test_links_synthetic_lists_well(synthetic: SyntheticData, linked: LinkResult) -> None:
    scores = score(linked.records, synthetic.truth)
    assert scores.pairwise_f1 >= 0.9
    assert scores.bcubed_f1 >= 0.95
    assert abs(scores.people_error) <= 0.05


def test_keeps_pairwise_probabilities(linked: LinkResult) -> None:
    pairs = linked.pairs
    assert {"left_id", "right_id", "probability"} <= set(pairs.columns)
    assert pairs["probability"].between(0, 1).all()
    assert (pairs["probability"] < 0.5).any() and (pairs["probability"] >= 0.5).any()
    assert (pairs["left_id"] < pairs["right_id"]).all()
    assert not pairs.duplicated(["left_id", "right_id"]).any()


def test_one_row_per_record(features: Features, linked: LinkResult) -> None:
    assert len(linked.records) == len(features.table)
    assert linked.records["record_key"].is_unique


def _cluster_of(result: LinkResult, key: str) -> str:
    return str(result.records.set_index("record_key").loc[key, "cluster_id"])


def test_review_decisions_change_the_next_run(features: Features, linked: LinkResult) -> None:
    linked_pair = linked.pairs[linked.pairs["probability"] > 0.9].iloc[0]
    unlinked_pair = linked.pairs[linked.pairs["probability"] < 0.2].iloc[0]
    assert _cluster_of(linked, linked_pair.left_id) == _cluster_of(linked, linked_pair.right_id)
    assert _cluster_of(linked, unlinked_pair.left_id) != _cluster_of(linked, unlinked_pair.right_id)
    decisions = pd.DataFrame(
        [
            {
                "left_id": linked_pair.left_id,
                "right_id": linked_pair.right_id,
                "decision": "reject",
            },
            {
                "left_id": unlinked_pair.right_id,
                "right_id": unlinked_pair.left_id,
                "decision": "accept",
            },
        ]
    )
    again = link(features, duckdb_api(), decisions=decisions, options=LinkOptions())
    pairs = again.pairs.set_index(["left_id", "right_id"])
    assert pairs.loc[(linked_pair.left_id, linked_pair.right_id), "probability"] == 0.0
    assert pairs.loc[(unlinked_pair.left_id, unlinked_pair.right_id), "probability"] == 1.0
    assert _cluster_of(again, unlinked_pair.left_id) == _cluster_of(again, unlinked_pair.right_id)


def test_same_seed_same_result(features: Features, linked: LinkResult) -> None:
    again = link(features, duckdb_api())
    assert again.records["cluster_id"].tolist() == linked.records["cluster_id"].tolist()
