"""Clusters of records (persons) from scored pairs, with each record's link
probability to the rest of its cluster kept beside its cluster id.

Plain connected components over every pair above a threshold chain people
with common names into one giant cluster: a sparse record ("Magomed
Khasanov, Grozny") links to every Magomed Khasanov, and through it they all
join. The default clustering takes pairs from the most probable down and
joins two clusters only if no list appears in both (a list names a person
once), the exception being a pair from one list, which is that list's own
duplicate. Nor does it join two clusters when a record of one and a record of
the other cannot be one person (:mod:`bearwitness.linkage.hazards`: different
sexes, birth years far apart, different fathers, different given names); the
links it refuses are kept with their reason, for review. A pair a reviewer
accepted is joined whatever the lists and the hazards.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from bearwitness.linkage.hazards import Hazards

REFUSED_COLUMNS = ["left_id", "right_id", "probability", "reason", "between"]


def _components(size: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    graph = coo_matrix((np.ones(len(left)), (left, right)), shape=(size, size))
    labels: np.ndarray = connected_components(graph, directed=False)[1]
    return labels


def _constrained(
    lists: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    forced: np.ndarray,
    hazards: Hazards | None = None,
) -> tuple[np.ndarray, list[tuple[int, int, int, int, str]]]:
    """Labels, and the links refused for a hazard: (a, b, i, j, reason) where
    the pair a-b was not joined because records i and j cannot be one person."""
    parent = np.arange(len(lists))
    members: dict[int, set[str]] = {i: {lists[i]} for i in range(len(lists))}
    records: dict[int, list[int]] = {i: [i] for i in range(len(lists))}
    refused: list[tuple[int, int, int, int, str]] = []

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = int(parent[i])
        return i

    def conflict(root_a: int, root_b: int) -> tuple[int, int, str] | None:
        assert hazards is not None
        for i in records[root_a]:
            for j in records[root_b]:
                reason = hazards.reason(i, j)
                if reason:
                    return i, j, reason
        return None

    for a, b, force in zip(left, right, forced, strict=True):
        root_a, root_b = find(int(a)), find(int(b))
        if root_a == root_b:
            continue
        shared = members[root_a] & members[root_b]
        own_duplicate = lists[a] == lists[b] and shared == {lists[a]}
        if not (force or not shared or own_duplicate):
            continue
        if not force and hazards is not None:
            found = conflict(root_a, root_b)
            if found is not None:
                refused.append((int(a), int(b), *found))
                continue
        parent[root_b] = root_a
        members[root_a] |= members.pop(root_b)
        records[root_a] += records.pop(root_b)
    return np.array([find(i) for i in range(len(lists))]), refused


def cluster_ids(
    records: pd.DataFrame,
    pairs: pd.DataFrame,
    threshold: float,
    *,
    constrained: bool = True,
    hazards: Hazards | None = None,
) -> pd.DataFrame:
    """The clusters of :func:`clusters_and_refused`, without the refused links."""
    return clusters_and_refused(
        records, pairs, threshold, constrained=constrained, hazards=hazards
    )[0]


def clusters_and_refused(
    records: pd.DataFrame,
    pairs: pd.DataFrame,
    threshold: float,
    *,
    constrained: bool = True,
    hazards: Hazards | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``records`` (``record_key``, ``list``) with ``cluster_id`` and ``link_probability``.

    ``pairs`` has ``left_id``, ``right_id`` (record keys), ``probability`` and
    optionally ``decision``. A cluster's id is the smallest record key in it,
    so it is stable across runs that produce the same clusters.
    ``link_probability`` is the highest probability of a pair joining the
    record to another member of its cluster; empty for a record alone.
    """
    keys = records["record_key"].to_numpy()
    position = pd.Series(np.arange(len(keys)), index=keys)
    linked = pairs[pairs["probability"] >= threshold].sort_values(
        ["probability", "left_id", "right_id"], ascending=[False, True, True]
    )
    left = position.reindex(linked["left_id"]).to_numpy(dtype=float)
    right = position.reindex(linked["right_id"]).to_numpy(dtype=float)
    known = ~(np.isnan(left) | np.isnan(right))
    left, right = left[known].astype(int), right[known].astype(int)
    if constrained:
        forced = (
            (linked["decision"] == "accept").to_numpy()[known]
            if "decision" in linked
            else np.zeros(len(left), dtype=bool)
        )
        labels, refused = _constrained(
            records["list"].astype(str).to_numpy(), left, right, forced, hazards
        )
    else:
        labels, refused = _components(len(keys), left, right), []
    out = records.copy()
    out["_component"] = labels
    out["cluster_id"] = out.groupby("_component")["record_key"].transform("min")
    together = linked[known]
    cluster = out.set_index("record_key")["cluster_id"]
    together = together[
        cluster.reindex(together["left_id"]).to_numpy()
        == cluster.reindex(together["right_id"]).to_numpy()
    ]
    best = (
        pd.concat(
            [
                together[["left_id", "probability"]].rename(columns={"left_id": "record_key"}),
                together[["right_id", "probability"]].rename(columns={"right_id": "record_key"}),
            ]
        )
        .groupby("record_key")["probability"]
        .max()
    )
    out["link_probability"] = out["record_key"].map(best)
    out = out.drop(columns="_component")
    probability = linked["probability"].to_numpy()[known]
    index = {(int(x), int(y)): p for x, y, p in zip(left, right, probability, strict=True)}
    refused_links = pd.DataFrame(
        [
            (keys[a], keys[b], index[(a, b)], reason, f"{keys[i]} / {keys[j]}")
            for a, b, i, j, reason in refused
        ],
        columns=REFUSED_COLUMNS,
    )
    return out, refused_links
