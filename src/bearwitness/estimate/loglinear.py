"""Log-linear models of list dependence (as in the R package Rcapture).

The 2^J - 1 observable cells are fitted by Poisson regression on main effects
and interaction terms; the unobservable cell is the intercept, so
N̂ = n + exp(β0). Hierarchical models are ranked by AIC or BIC, and the
chosen model gets a multinomial profile-likelihood interval (Cormack 1992).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import optimize, special, stats

from bearwitness.errors import EstimationError
from bearwitness.estimate.histories import CaptureHistories
from bearwitness.estimate.posterior import Interval

Term = tuple[int, ...]
FloatArray = npt.NDArray[np.float64]

# Coefficients beyond this mean the MLE does not exist (a fitted cell goes to 0
# or the unobserved cell to infinity, as with lists that never overlap).
_DIVERGED = 25.0
# Exhaustive search up to this many two-way terms (2^10 models for 5 lists).
_EXHAUSTIVE_TWO_WAY = 10


@dataclass(frozen=True)
class LoglinearFit:
    """One fitted model: its generators (0-based list indices) and fit statistics."""

    generators: tuple[Term, ...]
    n_hat: float
    deviance: float
    df: int
    aic: float
    bic: float
    estimable: bool

    def name(self, j: int) -> str:
        """Rcapture's notation: '[123,14,34]' (lists numbered from 1)."""
        covered = {i for g in self.generators for i in g}
        parts = ["".join(str(i + 1) for i in g) for g in _ordered(self.generators)]
        parts += [str(i + 1) for i in range(j) if i not in covered]
        return "[" + ",".join(parts) + "]"


@dataclass(frozen=True)
class LoglinearResult:
    """The chosen model with its interval, and the ranking it was chosen from."""

    chosen: LoglinearFit
    interval: Interval  # median is the profile-likelihood MLE
    criterion: str
    ranking: tuple[LoglinearFit, ...]


def design(j: int, generators: tuple[Term, ...], include_zero: bool = False) -> FloatArray:
    """Design matrix over cells (index = pattern as binary, first list = top bit)."""
    cells = np.arange(0 if include_zero else 1, 1 << j)
    x = (cells[:, None] >> np.arange(j - 1, -1, -1)) & 1
    columns = [np.ones(len(cells))] + [x[:, i].astype(float) for i in range(j)]
    for term in _closure(generators):
        columns.append(np.prod(x[:, list(term)], axis=1).astype(float))
    return np.column_stack(columns)


def fit_poisson(x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray, bool]:
    """Poisson regression by iteratively reweighted least squares: (β, μ, converged)."""
    mu: FloatArray = y + 0.5
    eta: FloatArray = np.log(mu)
    beta: FloatArray = np.zeros(x.shape[1])
    previous = np.inf
    for _ in range(200):
        z = eta + (y - mu) / mu
        w = mu
        xtw = x.T * w
        beta = np.linalg.lstsq(xtw @ x, xtw @ z, rcond=None)[0].astype(np.float64)
        eta = np.clip(x @ beta, -700.0, 700.0)
        mu = np.exp(eta)
        dev = _deviance(y, mu)
        if abs(previous - dev) <= 1e-10 * (abs(dev) + 1e-8):
            return beta, mu, bool(np.abs(beta).max() < _DIVERGED)
        previous = dev
    return beta, mu, False


def fit_model(histories: CaptureHistories, generators: tuple[Term, ...]) -> LoglinearFit:
    """Fit one hierarchical model to the observable cells."""
    j = histories.n_lists
    y = histories.full_table()[1:].astype(float)
    x = design(j, generators)
    beta, mu, ok = fit_poisson(x, y)
    loglik = float(np.sum(special.xlogy(y, mu) - mu - special.gammaln(y + 1)))
    p = x.shape[1]
    return LoglinearFit(
        generators=generators,
        n_hat=histories.n_observed + float(np.exp(min(beta[0], 700.0))),
        deviance=_deviance(y, mu),
        df=len(y) - p,
        aic=-2.0 * loglik + 2.0 * p,
        bic=-2.0 * loglik + np.log(histories.n_observed) * p,
        estimable=ok,
    )


def candidate_models(j: int) -> list[tuple[Term, ...]]:
    """Hierarchical models to compare: every one up to (J-1)-way terms for J ≤ 4,
    every two-way model for J = 5; larger J is searched stepwise instead."""
    if j <= 4:
        terms = [t for size in range(2, j) for t in itertools.combinations(range(j), size)]
        return [g for g in _antichains(terms)]
    pairs = list(itertools.combinations(range(j), 2))
    return [
        tuple(p for p, keep in zip(pairs, mask, strict=True) if keep)
        for mask in itertools.product([False, True], repeat=len(pairs))
    ]


