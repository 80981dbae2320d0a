"""Carry linkage uncertainty into the estimate.

Linkage gives records (`record_id`, `list`, strata) and candidate pairs
(`left_id`, `right_id`, `probability` that the two are the same person). One
plausible linkage keeps each pair with its probability and clusters the kept
pairs as the linker does (a list names a person once). Re-estimating on many
such linkages and pooling the posterior draws gives an interval that widens
when linkage is uncertain.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from bearwitness.errors import EstimationError, InputError
from bearwitness.estimate import diagnostics
from bearwitness.estimate.dga import estimate_dga
from bearwitness.estimate.estimation import Options, _bayes_stratum
from bearwitness.estimate.histories import CaptureHistories, histories_from_clusters
from bearwitness.estimate.lcmcr import Progress, estimate_lcmcr
from bearwitness.estimate.posterior import Interval, Posterior
from bearwitness.estimate.result import EstimateResult, StratumResult
from bearwitness.linkage.clusters import cluster_ids

# Pairs at or above this probability are links in the single "best" linkage reported alongside.
BEST_LINK = 0.5


def check_linkage_tables(records: pd.DataFrame, pairs: pd.DataFrame) -> None:
    """Reject linkage output that is not what the estimate needs, whole."""
    for table, name, columns in (
        (records, "records", ("record_id", "list")),
        (pairs, "pairs", ("left_id", "right_id", "probability")),
    ):
        missing = [c for c in columns if c not in table.columns]
        if missing:
            raise InputError(
                f"The {name} table lacks column(s) {', '.join(missing)}.",
                hint=f"The {name} table needs columns {', '.join(columns)}.",
            )
    if records["record_id"].duplicated().any():
        raise InputError(
            "Some record_id values appear twice in the records table.",
            hint="Each record must have its own record_id.",
        )
    known = set(records["record_id"])
    if not (pairs["left_id"].isin(known) & pairs["right_id"].isin(known)).all():
        raise InputError(
            "Some pairs name a record_id that is not in the records table.",
            hint="Give the records table that the pairs were computed from.",
        )
    probability = pd.to_numeric(pairs["probability"], errors="coerce")
    if (probability.isna() | (probability < 0) | (probability > 1)).any():
        raise InputError(
            "A pair's probability must be a number from 0 to 1.",
            hint="Check the probability column of the pairs table.",
        )


def sample_clusters(
    records: pd.DataFrame,
    pairs: pd.DataFrame,
    rng: np.random.Generator | None,
    threshold: float = BEST_LINK,
) -> npt.NDArray[np.int64]:
    """One plausible linkage: a person (cluster) number for each record, in record order.

    With `rng` each pair is kept with its probability; without, pairs at or
    above `threshold` are kept. The kept pairs are clustered as the linker
    clusters them (:func:`bearwitness.linkage.clusters.cluster_ids`): most
    probable first, never joining two people one list names apart, so a
    sampled linkage cannot chain namesakes that the linker keeps apart.
    """
    probability = pairs["probability"].to_numpy(dtype=np.float64)
    keep = (
        (rng.random(len(probability)) < probability)
        if rng is not None
        else (probability >= threshold)
    )
    keyed = records[["record_id", "list"]].rename(columns={"record_id": "record_key"})
    clusters = cluster_ids(keyed, pairs.loc[keep], threshold=0.0)
    labels = pd.Index(clusters["cluster_id"].unique()).get_indexer(clusters["cluster_id"])
    out: npt.NDArray[np.int64] = labels.astype(np.int64)
    return out


def estimate_with_linkage(
    records: pd.DataFrame,
    pairs: pd.DataFrame,
    lists: Sequence[str] | None = None,
    strata: Sequence[str] = (),
    method: str = "lcmcr",
    linkages: int = 20,
    seed: int = 0,
    options: Options | None = None,
    progress: Progress | None = None,
) -> EstimateResult:
    """Average the estimate over `linkages` sampled linkages (LCMCR or dga)."""
    if method not in ("lcmcr", "dga"):
        raise EstimationError(
            f"Averaging over linkages needs a Bayesian method, not {method!r}.",
            hint="Use --method lcmcr or --method dga with records and pairs.",
        )
    if linkages < 1:
        raise EstimationError("At least one linkage must be sampled.", hint="The default is 20.")
    check_linkage_tables(records, pairs)
    options = options or Options()
    rng = np.random.default_rng(seed)
    best = _histories(records, sample_clusters(records, pairs, None), lists, strata)
    labels = list(best)
    pooled: dict[str, list[npt.NDArray[np.int64]]] = {label: [] for label in labels}
    densities: dict[str, list[tuple[int, npt.NDArray[np.float64]]]] = {k: [] for k in labels}
    people: list[int] = []
    worst_rhat = 0.0
    for draw in range(linkages):
        sampled = _histories(records, sample_clusters(records, pairs, rng), lists, strata)
        if set(sampled) != set(labels):
            raise EstimationError(
                "A sampled linkage left a stratum empty.",
                hint="Merge small strata before estimating.",
            )
        people.append(sum(h.n_observed for h in sampled.values()))
        for index, label in enumerate(labels):
            if method == "lcmcr":
                posterior = estimate_lcmcr(
                    sampled[label], options.lcmcr, seed + 1000 * draw + index, progress
                )
                pooled[label].append(posterior.draws)
                rhat = diagnostics.check_convergence(posterior).rhat
                worst_rhat = max(worst_rhat, rhat) if np.isfinite(rhat) else worst_rhat
            else:
                grid = estimate_dga(sampled[label], delta=options.delta)
                densities[label].append((int(grid.grid[0]), grid.posterior))
    results: dict[str, StratumResult] = {}
    all_draws: list[npt.NDArray[np.int64]] = []
    for label in labels:
        histories = best[label]
        warnings = diagnostics.data_warnings(histories)
        if method == "lcmcr":
            draws = np.concatenate(pooled[label], axis=0)
            all_draws.append(draws.reshape(-1))
            posterior = Posterior(histories.n_observed, draws)
            result = _bayes_stratum(histories, posterior, warnings)
            # Rows are different linkages, so R-hat across them measures linkage, not mixing.
            result.details["convergence"] = {"worst_rhat_within_linkage": worst_rhat}
            results[label] = replace(result, warnings=tuple(warnings))
        else:
            interval = _mixture_interval(densities[label])
            n = histories.n_observed
            results[label] = StratumResult(
                histories,
                interval,
                Interval(interval.median - n, interval.lower - n, interval.upper - n),
                {},
                tuple(warnings),
            )
        results[label].details["best_linkage_n_observed"] = histories.n_observed
    total: Interval | None = next(iter(results.values())).N if len(labels) == 1 else None
    if method == "lcmcr" and len(labels) > 1:
        summed = np.sum(all_draws, axis=0)
        total = Posterior(int(summed.min()), summed.reshape(1, -1)).interval()
    linkage: dict[str, Any] = {
        "records": len(records),
        "candidate_pairs": len(pairs),
        "linkages_sampled": linkages,
        "people_per_linkage": {
            "min": min(people),
            "max": max(people),
            "mean": float(np.mean(people)),
        },
        "best_linkage_threshold": BEST_LINK,
    }
    return EstimateResult(
        method=method,
        seed=seed,
        settings={**options.for_method(method), "linkages": linkages},
        lists=next(iter(best.values())).lists,
        strata_columns=tuple(strata),
        strata=results,
        total=total,
        assumptions=tuple(diagnostics.assumptions(method, linkage_uncertain=True)),
        linkage=linkage,
    )


def _histories(
    records: pd.DataFrame,
    clusters: npt.NDArray[np.int64],
    lists: Sequence[str] | None,
    strata: Sequence[str],
) -> dict[str, CaptureHistories]:
    table = records.assign(cluster_id=clusters)
    # A sampled link may join records from two strata; the person then counts in the first.
    return histories_from_clusters(table, lists=lists, strata=strata, strict_strata=False)


def _mixture_interval(parts: list[tuple[int, npt.NDArray[np.float64]]]) -> Interval:
    """Quantiles of an equal-weight mixture of grid posteriors (each starting at its n)."""
    start = min(s for s, _ in parts)
    end = max(s + len(d) for s, d in parts)
    density = np.zeros(end - start)
    for s, d in parts:
        density[s - start : s - start + len(d)] += d / len(parts)
    cdf = np.cumsum(density)
    q = [start + int(np.searchsorted(cdf, p)) for p in (0.5, 0.025, 0.975)]
    return Interval(float(q[0]), float(q[1]), float(q[2]))
