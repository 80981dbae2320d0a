"""Review of uncertain links, as pure functions over DataFrames.

An analyst works through a queue of pairs whose probability lies closest to
the clustering threshold, sees the two records side by side, and accepts or
rejects each pair with a reason. Decisions form an append-only log: undoing
one appends an ``undo``, so every decision stays on record and is
reversible. Clusters can also be split or merged by hand, with a reason; an
edit turns into pairwise decisions too, so the next run keeps it.

Storage and logging belong to the caller (the archive): everything here takes
frames and returns new frames.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from itertools import product

import pandas as pd

from bearwitness.errors import InputError

DECISIONS = ("accept", "reject", "undo")
LOG_COLUMNS = ["left_id", "right_id", "decision", "reason", "analyst", "decided_at"]


@dataclass(frozen=True)
class Decision:
    left_id: str
    right_id: str
    decision: str  # accept, reject or undo
    reason: str
    analyst: str
    decided_at: datetime

    def __post_init__(self) -> None:
        if self.decision not in DECISIONS:
            raise InputError(
                f"Unknown review decision {self.decision!r}.", hint="Use accept, reject or undo."
            )
        if not self.reason.strip():
            raise InputError(
                "A review decision needs a reason.",
                hint="Say in a few words why the records are or are not one person.",
            )
        if self.left_id == self.right_id:
            raise InputError("A pair needs two different records.", hint="Check the record ids.")


def empty_log() -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype=object) for column in LOG_COLUMNS})


def _ordered(frame: pd.DataFrame) -> pd.DataFrame:
    left = frame[["left_id", "right_id"]].min(axis=1)
    right = frame[["left_id", "right_id"]].max(axis=1)
    return frame.assign(left_id=left, right_id=right)


def decide(log: pd.DataFrame, decision: Decision) -> pd.DataFrame:
    """The log with ``decision`` appended (the log is never rewritten)."""
    row = _ordered(pd.DataFrame([asdict(decision)]))
    return pd.concat([log, row], ignore_index=True) if len(log) else row


def current_decisions(log: pd.DataFrame) -> pd.DataFrame:
    """The decision in force for each pair: its latest, unless that is an undo."""
    if log.empty:
        return log.copy()
    latest = _ordered(log).groupby(["left_id", "right_id"], sort=False).tail(1)
    return latest[latest["decision"] != "undo"].reset_index(drop=True)


def review_queue(
    pairs: pd.DataFrame,
    threshold: float,
    log: pd.DataFrame | None = None,
    *,
    band: tuple[float, float] = (0.05, 0.95),
    refused: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Undecided pairs, the most uncertain clusters first.

    First the links clustering refused (``refused``, from
    :attr:`~bearwitness.linkage.linker.LinkResult.refused`: the model joined two
    records that a hazard rule says cannot be one person, so either the rule
    or the model is wrong), the most probable first, with their ``reason``;
    then pairs with probability inside ``band``, closest to ``threshold`` first.
    """
    queue = pairs[(pairs["probability"] >= band[0]) & (pairs["probability"] <= band[1])]
    distance = (queue["probability"] - threshold).abs()
    queue = queue.assign(_first=1, _order=distance)
    if refused is not None and not refused.empty:
        first = refused[["left_id", "right_id", "probability", "reason"]].assign(
            _first=0, _order=-refused["probability"]
        )
        first = _ordered(first)
        queue = _ordered(queue)
        seen = first[["left_id", "right_id"]].assign(_seen=True)
        queue = queue.merge(seen, how="left", on=["left_id", "right_id"])
        queue = queue[queue["_seen"].isna()].drop(columns="_seen")
        queue = pd.concat([first, queue.assign(reason="")], ignore_index=True)
    if log is not None and not log.empty:
        decided = current_decisions(log)[["left_id", "right_id"]].assign(_decided=True)
        queue = _ordered(queue).merge(decided, how="left", on=["left_id", "right_id"])
        queue = queue[queue["_decided"].isna()].drop(columns="_decided")
    return (
        queue.sort_values(["_first", "_order", "left_id", "right_id"])
        .drop(columns=["_first", "_order"])
        .reset_index(drop=True)
    )


def side_by_side(records: pd.DataFrame, left_id: str, right_id: str) -> pd.DataFrame:
    """The two records' fields as rows, one column per record, for the analyst.

    ``records`` is indexed by record key; fields empty in both are left out.
    """
    missing = [key for key in (left_id, right_id) if key not in records.index]
    if missing:
        raise InputError(
            "A record of that pair is not among the records given.",
            hint="Review pairs from the same run as the records.",
        )
    view = records.loc[[left_id, right_id]].T
    view.columns = pd.Index([left_id, right_id])
    empty = view.isna().all(axis=1) | (view.astype(str) == "").all(axis=1)
    return view[~empty]


@dataclass(frozen=True)
class ClusterEdit:
    """A hand edit of the clustering: ``split`` moves ``record_keys`` out of
    their cluster into a new one; ``merge`` joins the clusters of ``record_keys``."""

    kind: str
    record_keys: tuple[str, ...]
    reason: str
    analyst: str
    edited_at: datetime

    def __post_init__(self) -> None:
        if self.kind not in ("split", "merge"):
            raise InputError(f"Unknown cluster edit {self.kind!r}.", hint="Use split or merge.")
        if not self.reason.strip():
            raise InputError("A cluster edit needs a reason.", hint="Say why, in a few words.")
        if not self.record_keys:
            raise InputError("A cluster edit needs records.", hint="Name at least one record.")


def apply_edit(clusters: pd.DataFrame, edit: ClusterEdit) -> pd.DataFrame:
    """``clusters`` (``record_key``, ``cluster_id``) after ``edit``; a new frame."""
    keys = set(edit.record_keys)
    unknown = keys - set(clusters["record_key"])
    if unknown:
        raise InputError(
            f"{len(unknown)} record(s) of the edit are not in the clustering.",
            hint="Edit clusters of the same run.",
        )
    out = clusters.copy()
    chosen = out["record_key"].isin(keys)
    if edit.kind == "split":
        out.loc[chosen, "cluster_id"] = min(keys)
    else:
        joined = out["cluster_id"].isin(out.loc[chosen, "cluster_id"])
        out.loc[joined, "cluster_id"] = out.loc[joined, "cluster_id"].min()
    if "link_probability" in out:
        touched = (
            chosen
            if edit.kind == "split"
            else out["cluster_id"].isin(out.loc[chosen, "cluster_id"])
        )
        out.loc[touched, "link_probability"] = float("nan")
    return out


def edit_as_decisions(clusters: pd.DataFrame, edit: ClusterEdit) -> list[Decision]:
    """The pairwise decisions an edit stands for, so that the next run keeps it:
    a split rejects every pair across the cut; a merge accepts one pair
    joining each cluster to the first."""
    by_key = clusters.set_index("record_key")["cluster_id"]
    keys = sorted(edit.record_keys)
    if edit.kind == "split":
        cluster = set(by_key.reindex(keys))
        rest = sorted(set(by_key[by_key.isin(cluster)].index) - set(keys))
        pairs = list(product(keys, rest))
        verdict = "reject"
    else:
        firsts: dict[str, str] = {}
        for key in keys:
            firsts.setdefault(by_key[key], key)
        anchors = list(firsts.values())
        pairs = [(anchors[0], other) for other in anchors[1:]]
        verdict = "accept"
    return [
        Decision(a, b, verdict, f"{edit.kind}: {edit.reason}", edit.analyst, edit.edited_at)
        for a, b in pairs
    ]
