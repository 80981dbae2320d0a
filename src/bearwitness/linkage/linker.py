"""Probabilistic linkage of records across and within lists, on Splink.

``link`` trains a Fellegi-Sunter model without labels (u by random sampling,
m by expectation maximisation), scores every pair the blocking rules admit,
keeps the pairwise probabilities, applies prior review decisions (an accepted
pair is certain, a rejected one impossible; with enough accepted pairs the m
probabilities are re-estimated from them) and clusters at a threshold.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from splink import Linker
from splink.internals.exceptions import SplinkException

from bearwitness.errors import LinkageError
from bearwitness.linkage import model
from bearwitness.linkage.clusters import REFUSED_COLUMNS, clusters_and_refused
from bearwitness.linkage.features import Features
from bearwitness.linkage.hazards import Hazards
from bearwitness.linkage.options import LinkOptions
from bearwitness.linkage.prior import m_prior, with_m_prior

__all__ = ["LinkOptions", "LinkResult", "link", "record_keys"]


@dataclass(frozen=True)
class LinkResult:
    """Pairs with their probabilities, and one row per record with its cluster."""

    pairs: pd.DataFrame  # left_id, right_id, probability, match_weight, decision, hazard
    records: pd.DataFrame  # record_key, list, record_id, cluster_id, link_probability
    model_json: dict[str, Any]
    notes: tuple[str, ...] = ()
    # Links the model scored at or above the threshold that were not made because
    # two records could not be one person (linkage.hazards): left_id, right_id,
    # probability (the model's), reason, between. For review, first.
    refused: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REFUSED_COLUMNS))


def record_keys(table: pd.DataFrame) -> pd.Series:
    """The id of a record across lists: ``<list>:<record_id>``."""
    return table["list"].astype(str) + ":" + table["record_id"].astype(str)


def _splink_input(features: Features) -> pd.DataFrame:
    table = features.table.copy()
    table["source"] = table["list"]
    table["event_types"] = table["event_types"].map(
        lambda v: list(v) if isinstance(v, list | tuple) and len(v) else None
    )
    return table.drop(columns=["list", "record_id"])


def _match_prior(table: pd.DataFrame, recall: float) -> float:
    """The probability that two records drawn at random are one person,
    calibrated to the number of records.

    The deterministic rule (the same surname and given name, overlapping
    births) finds most matches, but also every pair of namesakes, and those
    grow with the square of the lists while matches grow with their length:
    counted as pairs, the rule overstates the prior more the larger the lists
    (at 20,000 people of the untouched data by a quarter, and more beyond).
    So each record counts at most one partner per list, as a list names a
    person once: the matches are the (record, other list) pairs the rule
    joins, halved, over the rule's recall. 0 when the rule finds nothing.
    """
    from bearwitness.linkage.engine import private_connection

    columns = ["unique_id", "list", "surname_key", "given_key", "birth_lo", "birth_hi"]
    connection = private_connection()
    try:
        connection.register("features", table[columns])
        found = connection.execute(
            "SELECT count(*) FROM (SELECT DISTINCT l.unique_id, r.list "
            "FROM features l JOIN features r ON l.unique_id <> r.unique_id AND "
            f"{model.DETERMINISTIC_RULE})"  # nosec B608 # the model's own constant rule
        ).fetchone()
    finally:
        connection.close()
    records = len(table)
    matches = (found[0] if found else 0) / 2 / recall
    return float(matches / (records * (records - 1) / 2)) if records > 1 else 0.0


def _train(
    linker: Linker, frame: Any, table: pd.DataFrame, options: LinkOptions
) -> tuple[Linker, list[str]]:
    """Train the model; returns the trained linker and notes on EM sessions
    that could not run."""
    notes = []
    records = len(table)
    prior = _match_prior(table, options.prior_recall)
    if not 0 < prior < 0.5:
        # Too few records for the deterministic rule to say anything: assume
        # each record has about one match among the others.
        prior = min(0.5, 1 / max(2, records - 1))
    # EM starts from Splink's own estimate by the same rule (counting pairs);
    # the calibrated prior replaces it once EM is done.
    linker.training.estimate_probability_two_random_records_match(
        [model.DETERMINISTIC_RULE], recall=options.prior_recall
    )
    linker.training.estimate_u_using_random_sampling(
        max_pairs=options.u_max_pairs, seed=options.seed
    )
    if options.use_m_prior and m_prior():
        # Where an EM session cannot run (small inputs), its levels keep these.
        linker = Linker(
            frame, with_m_prior(linker.misc.save_model_to_json(), m_prior()), log_level=None
        )
    for number, rule in enumerate(model.EM_RULES, start=1):
        good = linker.misc.save_model_to_json()
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule,
                estimate_without_term_frequencies=True,
                max_pairs=options.em_max_pairs,
                record_sample_proportion=1.0,
            )
        except (ValueError, SplinkException) as error:
            # On small inputs a level can be empty among the EM sample's matches
            # (m = 0, which Splink refuses). The failed session may have left
            # half-updated parameters: go back to the model before it.
            notes.append(f"EM session {number} skipped: {type(error).__name__}")
            linker = Linker(frame, good, log_level=None)
    trained = linker.misc.save_model_to_json()
    # The match prior comes from the deterministic rule over all pairs, never
    # from an EM session's blocked sample.
    trained["probability_two_random_records_match"] = prior
    trained = _floor_m(trained, options.m_floor)
    trained = _ceil_disagreement(trained, options.m_disagree_ceiling)
    return Linker(frame, trained, log_level=None), notes


def _floor_m(model_json: dict[str, Any], floor: float) -> dict[str, Any]:
    """The model with no m probability below ``floor``.

    EM gives m = 0 to a level it never saw among the matches of its sample,
    which would make one typo or one differing date veto any pair; a small
    floor keeps such evidence strong but finite.
    """
    for comparison in model_json["comparisons"]:
        levels = [
            lv
            for lv in comparison["comparison_levels"]
            if not lv.get("is_null_level") and lv.get("m_probability") is not None
        ]
        if not levels:
            continue
        for level in levels:
            level["m_probability"] = max(float(level["m_probability"]), floor)
        total = sum(level["m_probability"] for level in levels)
        for level in levels:
            level["m_probability"] /= total
    return model_json


IDENTITY = ("surname_key", "given_key", "patronymic_key", "sex", "birth")


def _ceil_disagreement(model_json: dict[str, Any], ceiling: float) -> dict[str, Any]:
    """The model with the m of each identity comparison's last level (two
    records that disagree on who someone is) at most ``ceiling``.

    EM learns m from the pairs its blocking admits, and those include
    siblings and namesake cousins: the same surname, patronymic, village and
    raid, only the given name or the birth year differing. Taken for matches,
    they teach EM that matches often disagree on the given name or the birth
    (m of 0.05 to 0.07 on data with families, against 0.005 to 0.02 where
    there are none), and then siblings merge. True matches seldom disagree
    outright; a typo or a variant falls in the similarity levels above.
    """
    for comparison in model_json["comparisons"]:
        if comparison["output_column_name"] not in IDENTITY:
            continue
        levels = [
            lv
            for lv in comparison["comparison_levels"]
            if not lv.get("is_null_level") and lv.get("m_probability") is not None
        ]
        if len(levels) < 2 or float(levels[-1]["m_probability"]) <= ceiling:
            continue
        excess = float(levels[-1]["m_probability"]) - ceiling
        levels[-1]["m_probability"] = ceiling
        rest = sum(float(level["m_probability"]) for level in levels[:-1])
        for level in levels[:-1]:
            level["m_probability"] = float(level["m_probability"]) * (1 + excess / rest)
    return model_json


def _apply_decisions(pairs: pd.DataFrame, decisions: pd.DataFrame | None) -> pd.DataFrame:
    pairs = pairs.assign(decision="")
    if decisions is None or decisions.empty:
        return pairs
    decided = decisions.assign(
        left=decisions[["left_id", "right_id"]].min(axis=1),
        right=decisions[["left_id", "right_id"]].max(axis=1),
    ).drop_duplicates(["left", "right"], keep="last")
    merged = pairs.merge(
        decided[["left", "right", "decision"]],
        how="outer",
        left_on=["left_id", "right_id"],
        right_on=["left", "right"],
        suffixes=("", "_review"),
    )
    merged["left_id"] = merged["left_id"].fillna(merged["left"])
    merged["right_id"] = merged["right_id"].fillna(merged["right"])
    review = merged["decision_review"].fillna("")
    merged["probability"] = merged["probability"].where(
        review == "", review.map({"accept": 1.0, "reject": 0.0})
    )
    merged["decision"] = review
    return merged.drop(columns=["left", "right", "decision_review"])


def _whole_name_adjustment(table: pd.DataFrame, pairs: pd.DataFrame, keys: pd.Series) -> np.ndarray:
    """Bits to add to the match weight of each pair for the whole name.

    The model weighs the surname and the given name each by its own
    frequency, as if they were independent. They are not: a common given name
    runs in some families, and a list that names two "Islam Khasanov"s shows
    that the name is shared by more people than the two frequencies say. For
    a pair agreeing on both keys, compare how many other records of each list
    carry the whole name with how many would if surname and given name were
    independent (summed over the lists, in which a person appears once); when
    the whole name is the more common, lower the weight by the log of the
    ratio. Never raised: a rare whole name is already strong evidence.
    """
    names = table[["list", "surname_key", "given_key"]].copy()
    names["key"] = keys.to_numpy()
    names = names.dropna(subset=["surname_key", "given_key"])
    out = np.zeros(len(pairs))
    if names.empty or pairs.empty:
        return out
    size = names.groupby("list")["key"].transform("size").astype(float)
    by_surname = names.groupby(["list", "surname_key"])["key"].transform("size")
    by_given = names.groupby(["list", "given_key"])["key"].transform("size")
    names["expected"] = (by_surname - 1) * (by_given - 1) / (size - 1).clip(lower=1)
    names["others"] = (
        names.groupby(["list", "surname_key", "given_key"])["key"].transform("size") - 1
    )
    # Per whole name, over the lists: one row per list and name.
    per_list = names.drop_duplicates(["list", "surname_key", "given_key"])
    whole = per_list.groupby(["surname_key", "given_key"])[["expected", "others"]].sum()
    ratio = (whole["others"] / whole["expected"].clip(lower=1e-9)).where(whole["others"] > 0, 1.0)
    bits = -np.log2(ratio.clip(lower=1.0))
    indexed = names.set_index("key")[["surname_key", "given_key"]]
    left = indexed.reindex(pairs["left_id"]).reset_index(drop=True)
    right = indexed.reindex(pairs["right_id"]).reset_index(drop=True)
    same = (left["surname_key"] == right["surname_key"]) & (left["given_key"] == right["given_key"])
    if not same.any():
        return out
    lookup = pd.MultiIndex.from_frame(left.loc[same, ["surname_key", "given_key"]])
    out[same.to_numpy()] = bits.reindex(lookup).fillna(0.0).to_numpy()
    return out


def _rule_out(
    pairs: pd.DataFrame, keys: pd.Series, hazards: Hazards
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Pairs with those that cannot be one person (linkage.hazards) at
    probability 0 and their rule in ``hazard``, unless a reviewer accepted
    them; and those pairs as they were (``left_id``, ``right_id``, the model's
    ``probability``, ``reason``, ``between``)."""
    position = pd.Series(range(len(keys)), index=keys.to_numpy())
    left = position.reindex(pairs["left_id"]).to_numpy()
    right = position.reindex(pairs["right_id"]).to_numpy()
    known = ~(pd.isna(left) | pd.isna(right))
    reasons = np.full(len(pairs), "", dtype=object)
    reasons[known] = hazards.reasons(left[known].astype(int), right[known].astype(int))
    reasons[(pairs["decision"] == "accept").to_numpy()] = ""
    pairs = pairs.assign(hazard=reasons)
    hit = reasons != ""
    ruled_out = pairs.loc[hit, ["left_id", "right_id", "probability", "hazard"]].rename(
        columns={"hazard": "reason"}
    )
    ruled_out["between"] = ruled_out["left_id"] + " / " + ruled_out["right_id"]
    pairs.loc[hit, "probability"] = 0.0
    return pairs, ruled_out[REFUSED_COLUMNS]