def select_model(histories: CaptureHistories, criterion: str = "bic") -> LoglinearResult:
    """Rank hierarchical models by AIC or BIC and give the best one a profile interval."""
    if criterion not in {"aic", "bic"}:
        raise EstimationError(
            f"Unknown model-selection criterion {criterion!r}.", hint="Use 'aic' or 'bic'."
        )
    j = histories.n_lists
    if j <= 4 or len(list(itertools.combinations(range(j), 2))) <= _EXHAUSTIVE_TWO_WAY:
        fits = [fit_model(histories, g) for g in candidate_models(j)]
    else:
        fits = _stepwise(histories, criterion)
    usable = [f for f in fits if f.estimable]
    if not usable:
        raise EstimationError(
            "No log-linear model could be fitted: the lists overlap too little.",
            hint="Try the LCMCR method, or merge sparse lists.",
        )
    ranking = tuple(sorted(usable, key=lambda f: getattr(f, criterion)))
    chosen = ranking[0]
    return LoglinearResult(
        chosen, profile_interval(histories, chosen.generators), criterion, ranking
    )


def profile_interval(
    histories: CaptureHistories, generators: tuple[Term, ...], level: float = 0.95
) -> Interval:
    """Multinomial profile-likelihood interval for N (Cormack 1992), as Rcapture gives."""
    n = histories.n_observed
    y_obs = histories.full_table().astype(float)
    x = design(histories.n_lists, generators, include_zero=True)
    const = float(special.gammaln(y_obs[1:] + 1).sum())

    def loglik(total: float) -> float:
        y = y_obs.copy()
        y[0] = total - n
        _, mu, _ = fit_poisson(x, y)
        return float(
            special.gammaln(total + 1)
            - special.gammaln(total - n + 1)
            - const
            + np.sum(special.xlogy(y, mu / total))
        )

    start = fit_model(histories, generators).n_hat
    hi_bound = max(start * 4.0, n + 10.0)
    best = optimize.minimize_scalar(
        lambda t: -loglik(t),
        bounds=(n, hi_bound),
        method="bounded",
        options={"xatol": 1e-3},
    )
    mle, top = float(best.x), -float(best.fun)
    cut = float(stats.chi2.ppf(level, 1)) / 2.0

    def gap(total: float) -> float:
        return top - loglik(total) - cut

    lower = float(n) if gap(float(n)) <= 0 else optimize.brentq(gap, n, mle, xtol=1e-3)
    upper_end = max(mle * 2.0, mle + 10.0)
    while gap(upper_end) < 0:
        if upper_end > 1000.0 * n:
            return Interval(mle, lower, float("inf"))
        upper_end *= 2.0
    upper = optimize.brentq(gap, mle, upper_end, xtol=1e-3)
    return Interval(mle, lower, upper)


def _stepwise(histories: CaptureHistories, criterion: str) -> list[LoglinearFit]:
    """Forward selection of two-way terms, for lists too many to compare every model."""
    pairs = list(itertools.combinations(range(histories.n_lists), 2))
    current = fit_model(histories, ())
    tried = [current]
    while True:
        options = [
            fit_model(histories, (*current.generators, p))
            for p in pairs
            if p not in current.generators
        ]
        tried += options
        better = [
            f
            for f in options
            if f.estimable and getattr(f, criterion) < getattr(current, criterion)
        ]
        if not better:
            return tried
        current = min(better, key=lambda f: getattr(f, criterion))


def _deviance(y: FloatArray, mu: FloatArray) -> float:
    terms: FloatArray = special.xlogy(y, y / np.maximum(mu, 1e-300)) - (y - mu)
    return 2.0 * float(terms.sum())


def _closure(generators: tuple[Term, ...]) -> list[Term]:
    """Every interaction term of order ≥ 2 implied by the generators (hierarchy)."""
    terms: set[Term] = set()
    for g in generators:
        for size in range(2, len(g) + 1):
            terms.update(itertools.combinations(g, size))
    return sorted(terms, key=lambda t: (len(t), t))


def _ordered(generators: tuple[Term, ...]) -> list[Term]:
    return sorted(generators, key=lambda t: (-len(t), t))


def _antichains(terms: list[Term]) -> list[tuple[Term, ...]]:
    """All sets of terms none of which contains another (generating classes)."""
    result: list[tuple[Term, ...]] = []

    def extend(chosen: list[Term], start: int) -> None:
        result.append(tuple(chosen))
        for index in range(start, len(terms)):
            t = terms[index]
            if all(not (set(t) <= set(c) or set(c) <= set(t)) for c in chosen):
                chosen.append(t)
                extend(chosen, index + 1)
                chosen.pop()

    extend([], 0)
    return result
