"""Clusters of records (persons) from scored pairs: connected components of
the pairs at or above a threshold, with each record's link probability to the
rest of its cluster kept beside its cluster id."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


def cluster_ids(records: pd.DataFrame, pairs: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """``records`` (``record_key``) with ``cluster_id`` and ``link_probability``.

    ``pairs`` has ``left_id``, ``right_id`` (record keys) and ``probability``.
    A cluster's id is the smallest record key in it, so it is stable across
    runs that produce the same clusters. ``link_probability`` is the highest
    probability of a pair joining the record to another member of its
    cluster; empty for a record alone.
    """
    keys = records["record_key"].to_numpy()
    position = pd.Series(np.arange(len(keys)), index=keys)
    linked = pairs[pairs["probability"] >= threshold]
    left = position.reindex(linked["left_id"]).to_numpy()
    right = position.reindex(linked["right_id"]).to_numpy()
    known = ~(np.isnan(left.astype(float)) | np.isnan(right.astype(float)))
    left, right = left[known].astype(int), right[known].astype(int)
    graph = coo_matrix((np.ones(len(left)), (left, right)), shape=(len(keys), len(keys)))
    _, labels = connected_components(graph, directed=False)
    out = records.copy()
    out["_component"] = labels
    out["cluster_id"] = out.groupby("_component")["record_key"].transform("min")
    best = pd.concat([
        linked[["left_id", "probability"]].rename(columns={"left_id": "record_key"}),
        linked[["right_id", "probability"]].rename(columns={"right_id": "record_key"}),
    ]).groupby("record_key")["probability"].max()
    out["link_probability"] = out["record_key"].map(best)
    return out.drop(columns="_component")
