"""Diagnostics written for analysts: convergence, sparse data, and the assumptions made.

Each check returns plain sentences; a warning says what it means for the
estimate and what to do, not only a statistic.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from bearwitness.estimate.histories import CaptureHistories
from bearwitness.estimate.posterior import Posterior

# Vehtari et al. (2021) recommend R-hat below 1.01 and a bulk ESS of at least 100 per chain.
RHAT_LIMIT = 1.01
ESS_PER_CHAIN = 100
# Overlaps this small make interactions between lists poorly identified.
SPARSE_OVERLAP = 5


@dataclass(frozen=True)
class Convergence:
    rhat: float
    ess: float
    chains: int
    draws_per_chain: int

    @property
    def ok(self) -> bool:
        return self.rhat < RHAT_LIMIT and self.ess >= ESS_PER_CHAIN * self.chains

    def as_dict(self) -> dict[str, float | int | bool]:
        return {
            "rhat": self.rhat,
            "ess": self.ess,
            "chains": self.chains,
            "draws_per_chain": self.draws_per_chain,
            "ok": self.ok,
        }


def check_convergence(posterior: Posterior) -> Convergence:
    """Rank-normalised split R-hat and bulk effective sample size of N across chains."""
    draws = posterior.draws.astype(np.float64)
    if draws.shape[0] < 2 or np.ptp(draws) == 0:
        return Convergence(float("nan"), float("nan"), draws.shape[0], draws.shape[1])
    import arviz  # imported here: it takes a second, and every CLI start paid it

    return Convergence(
        rhat=float(arviz.rhat(draws)),  # type: ignore[no-untyped-call]
        ess=float(arviz.ess(draws)),  # type: ignore[no-untyped-call]
        chains=draws.shape[0],
        draws_per_chain=draws.shape[1],
    )


def convergence_warnings(convergence: Convergence) -> list[str]:
    if convergence.chains < 2:
        return ["Only one chain was run, so convergence cannot be checked; run 4 chains."]
    if convergence.ok:
        return []
    return [
        f"The chains do not agree well enough (R-hat {convergence.rhat:.3f}, "
        f"effective draws {convergence.ess:.0f}): the interval may be wrong. "
        "Run longer (more burn-in, more samples or thinning) and compare again."
    ]


def data_warnings(histories: CaptureHistories) -> list[str]:
    """Warnings about sparse cells and nearly disjoint lists, in plain words."""
    warnings: list[str] = []
    where = "" if histories.stratum == "all" else f" (stratum {histories.stratum})"
    if histories.n_observed < 50:
        warnings.append(
            f"Only {histories.n_observed} people are documented{where}; any estimate from so "
            "few is very uncertain. Consider merging strata."
        )
    x, c = histories.patterns, histories.counts
    sizes = histories.list_sizes()
    for a, b in itertools.combinations(range(histories.n_lists), 2):
        both = int(c[(x[:, a] == 1) & (x[:, b] == 1)].sum())
        name_a, name_b = histories.lists[a], histories.lists[b]
        if both == 0:
            warnings.append(
                f"Lists {name_a} and {name_b} share nobody{where}: their dependence cannot be "
                "estimated, and models that include it may not exist. Check the linkage."
            )
        elif both < SPARSE_OVERLAP:
            smaller = min(sizes[name_a], sizes[name_b])
            warnings.append(
                f"Lists {name_a} and {name_b} share only {both} people (of {smaller} on the "
                f"smaller list){where}: estimates that model their dependence are fragile."
            )
    seen_once = int(c[x.sum(axis=1) == 1].sum())
    if seen_once > 0.9 * histories.n_observed:
        warnings.append(
            f"{100 * seen_once / histories.n_observed:.0f}% of people are on one list only"
            f"{where}: the lists nearly do not overlap, so the estimate rests mostly on the "
            "model's assumptions and can be far too high."
        )
    return warnings


def assumptions(method: str, linkage_uncertain: bool) -> list[str]:
    """The assumptions behind an estimate, in plain language."""
    common = [
        "Closed population: the people counted are one fixed group over the period "
        "(nobody enters or leaves it while the lists are made).",
        "Every person could have been recorded by at least one list in principle; a group "
        "no list could reach at all is not estimated.",
    ]
    linkage = (
        "Linkage is uncertain: the estimate averages over plausible ways of matching records "
        "across lists, using the match probabilities given."
        if linkage_uncertain
        else "Perfect linkage: each person's records across lists were matched without error "
        "(missed matches inflate the estimate, false matches deflate it)."
    )
    model = {
        "lcmcr": "List dependence and unequal chances of being recorded are modelled by "
        "latent classes (Manrique-Vallier 2016): within a class, lists are independent.",
        "loglinear": "List dependence is modelled by the interaction terms of the chosen "
        "log-linear model; interactions between all lists at once are assumed absent.",
        "dga": "List dependence is averaged over all decomposable graphical models "
        "(Madigan & York 1997); the interaction of all lists together is assumed absent.",
    }[method]
    return [*common, linkage, model]
