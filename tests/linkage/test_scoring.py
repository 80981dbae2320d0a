from __future__ import annotations

import pandas as pd
import pytest

from bearwitness.linkage.scoring import score


def _clusters(assignment: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "record_key": list(assignment),
            "cluster_id": list(assignment.values()),
            "list": [k.split(":")[0] for k in assignment],
        }
    )


TRUTH = pd.Series({"a:1": 1, "b:1": 1, "c:1": 1, "a:2": 2, "b:2": 3})


def test_perfect_clustering() -> None:
    s = score(_clusters({"a:1": "x", "b:1": "x", "c:1": "x", "a:2": "y", "b:2": "z"}), TRUTH)
    assert (s.pairwise_f1, s.bcubed_f1, s.people_error) == (1.0, 1.0, 0.0)
    assert (s.history_errors["error"] == 0).all()


def test_known_answer_for_a_false_merge_and_a_missed_link() -> None:
    # c:1 split off its person, a:2 wrongly merged with b:2.
    s = score(_clusters({"a:1": "x", "b:1": "x", "c:1": "w", "a:2": "y", "b:2": "y"}), TRUTH)
    assert s.pairwise_precision == pytest.approx(1 / 2)  # pairs found: (a1,b1) ok, (a2,b2) wrong
    assert s.pairwise_recall == pytest.approx(1 / 3)  # true pairs: a1b1, a1c1, b1c1
    assert s.bcubed_precision == pytest.approx((1 + 1 + 1 + 0.5 + 0.5) / 5)
    assert s.bcubed_recall == pytest.approx((2 / 3 + 2 / 3 + 1 / 3 + 1 + 1) / 5)
    assert (s.true_people, s.found_people) == (3, 3)
    errors = s.history_errors.set_index("history")["error"].to_dict()
    # true: 111 (person 1), 100 (person 2), 010 (person 3); found: 110 twice, 001
    assert errors == {"001": 1, "010": -1, "100": -1, "110": 2, "111": -1}
