"""Run one method over every stratum and assemble a result with its diagnostics."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
from scipy import signal

from bearwitness.errors import EstimationError
from bearwitness.estimate import diagnostics
from bearwitness.estimate.dga import DgaResult, estimate_dga
from bearwitness.estimate.histories import CaptureHistories
from bearwitness.estimate.lcmcr import LcmcrSettings, Progress, estimate_lcmcr
from bearwitness.estimate.loglinear import select_model
from bearwitness.estimate.posterior import Interval, Posterior
from bearwitness.estimate.result import EstimateResult, StratumResult

METHODS = ("lcmcr", "loglinear", "dga")


@dataclass(frozen=True)
class Options:
    """Settings of all methods; each method reads its own."""

    lcmcr: LcmcrSettings = field(default_factory=LcmcrSettings)
    criterion: str = "bic"  # loglinear model selection
    delta: float | None = None  # dga; None means 2^-p
    sensitivity: bool = False  # LCMCR: re-run with other K and priors

    def for_method(self, method: str) -> dict[str, Any]:
        if method == "lcmcr":
            return {**asdict(self.lcmcr), "sensitivity": self.sensitivity}
        if method == "loglinear":
            return {"criterion": self.criterion}
        return {"delta": self.delta if self.delta is not None else "2^-p"}


def estimate(
    strata: Mapping[str, CaptureHistories],
    method: str = "lcmcr",
    seed: int = 0,
    options: Options | None = None,
    strata_columns: tuple[str, ...] = (),
    source: str | None = None,
    progress: Progress | None = None,
) -> EstimateResult:
    """Estimate the total in each stratum, and over all strata where they combine."""
    if method not in METHODS:
        raise EstimationError(
            f"Unknown method {method!r}.", hint=f"Use one of {', '.join(METHODS)}."
        )
    if not strata:
        raise EstimationError("No strata to estimate.", hint="Give a non-empty table.")
    options = options or Options()
    results: dict[str, StratumResult] = {}
    posteriors: list[Posterior] = []
    grids: list[DgaResult] = []
    for index, (label, histories) in enumerate(strata.items()):
        warnings = diagnostics.data_warnings(histories)
        if method == "lcmcr":
            posterior = estimate_lcmcr(histories, options.lcmcr, seed + index, progress)
            posteriors.append(posterior)
            results[label] = _bayes_stratum(histories, posterior, warnings)
            if options.sensitivity:
                results[label].details["sensitivity"] = sensitivity(
                    histories, options.lcmcr, seed + index
                )
        elif method == "loglinear":
            fit = select_model(histories, options.criterion)
            n = histories.n_observed
            details = {
                "model": fit.chosen.name(histories.n_lists),
                "point_estimate": fit.chosen.n_hat,
                "deviance": fit.chosen.deviance,
                "df": fit.chosen.df,
                "aic": fit.chosen.aic,
                "bic": fit.chosen.bic,
                "models_compared": len(fit.ranking),
                "top_models": [
                    {"model": f.name(histories.n_lists), "N": f.n_hat, "aic": f.aic, "bic": f.bic}
                    for f in fit.ranking[:5]
                ],
                "interval": "multinomial profile likelihood (Cormack 1992); the point "
                "(reported as median) is the Poisson MLE n + exp(intercept)",
            }
            # The point is Rcapture's abundance n + exp(β0); the interval is the profile one.
            point = Interval(fit.chosen.n_hat, fit.interval.lower, fit.interval.upper)
            details["profile_maximum"] = fit.interval.median
            shifted = Interval(point.median - n, point.lower - n, point.upper - n)
            results[label] = StratumResult(histories, point, shifted, details, tuple(warnings))
        else:
            grid = estimate_dga(histories, delta=options.delta)
            grids.append(grid)
            graph, weight = grid.top_graph()
            names = histories.lists
            details = {
                "delta": grid.delta,
                "graphs": len(grid.graphs),
                "mean": grid.mean(),
                "mode": grid.mode(),
                "top_graph_edges": [f"{names[a]}-{names[b]}" for a, b in graph.edges],
                "top_graph_weight": weight,
                "grid_max": int(grid.grid[-1]),
            }
            n = histories.n_observed
            interval = grid.interval()
            shifted = Interval(interval.median - n, interval.lower - n, interval.upper - n)
            if grid.posterior[-100:].sum() > 1e-3:
                warnings.append(
                    "The posterior of N reaches the top of the grid (20 times the "
                    "documented count): the data say little about the total."
                )
            results[label] = StratumResult(
                histories,
                interval,
                shifted,
                details,
                tuple(warnings),
                values=grid.grid,
                weights=grid.posterior,
            )
    total = _combine(method, results, posteriors, grids)
    first = next(iter(strata.values()))
    return EstimateResult(
        method=method,
        seed=seed if method == "lcmcr" else None,
        settings=options.for_method(method),
        lists=first.lists,
        strata_columns=strata_columns,
        strata=results,
        total=total,
        assumptions=tuple(diagnostics.assumptions(method, linkage_uncertain=False)),
        source=source,
    )


def _bayes_stratum(
    histories: CaptureHistories, posterior: Posterior, warnings: list[str]
) -> StratumResult:
    convergence = diagnostics.check_convergence(posterior)
    warnings = warnings + diagnostics.convergence_warnings(convergence)
    details: dict[str, Any] = {
        "mean": posterior.mean(),
        "convergence": convergence.as_dict(),
        "chain_medians": [float(m) for m in np.median(posterior.draws, axis=1)],
    }
    return StratumResult(
        histories,
        posterior.interval(),
        posterior.unrecorded(),
        details,
        tuple(warnings),
        values=posterior.pooled,
    )


def _combine(
    method: str,
    results: Mapping[str, StratumResult],
    posteriors: list[Posterior],
    grids: list[DgaResult],
) -> Interval | None:
    if len(results) == 1:
        return next(iter(results.values())).N
    if method == "lcmcr":
        # Strata are independent: adding the k-th draw of each gives draws of the total.
        total = np.sum([p.pooled for p in posteriors], axis=0)
        return Posterior(int(total.min()), total.reshape(1, -1)).interval()
    if method == "dga":
        density = grids[0].posterior
        start = int(grids[0].grid[0])
        for grid in grids[1:]:
            density = np.clip(signal.fftconvolve(density, grid.posterior), 0.0, None)
            start += int(grid.grid[0])
        density /= density.sum()
        cdf = np.cumsum(density)
        q = [start + int(np.searchsorted(cdf, p)) for p in (0.5, 0.025, 0.975)]
        return Interval(float(q[0]), float(q[1]), float(q[2]))
    # Profile intervals do not add up; the total is left to the strata.
    return None


def sensitivity(
    histories: CaptureHistories, settings: LcmcrSettings, seed: int
) -> list[dict[str, Any]]:
    """The LCMCR estimate under other numbers of classes and another concentration prior."""
    rows: list[dict[str, Any]] = []
    variants = [(5, 0.25, 0.25), (10, 0.25, 0.25), (20, 0.25, 0.25), (10, 1.0, 1.0)]
    for k, a, b in variants:
        varied = replace(settings, K=k, a_alpha=a, b_alpha=b)
        interval = estimate_lcmcr(histories, varied, seed).interval()
        rows.append({"K": k, "a_alpha": a, "b_alpha": b, **interval.as_dict()})
    return rows
