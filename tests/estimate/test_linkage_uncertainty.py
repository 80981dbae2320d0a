from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from bearwitness.errors import EstimationError, InputError
from bearwitness.estimate.estimation import Options
from bearwitness.estimate.histories import ALL, histories_from_clusters, histories_from_table
from bearwitness.estimate.lcmcr import LcmcrSettings
from bearwitness.estimate.linkage_uncertainty import estimate_with_linkage, sample_clusters
from bearwitness.estimate.simulation import simulate_captures

LISTS = ["ngo", "press", "lawyers", "hospital"]
SHORT = Options(lcmcr=LcmcrSettings(K=5, burnin=1_000, samples=200, thinning=10, chains=2))


def linked_population(seed: int) -> tuple[pd.DataFrame, list[tuple[int, int]]]:
    """FICTIONAL records: one per (person, list) they are on, and the true same-person pairs."""
    rng = np.random.default_rng(seed)
    marks = simulate_captures(rng, 800, [0.6, 0.4], [[0.4, 0.3, 0.35, 0.3], [0.15, 0.1, 0.2, 0.1]])
    marks = marks[marks.sum(axis=1) > 0]
    rows, true_pairs, next_id = [], [], 0
    for person, row in enumerate(marks):
        ids = []
        for j in np.flatnonzero(row):
            rows.append({"record_id": next_id, "list": LISTS[j], "person": person})
            ids.append(next_id)
            next_id += 1
        true_pairs += list(itertools.combinations(ids, 2))
    return pd.DataFrame(rows), true_pairs


def pairs_table(pairs: list[tuple[int, int]], probability: float) -> pd.DataFrame:
    return pd.DataFrame(
        [{"left_id": a, "right_id": b, "probability": probability} for a, b in pairs]
    )


def test_certain_pairs_rebuild_the_true_histories() -> None:
    records, true_pairs = linked_population(1)
    clusters = sample_clusters(records, pairs_table(true_pairs, 1.0), np.random.default_rng(0))
    rebuilt = histories_from_clusters(records.assign(cluster_id=clusters), lists=LISTS)[ALL]
    truth = histories_from_clusters(records.assign(cluster_id=records["person"]), lists=LISTS)
    assert rebuilt.pattern_counts() == truth[ALL].pattern_counts()


def test_threshold_linkage_without_randomness() -> None:
    records = pd.DataFrame({"record_id": ["a", "b", "c"], "list": ["x", "y", "z"]})
    pairs = pd.DataFrame({"left_id": ["a", "b"], "right_id": ["b", "c"], "probability": [0.9, 0.2]})
    clusters = sample_clusters(records, pairs, None)
    assert clusters[0] == clusters[1] != clusters[2]


def test_a_sampled_linkage_never_joins_two_people_one_list_names_apart() -> None:
    # FICTIONAL: a and b are two entries of one list, both close to c on another; connected
    # components would make the three one person, the linker (and so the sample) does not.
    records = pd.DataFrame({"record_id": ["a", "b", "c"], "list": ["x", "x", "y"]})
    pairs = pd.DataFrame({"left_id": ["a", "b"], "right_id": ["c", "c"], "probability": [0.9, 0.8]})
    for rng in (None, np.random.default_rng(0)):
        clusters = sample_clusters(records, pairs.assign(probability=1.0) if rng else pairs, rng)
        assert clusters[0] == clusters[2] != clusters[1]


def test_uncertain_linkage_widens_the_interval() -> None:
    records, true_pairs = linked_population(2)
    certain = estimate_with_linkage(
        records, pairs_table(true_pairs, 1.0), lists=LISTS, linkages=4, seed=1, options=SHORT
    )
    rng = np.random.default_rng(5)
    ids = records["record_id"].to_numpy()
    persons = records["person"].to_numpy()
    lists = records["list"].to_numpy()
    false_pairs = []
    while len(false_pairs) < len(true_pairs) // 3:
        a, b = rng.choice(len(ids), 2, replace=False)
        if persons[a] != persons[b] and lists[a] != lists[b]:
            false_pairs.append((int(ids[a]), int(ids[b])))
    uncertain_pairs = pd.concat([pairs_table(true_pairs, 0.75), pairs_table(false_pairs, 0.25)])
    uncertain = estimate_with_linkage(
        records, uncertain_pairs, lists=LISTS, linkages=12, seed=1, options=SHORT
    )
    width = lambda r: r.total.upper - r.total.lower  # noqa: E731
    assert width(uncertain) > 1.2 * width(certain)
    people = uncertain.linkage["people_per_linkage"]
    assert people["min"] < people["max"]  # the sampled linkages really differ
    assert uncertain.as_dict()["inputs"]["linkage"]["linkages_sampled"] == 12
    assert any("Linkage is uncertain" in a for a in uncertain.assumptions)


def test_dga_over_linkages() -> None:
    records, true_pairs = linked_population(3)
    result = estimate_with_linkage(
        records, pairs_table(true_pairs, 0.9), lists=LISTS, method="dga", linkages=3, seed=1
    )
    truth = histories_from_table(
        pd.crosstab(records["person"], records["list"]).reindex(columns=LISTS, fill_value=0)
    )[ALL]
    assert result.total is not None
    assert result.total.lower < result.total.median < result.total.upper
    assert result.total.median > truth.n_observed


def test_rejects_bad_linkage_tables() -> None:
    records = pd.DataFrame({"record_id": [1, 2, 3], "list": ["x", "y", "z"]})
    with pytest.raises(InputError, match="not in the records"):
        estimate_with_linkage(
            records, pd.DataFrame({"left_id": [1], "right_id": [9], "probability": [0.5]})
        )
    with pytest.raises(InputError, match="from 0 to 1"):
        estimate_with_linkage(
            records, pd.DataFrame({"left_id": [1], "right_id": [2], "probability": [1.5]})
        )
    with pytest.raises(InputError, match="lacks column"):
        estimate_with_linkage(records, pd.DataFrame({"left_id": [1], "right_id": [2]}))
    with pytest.raises(EstimationError, match="Bayesian"):
        estimate_with_linkage(
            records,
            pd.DataFrame({"left_id": [1], "right_id": [2], "probability": [0.5]}),
            method="loglinear",
        )
