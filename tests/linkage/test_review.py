from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest

from bearwitness.errors import InputError
from bearwitness.linkage.review import (
    ClusterEdit,
    Decision,
    apply_edit,
    current_decisions,
    decide,
    edit_as_decisions,
    empty_log,
    review_queue,
    side_by_side,
)

NOW = datetime(2024, 5, 1, tzinfo=UTC)
PAIRS = pd.DataFrame(
    {
        "left_id": ["a:1", "a:2", "a:3", "a:4", "a:5"],
        "right_id": ["b:1", "b:2", "b:3", "b:4", "b:5"],
        "probability": [0.99, 0.55, 0.30, 0.48, 0.01],
    }
)


def test_queue_is_closest_to_the_threshold_first() -> None:
    queue = review_queue(PAIRS, threshold=0.5)
    assert queue["left_id"].tolist() == ["a:4", "a:2", "a:3"]


def test_decisions_are_logged_reversible_and_leave_the_queue() -> None:
    log = decide(empty_log(), Decision("b:2", "a:2", "accept", "same passport photo", "ana", NOW))
    assert review_queue(PAIRS, 0.5, log)["left_id"].tolist() == ["a:4", "a:3"]
    log = decide(log, Decision("a:2", "b:2", "undo", "wrong pair clicked", "ana", NOW))
    assert len(log) == 2  # nothing rewritten
    assert current_decisions(log).empty
    assert review_queue(PAIRS, 0.5, log)["left_id"].tolist() == ["a:4", "a:2", "a:3"]


def test_latest_decision_wins() -> None:
    log = decide(empty_log(), Decision("a:1", "b:1", "accept", "r1", "ana", NOW))
    log = decide(log, Decision("a:1", "b:1", "reject", "r2", "ben", NOW))
    assert current_decisions(log)["decision"].tolist() == ["reject"]


def test_a_decision_needs_a_reason_and_a_known_verdict() -> None:
    with pytest.raises(InputError):
        Decision("a:1", "b:1", "accept", " ", "ana", NOW)
    with pytest.raises(InputError):
        Decision("a:1", "b:1", "maybe", "why", "ana", NOW)


def test_side_by_side_shows_both_records() -> None:
    records = pd.DataFrame(
        {"surname": ["Хасанов", "Khasanov"], "birth": ["1990", ""], "empty": ["", ""]},
        index=["a:1", "b:1"],
    )
    view = side_by_side(records, "a:1", "b:1")
    assert view.loc["surname"].tolist() == ["Хасанов", "Khasanov"]
    assert "empty" not in view.index


CLUSTERS = pd.DataFrame(
    {
        "record_key": ["a:1", "b:1", "c:1", "a:2"],
        "cluster_id": ["a:1", "a:1", "a:1", "a:2"],
        "link_probability": [0.9, 0.9, 0.6, None],
    }
)


def test_split_and_merge_by_hand() -> None:
    split = apply_edit(CLUSTERS, ClusterEdit("split", ("c:1",), "different birth year", "ana", NOW))
    assert split.set_index("record_key")["cluster_id"].to_dict() == {
        "a:1": "a:1",
        "b:1": "a:1",
        "c:1": "c:1",
        "a:2": "a:2",
    }
    merged = apply_edit(split, ClusterEdit("merge", ("c:1", "a:2"), "same person", "ana", NOW))
    assert merged.set_index("record_key").loc[["c:1", "a:2"], "cluster_id"].nunique() == 1
    assert CLUSTERS["cluster_id"].tolist() == ["a:1", "a:1", "a:1", "a:2"]  # input unchanged


def test_edits_become_decisions_for_the_next_run() -> None:
    split = edit_as_decisions(CLUSTERS, ClusterEdit("split", ("c:1",), "why", "ana", NOW))
    assert {(d.left_id, d.right_id, d.decision) for d in split} == {
        ("c:1", "a:1", "reject"),
        ("c:1", "b:1", "reject"),
    }
    merge = edit_as_decisions(CLUSTERS, ClusterEdit("merge", ("a:1", "a:2"), "why", "ana", NOW))
    assert [(d.left_id, d.right_id, d.decision) for d in merge] == [("a:1", "a:2", "accept")]


def test_edit_of_unknown_records_is_refused() -> None:
    with pytest.raises(InputError):
        apply_edit(CLUSTERS, ClusterEdit("split", ("z:9",), "why", "ana", NOW))


def test_refused_links_come_first_with_their_reason() -> None:
    refused = pd.DataFrame(
        {
            "left_id": ["b:5"],
            "right_id": ["a:5"],
            "probability": [0.97],
            "reason": ["birth"],
            "between": ["a:5 / b:5"],
        }
    )
    queue = review_queue(PAIRS, 0.5, refused=refused)
    assert queue["left_id"].tolist() == ["a:5", "a:4", "a:2", "a:3"]
    assert queue["reason"].tolist() == ["birth", "", "", ""]
    log = decide(empty_log(), Decision("a:5", "b:5", "reject", "two brothers", "ana", NOW))
    assert review_queue(PAIRS, 0.5, log, refused=refused)["left_id"].tolist()[0] == "a:4"
