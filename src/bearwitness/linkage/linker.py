"""Probabilistic linkage of records across and within lists, on Splink.

``link`` trains a Fellegi-Sunter model without labels (u by random sampling,
m by expectation maximisation), scores every pair the blocking rules admit,
keeps the pairwise probabilities, applies prior review decisions (an accepted
pair is certain, a rejected one impossible; with enough accepted pairs the m
probabilities are re-estimated from them) and clusters at a threshold.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import pandas as pd
from splink import Linker
from splink.internals.exceptions import SplinkException

from bearwitness.errors import LinkageError
from bearwitness.linkage import model
from bearwitness.linkage.clusters import cluster_ids
from bearwitness.linkage.features import Features
from bearwitness.linkage.options import LinkOptions
from bearwitness.linkage.prior import m_prior, with_m_prior

__all__ = ["LinkOptions", "LinkResult", "link", "record_keys"]


@dataclass(frozen=True)
class LinkResult:
    """Pairs with their probabilities, and one row per record with its cluster."""

    pairs: pd.DataFrame  # left_id, right_id, probability, match_weight, decision
    records: pd.DataFrame  # record_key, list, record_id, cluster_id, link_probability
    model_json: dict[str, Any]
    notes: tuple[str, ...] = ()


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


def _train(
    linker: Linker, frame: Any, records: int, options: LinkOptions
) -> tuple[Linker, list[str]]:
    """Train the model; returns the trained linker and notes on EM sessions
    that could not run."""
    notes = []
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
    prior = float(linker.misc.save_model_to_json()["probability_two_random_records_match"])
    if not 0 < prior < 0.5:
        # Too few records for the deterministic rule to say anything: assume
        # each record has about one match among the others.
        prior = min(0.5, 1 / max(2, records - 1))
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
    linker, notes = _train(linker, frame, len(features.table), options)
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
    pairs = _apply_decisions(pairs, decisions)
    records = pd.DataFrame(
        {
            "record_key": keys,
            "list": features.table["list"],
            "record_id": features.table["record_id"],
        }
    )
    clustered = cluster_ids(records, pairs, options.threshold)
    return LinkResult(
        pairs.reset_index(drop=True), clustered, linker.misc.save_model_to_json(), tuple(notes)
    )
