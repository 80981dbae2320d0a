"""Quality of a clustering against a known truth: pairwise and B-cubed
precision, recall and F1; the error in the number of distinct people; and the
error in each capture-history count (what the estimators consume)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Scores:
    pairwise_precision: float
    pairwise_recall: float
    pairwise_f1: float
    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float
    true_people: int
    found_people: int
    history_errors: pd.DataFrame  # history, true, found, error

    @property
    def people_error(self) -> float:
        """Relative error in the number of distinct people (found / true - 1)."""
        return self.found_people / self.true_people - 1 if self.true_people else 0.0


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _pairs(sizes: pd.Series) -> float:
    return float((sizes * (sizes - 1) / 2).sum())


def _histories(frame: pd.DataFrame, by: str, lists: list[str]) -> pd.Series:
    present = pd.crosstab(frame[by], frame["list"]).reindex(columns=lists, fill_value=0) > 0
    labels = present.astype(int).astype(str).agg("".join, axis=1)
    return labels.value_counts()


def score(clusters: pd.DataFrame, truth: pd.Series) -> Scores:
    """Score ``clusters`` (``record_key``, ``list``, ``cluster_id``) against
    ``truth`` (record key to person id). Records absent from ``truth`` are ignored."""
    frame = clusters[["record_key", "list", "cluster_id"]].copy()
    frame["person"] = frame["record_key"].map(truth)
    frame = frame.dropna(subset=["person"])
    joint = frame.groupby(["cluster_id", "person"]).size()
    cluster_sizes = frame.groupby("cluster_id").size()
    person_sizes = frame.groupby("person").size()
    together = _pairs(joint)
    predicted, actual = _pairs(cluster_sizes), _pairs(person_sizes)
    precision = together / predicted if predicted else 1.0
    recall = together / actual if actual else 1.0
    overlap = frame.set_index(["cluster_id", "person"]).index.map(joint).to_numpy(dtype=float)
    b_precision = float((overlap / frame["cluster_id"].map(cluster_sizes).to_numpy()).mean())
    b_recall = float((overlap / frame["person"].map(person_sizes).to_numpy()).mean())
    lists = sorted(frame["list"].unique())
    true_h = _histories(frame, "person", lists)
    found_h = _histories(frame, "cluster_id", lists)
    histories = pd.DataFrame({"true": true_h, "found": found_h}).fillna(0).astype(int)
    histories["error"] = histories["found"] - histories["true"]
    histories = histories.rename_axis("history").reset_index().sort_values("history")
    return Scores(
        precision,
        recall,
        _f1(precision, recall),
        b_precision,
        b_recall,
        _f1(b_precision, b_recall),
        int(person_sizes.size),
        int(cluster_sizes.size),
        histories.reset_index(drop=True),
    )
