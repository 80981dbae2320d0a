from __future__ import annotations

import pandas as pd

from bearwitness.linkage.clusters import cluster_ids

RECORDS = pd.DataFrame(
    {"record_key": ["a:1", "b:1", "a:2", "c:1", "a:3"], "list": ["a", "b", "a", "c", "a"]}
)


def _pairs(rows: list[tuple[str, str, float]], decision: str = "") -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["left_id", "right_id", "probability"]).assign(
        decision=decision
    )


def _clusters(pairs: pd.DataFrame, **options: bool) -> dict[str, str]:
    out = cluster_ids(RECORDS, pairs, 0.5, **options)
    return dict(zip(out["record_key"], out["cluster_id"], strict=True))


def test_a_sparse_record_does_not_chain_two_people_of_one_list() -> None:
    # b:1 (a sparse record) matches both a:1 and a:2, two people of list a.
    pairs = _pairs([("a:1", "b:1", 0.9), ("a:2", "b:1", 0.8)])
    clusters = _clusters(pairs)
    assert clusters["a:1"] == clusters["b:1"] != clusters["a:2"]
    chained = _clusters(pairs, constrained=False)
    assert chained["a:1"] == chained["a:2"]  # what plain components would do


def test_a_lists_own_duplicates_still_join() -> None:
    clusters = _clusters(_pairs([("a:1", "a:3", 0.95), ("a:1", "b:1", 0.9)]))
    assert clusters["a:1"] == clusters["a:3"] == clusters["b:1"]


def test_accepted_pairs_join_whatever_the_lists() -> None:
    pairs = pd.concat(
        [_pairs([("a:1", "b:1", 0.9)]), _pairs([("a:2", "b:1", 1.0)], decision="accept")]
    )
    clusters = _clusters(pairs)
    assert clusters["a:2"] == clusters["b:1"]


def test_link_probability_and_stable_ids() -> None:
    out = cluster_ids(
        RECORDS, _pairs([("a:1", "b:1", 0.9), ("b:1", "c:1", 0.6), ("a:2", "c:1", 0.4)]), 0.5
    ).set_index("record_key")
    assert out.loc["c:1", "cluster_id"] == "a:1"
    assert out.loc["b:1", "link_probability"] == 0.9
    assert out.loc["c:1", "link_probability"] == 0.6
    assert pd.isna(out.loc["a:2", "link_probability"])
