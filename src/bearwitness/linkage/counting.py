"""What counting needs from linkage: resolved persons, capture histories for
chosen lists and strata, and the records and pairs the estimators read.

Strata a person can be counted in: ``period`` (year of the event), ``place``
(event place key), ``act_type`` (first act of the vocabulary recorded) and
``sex``. A person's stratum is the one most of their records give (ties go
to the first in sort order), so one odd record cannot move a person.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from bearwitness.errors import InputError
from bearwitness.linkage.features import Features
from bearwitness.linkage.linker import record_keys
from bearwitness.linkage.options import STRATA

__all__ = [
    "STRATA",
    "capture_histories",
    "estimation_pairs",
    "estimation_records",
    "persons",
    "strata_columns",
]


def strata_columns(features: Features, strata: tuple[str, ...]) -> pd.DataFrame:
    """Per record (indexed by record key): the chosen strata."""
    unknown = set(strata) - set(STRATA)
    if unknown:
        raise InputError(
            f"Unknown stratum {', '.join(sorted(unknown))}.",
            hint=f"Choose from {', '.join(STRATA)}.",
        )
    table = features.table
    out = pd.DataFrame(index=record_keys(table).to_numpy())
    for stratum in strata:
        if stratum == "period":
            middle = (pd.to_numeric(table["event_lo"]) + pd.to_numeric(table["event_hi"])) // 2
            values = middle.map(
                lambda d: None if pd.isna(d) else str(date.fromordinal(int(d)).year)
            )
        elif stratum == "place":
            values = table["event_place"]
        elif stratum == "act_type":
            values = table["event_types"].map(lambda v: v[0] if isinstance(v, list) and v else None)
        else:
            values = table["sex"]
        out[stratum] = values.to_numpy()
    return out


def persons(clusters: pd.DataFrame) -> pd.DataFrame:
    """One row per resolved person: cluster id, number of records, lists."""
    grouped = clusters.groupby("cluster_id")
    return pd.DataFrame(
        {
            "records": grouped.size(),
            "lists": grouped["list"].agg(lambda s: ";".join(sorted(set(s)))),
        }
    ).reset_index()


def capture_histories(
    clusters: pd.DataFrame, features: Features, lists: list[str], strata: tuple[str, ...] = ()
) -> pd.DataFrame:
    """Counts of persons by capture history over ``lists`` (one 0/1 column per
    list) and by the chosen strata. Persons on none of ``lists`` are left out."""
    unknown = set(lists) - set(clusters["list"])
    if unknown:
        raise InputError(
            f"{len(unknown)} chosen list(s) are not among the linked lists.",
            hint="Use the list names (file stems) that were linked.",
        )
    chosen = clusters[clusters["list"].isin(lists)]
    present = (
        pd.crosstab(chosen["cluster_id"], chosen["list"])
        .reindex(columns=lists, fill_value=0)
        .gt(0)
        .astype(int)
    )
    if strata:
        per_record = strata_columns(features, strata).reindex(chosen["record_key"])
        per_record.index = chosen["cluster_id"].to_numpy()
        modal = per_record.groupby(level=0).agg(
            lambda s: s.dropna().sort_values().mode().iloc[0] if s.notna().any() else "unknown"
        )
        present = present.join(modal)
    columns = list(lists) + list(strata)
    return (
        present.value_counts(subset=columns)
        .rename("count")
        .reset_index()
        .sort_values(columns, ascending=False)
        .reset_index(drop=True)
    )


def estimation_records(
    clusters: pd.DataFrame, features: Features, strata: tuple[str, ...] = ()
) -> pd.DataFrame:
    """Records for the estimators: ``record_id`` (the record key), ``list``, strata."""
    out = pd.DataFrame(
        {"record_id": clusters["record_key"].to_numpy(), "list": clusters["list"].to_numpy()}
    )
    if strata:
        values = strata_columns(features, strata).reindex(clusters["record_key"])
        for stratum in strata:
            out[stratum] = values[stratum].to_numpy()
    return out


def estimation_pairs(pairs: pd.DataFrame) -> pd.DataFrame:
    """Candidate pairs for the estimators: ``left_id``, ``right_id``, ``probability``."""
    return pairs[["left_id", "right_id", "probability"]].reset_index(drop=True)
