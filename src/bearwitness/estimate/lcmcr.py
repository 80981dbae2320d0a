"""Bayesian latent-class capture-recapture (LCMCR, Manrique-Vallier 2016).

People fall into up to K latent classes; within a class, being on one list is
independent of being on another. Mixing classes lets capture probabilities
vary between people and lists depend on each other. The number never recorded
is drawn by data augmentation under the prior p(N) ∝ 1/N.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bearwitness.errors import EstimationError
from bearwitness.estimate._lcmcr_kernel import run_sweeps, seed_stream
from bearwitness.estimate.histories import CaptureHistories
from bearwitness.estimate.posterior import Posterior

# Sweeps run with α held fixed before burn-in, as lcmCR() does at initialisation.
WARMUP_SWEEPS = 500
# LCMCR redraws n0 above 20·n, so N is in effect capped at 21·n; we do the same.
N0_CAP_FACTOR = 20
# Sweeps per call into the kernel, so a progress bar can move.
_BLOCK = 20_000

Progress = Callable[[int], None]


@dataclass(frozen=True)
class LcmcrSettings:
    """Sampler settings; the defaults are the LCMCR package example (K = 10, thinning 100).

    a_alpha, b_alpha: Gamma(shape, rate) prior on the stick-breaking concentration.
    """

    K: int = 10
    a_alpha: float = 0.25
    b_alpha: float = 0.25
    burnin: int = 10_000
    samples: int = 1_000
    thinning: int = 100
    chains: int = 4

    def __post_init__(self) -> None:
        if self.K < 2:
            raise EstimationError(
                f"K = {self.K} latent classes is too few.",
                hint="Use at least 2 (the default is 10).",
            )
        if min(self.burnin, 0) < 0 or self.samples < 1 or self.thinning < 1 or self.chains < 1:
            raise EstimationError(
                "Burn-in must be 0 or more; samples, thinning and chains at least 1.",
                hint="The defaults are burn-in 10,000, 1,000 samples, thinning 100, 4 chains.",
            )
        if self.a_alpha <= 0 or self.b_alpha <= 0:
            raise EstimationError(
                "The Gamma prior on the concentration needs positive shape and rate.",
                hint="The LCMCR default is a_alpha = b_alpha = 0.25.",
            )

    @property
    def sweeps_per_chain(self) -> int:
        return WARMUP_SWEEPS + self.burnin + self.samples * self.thinning


def chain_seeds(seed: int, chains: int) -> list[int]:
    """Independent 32-bit seeds for each chain, derived from one user seed."""
    states = np.random.SeedSequence(seed).spawn(chains)
    return [int(s.generate_state(1, dtype=np.uint32)[0]) for s in states]


def estimate_lcmcr(
    histories: CaptureHistories,
    settings: LcmcrSettings | None = None,
    seed: int = 0,
    progress: Progress | None = None,
    workers: int | None = None,
) -> Posterior:
    """Sample the posterior of the total N; chains are reproducible from `seed`.

    `progress`, when given, is called with the number of sweeps just done (from
    worker threads). `workers` caps the chains run at once (default: CPU count).
    """
    settings = settings or LcmcrSettings()
    draws = np.empty((settings.chains, settings.samples), dtype=np.int64)
    alphas = np.empty((settings.chains, settings.samples))
    seeds = chain_seeds(seed, settings.chains)
    workers = max(1, min(workers or os.cpu_count() or 1, settings.chains))
    # The kernel releases the GIL, so chains run side by side on threads; each
    # chain is seeded and run whole on one thread, so results do not depend on
    # the number of workers.
    with ThreadPoolExecutor(max_workers=workers) as pool:
        runs = list(pool.map(lambda s: run_chain(histories, settings, s, progress), seeds))
    for chain, (n0, alpha) in enumerate(runs):
        draws[chain] = histories.n_observed + n0
        alphas[chain] = alpha
    return Posterior(
        n_observed=histories.n_observed,
        draws=draws,
        extra={"alpha": alphas},
    )


def run_chain(
    histories: CaptureHistories,
    settings: LcmcrSettings,
    seed: int,
    progress: Progress | None = None,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """One chain: kept draws of n0 (the number never recorded) and of α."""
    x = np.ascontiguousarray(histories.patterns, dtype=np.int64)
    c = np.ascontiguousarray(histories.counts, dtype=np.int64)
    n = histories.n_observed
    k = settings.K
    seed_stream(seed)
    # Start as LCMCR does: every class at the lists' marginal capture rates.
    rates = (x * c[:, None]).sum(axis=0) / n
    lam = np.repeat(np.clip(rates, 1e-6, 1 - 1e-6)[:, None], k, axis=1)
    # LCMCR's starting weights: 90% spread over four classes, 10% over the rest.
    nu = np.full(k, 1.0 / k) if k <= 4 else np.r_[np.full(4, 0.225), np.full(k - 4, 0.1 / (k - 4))]
    lognu = np.log(nu)
    z0 = np.zeros(k, dtype=np.int64)
    scalars = np.array([0.3 / k, 0.0])
    max_n0 = N0_CAP_FACTOR * n
    empty_i = np.empty(0, dtype=np.int64)
    empty_f = np.empty(0)

    def sweep(
        count: int,
        thinning: int,
        out_n0: npt.NDArray[np.int64],
        out_alpha: npt.NDArray[np.float64],
        update_alpha: bool,
    ) -> None:
        run_sweeps(
            x,
            c,
            lam,
            lognu,
            z0,
            scalars,
            settings.a_alpha,
            settings.b_alpha,
            update_alpha,
            count,
            thinning,
            max_n0,
            out_n0,
            out_alpha,
        )
        if progress is not None:
            progress(count)

    sweep(WARMUP_SWEEPS, 1, empty_i, empty_f, False)
    # Re-label classes by decreasing weight, as LCMCR does after its warm-up.
    order = np.argsort(-lognu, kind="stable")
    lam[:] = lam[:, order]
    lognu[:] = lognu[order]
    z0[:] = z0[order]

    remaining = settings.burnin
    while remaining > 0:
        step = min(remaining, _BLOCK)
        sweep(step, 1, empty_i, empty_f, True)
        remaining -= step

    n0 = np.empty(settings.samples, dtype=np.int64)
    alpha = np.empty(settings.samples)
    per_block = max(1, _BLOCK // settings.thinning)
    done = 0
    while done < settings.samples:
        take = min(per_block, settings.samples - done)
        sweep(
            take * settings.thinning,
            settings.thinning,
            n0[done : done + take],
            alpha[done : done + take],
            True,
        )
        done += take
    return n0, alpha