def link(
    features: Features,
    api: Any,
    *,
    options: LinkOptions | None = None,
    decisions: pd.DataFrame | None = None,
) -> LinkResult:
    """Link ``features`` on the Splink backend ``api`` (see bearwitness.linkage.engine).

    ``decisions`` holds prior review decisions: ``left_id``, ``right_id``
    (record keys) and ``decision`` (``accept`` or ``reject``), latest last.
    """
    options = options or LinkOptions()
    if len(features.table) < 2:
        raise LinkageError(
            "Linkage needs at least two records.",
            hint="Add more records or lists and run it again.",
        )
    keys = record_keys(features.table)
    frame = api.register(_splink_input(features))
    logging.getLogger("splink").setLevel(logging.ERROR)
    linker = Linker(frame, model.settings(), log_level=None)
    linker, notes = _train(linker, frame, features.table, options)
    uid_to_key = pd.Series(keys.to_numpy(), index=features.table["unique_id"].to_numpy())
    if decisions is not None and not decisions.empty:
        accepted = decisions[decisions["decision"] == "accept"]
        if len(accepted) >= options.min_labels_for_m:
            key_to_uid = pd.Series(uid_to_key.index, index=uid_to_key.to_numpy())
            labels = (
                pd.DataFrame(
                    {
                        "unique_id_l": key_to_uid.reindex(accepted["left_id"]).to_numpy(),
                        "unique_id_r": key_to_uid.reindex(accepted["right_id"]).to_numpy(),
                    }
                )
                .dropna()
                .astype("int64")
            )
            linker.training.estimate_m_from_pairwise_labels(  # type: ignore[no-untyped-call]
                api.register(labels)
            )
    predictions = linker.inference.predict(threshold_match_probability=options.keep_above)
    scored = predictions.as_pandas_dataframe()  # type: ignore[no-untyped-call]
    left = uid_to_key.reindex(scored["unique_id_l"]).to_numpy()
    right = uid_to_key.reindex(scored["unique_id_r"]).to_numpy()
    pairs = pd.DataFrame(
        {
            "left_id": [min(a, b) for a, b in zip(left, right, strict=True)],
            "right_id": [max(a, b) for a, b in zip(left, right, strict=True)],
            "probability": scored["match_probability"].to_numpy(dtype=float),
            "match_weight": scored["match_weight"].to_numpy(dtype=float),
        }
    )
    if options.whole_name_frequency:
        pairs["match_weight"] += _whole_name_adjustment(features.table, pairs, keys)
        pairs["probability"] = 1 / (1 + np.exp2(-pairs["match_weight"]))
    pairs = _apply_decisions(pairs, decisions)
    hazards = Hazards(features.table)
    pairs, ruled_out = _rule_out(pairs, keys, hazards)
    records = pd.DataFrame(
        {
            "record_key": keys,
            "list": features.table["list"],
            "record_id": features.table["record_id"],
        }
    )
    clustered, refused = clusters_and_refused(records, pairs, options.threshold, hazards=hazards)
    refused = pd.concat(
        [ruled_out[ruled_out["probability"] >= options.threshold], refused], ignore_index=True
    )
    return LinkResult(
        pairs.reset_index(drop=True),
        clustered,
        linker.misc.save_model_to_json(),
        tuple(notes),
        refused.sort_values(["probability", "left_id"], ascending=[False, True]).reset_index(
            drop=True
        ),
    )
