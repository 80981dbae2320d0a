"""Numba Gibbs sweeps of the LCMCR sampler (Manrique-Vallier 2016).

Same model, priors and sweep order as the C++ sampler of the R package LCMCR
0.4.14, so the posteriors agree; the random streams differ (Numba's Mersenne
Twister, not GSL taus2), so individual draws do not.

The sampler works on the table of distinct observed patterns: a sweep costs
O(M·K·J) for M patterns, whatever the number of people.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# Keep λ off 0 and 1 so the logs stay finite (a Beta draw can round to either).
_EPS = 1e-300


@njit(cache=True, nogil=True)
def seed_stream(seed: int) -> None:
    """Seed Numba's random stream of the calling thread (separate from NumPy's).

    Numba keeps one stream per thread, so a chain seeded and run on one thread
    is reproducible whatever runs on the other threads.
    """
    np.random.seed(seed)


@njit(cache=True)
def _multinomial(
    n: int, p: np.ndarray, out: np.ndarray, order: np.ndarray, suffix: np.ndarray
) -> None:
    """Multinomial(n, p) into out, by sequential binomials (p sums to 1).

    Classes are taken in decreasing probability, so the count is usually used up
    after the few occupied classes and the rest cost nothing. Any order is exact.
    """
    k_count = p.shape[0]
    for k in range(k_count):  # insertion sort of K indices: K is small
        order[k] = k
        i = k
        while i > 0 and p[order[i - 1]] < p[order[i]]:
            order[i - 1], order[i] = order[i], order[i - 1]
            i -= 1
    # Probability left after each position, summed from the small end so that it
    # stays accurate when the large classes have taken nearly all of it.
    acc = 0.0
    for index in range(k_count - 1, -1, -1):
        acc += p[order[index]]
        suffix[index] = acc
    remaining = n
    for index in range(k_count - 1):
        k = order[index]
        if remaining == 0:
            out[k] = 0
            continue
        q = p[k] / suffix[index]
        if q >= 1.0:
            out[k] = remaining
            remaining = 0
        elif q <= 0.0:
            out[k] = 0
        else:
            draw = np.random.binomial(remaining, q)
            out[k] = draw
            remaining -= draw
    out[order[k_count - 1]] = remaining


@njit(cache=True)
def _gamma(shape: float) -> float:
    """A Gamma(shape, 1) draw for shape >= 1 (Marsaglia & Tsang 2000).

    About twice as fast as Numba's general np.random.gamma, which matters: a
    sweep draws 2·J·K of them for λ alone.
    """
    d = shape - 1.0 / 3.0
    c = 1.0 / np.sqrt(9.0 * d)
    while True:
        x = np.random.standard_normal()
        v = 1.0 + c * x
        if v <= 0.0:
            continue
        v = v * v * v
        u = np.random.random()
        if u < 1.0 - 0.0331 * x * x * x * x:
            return float(d * v)
        if np.log(u) < 0.5 * x * x + d * (1.0 - v + np.log(v)):
            return float(d * v)


@njit(cache=True)
def _log_gamma(shape: float) -> float:
    """log of a Gamma(shape, 1) draw, exact for small shapes (Robert & Casella 2004, p. 45):
    Gamma(a) = Gamma(a + 1) · U^(1/a), kept in logs so that tiny draws do not underflow."""
    if shape < 1.0:
        u = 1.0 - np.random.random()  # in (0, 1]
        return float(np.log(u) / shape + np.log(_gamma(1.0 + shape)))
    return float(np.log(_gamma(shape)))


@njit(cache=True)
def _beta(a: float, b: float) -> float:
    """A Beta(a, b) draw for a, b >= 1: by inversion when a or b is 1 (every empty
    class has Beta(1, 1 + its unobserved members)), otherwise as a ratio of gammas."""
    if a == 1.0:
        return float(1.0 - (1.0 - np.random.random()) ** (1.0 / b))
    if b == 1.0:
        return float((1.0 - np.random.random()) ** (1.0 / a))
    x = _gamma(a)
    return x / (x + _gamma(b))


@njit(cache=True)
def _categorical(p: np.ndarray, out: np.ndarray) -> None:
    """One draw from Multinomial(1, p): cheaper than K binomials for single people."""
    u = np.random.random()
    k_last = p.shape[0] - 1
    chosen = k_last
    acc = 0.0
    for k in range(k_last):
        acc += p[k]
        if u < acc:
            chosen = k
            break
    out[:] = 0
    out[chosen] = 1


@njit(cache=True, nogil=True)
def run_sweeps(
    x: np.ndarray,  # (M, J) int64 patterns
    c: np.ndarray,  # (M,) int64 counts
    lam: np.ndarray,  # (J, K) state, updated in place
    lognu: np.ndarray,  # (K,) state: log class weights
    z0: np.ndarray,  # (K,) int64 state: classes of the unobserved
    scalars: np.ndarray,  # [alpha, n0] state
    a_alpha: float,
    b_alpha: float,
    update_alpha: bool,
    n_sweeps: int,
    thinning: int,
    max_n0: int,
    out_n0: np.ndarray,  # (n_sweeps // thinning,) int64 kept n0 draws
    out_alpha: np.ndarray,  # same length, kept alpha draws
) -> None:
    m_count, j_count = x.shape
    k_count = lognu.shape[0]
    n_obs = 0
    for m in range(m_count):
        n_obs += c[m]
    loglam = np.empty((j_count, k_count))
    log1m = np.empty((j_count, k_count))
    lp = np.empty(k_count)
    nu = np.exp(lognu)
    prob = np.empty(k_count)
    z = np.empty(k_count, dtype=np.int64)
    order = np.empty(k_count, dtype=np.int64)
    suffix = np.empty(k_count)
    nk = np.empty(k_count, dtype=np.int64)
    s1 = np.empty((j_count, k_count), dtype=np.int64)
    alpha = scalars[0]
    n0 = int(scalars[1])
    kept = 0
    for sweep in range(n_sweeps):
        for j in range(j_count):
            for k in range(k_count):
                loglam[j, k] = np.log(lam[j, k])
                log1m[j, k] = np.log1p(-lam[j, k])
        # 1. class counts of each observed pattern
        nk[:] = 0
        s1[:, :] = 0
        for m in range(m_count):
            top = -np.inf
            for k in range(k_count):
                v = lognu[k]
                for j in range(j_count):
                    v += loglam[j, k] if x[m, j] == 1 else log1m[j, k]
                lp[k] = v
                if v > top:
                    top = v
            total = 0.0
            for k in range(k_count):
                prob[k] = np.exp(lp[k] - top)
                total += prob[k]
            for k in range(k_count):
                prob[k] /= total
            if c[m] == 1:
                _categorical(prob, z)
            else:
                _multinomial(c[m], prob, z, order, suffix)
            for k in range(k_count):
                nk[k] += z[k]
                for j in range(j_count):
                    if x[m, j] == 1:
                        s1[j, k] += z[k]
        # 2. λ | counts ~ Beta(1 + seen, 1 + not seen), the unobserved counting as not seen
        for k in range(k_count):
            for j in range(j_count):
                v = _beta(1.0 + s1[j, k], 1.0 + nk[k] - s1[j, k] + z0[k])
                lam[j, k] = min(max(v, _EPS), 1.0 - 1e-16)
        # 3. stick-breaking weights, in log space as LCMCR does: a stick next to 1
        #    has log(1 - V) far below what 1 - V can hold in a double, and α depends on it.
        for k in range(k_count):
            nk[k] += z0[k]
        tail = 0
        for k in range(k_count):
            tail += nk[k]
        log_rest = 0.0  # Σ log(1 - V) so far
        for k in range(k_count - 1):
            tail -= nk[k]
            g1 = _log_gamma(1.0 + nk[k])
            g2 = _log_gamma(alpha + tail)
            top = max(g1, g2)
            norm = top + np.log(np.exp(g1 - top) + np.exp(g2 - top))
            lognu[k] = g1 - norm + log_rest
            log_rest += g2 - norm
        lognu[k_count - 1] = log_rest
        for k in range(k_count):
            nu[k] = np.exp(lognu[k])
        # 4. probability of the unobservable all-zero pattern, per class
        pi0 = 0.0
        for k in range(k_count):
            v = lognu[k]
            for j in range(j_count):
                v += np.log1p(-lam[j, k])
            prob[k] = np.exp(v)
            pi0 += prob[k]
        # 5. n0 | · ~ NegBin(n, 1 - π0) under p(N) ∝ 1/N; redrawn above the cap like LCMCR
        if pi0 >= 1.0:
            pi0 = 1.0 - 1e-12
        while True:
            n0 = np.random.negative_binomial(n_obs, 1.0 - pi0)
            if n0 <= max_n0:
                break
        # 6. classes of the unobserved
        for k in range(k_count):
            prob[k] /= pi0
        _multinomial(n0, prob, z0, order, suffix)
        # 7. concentration α ~ Gamma(a + K - 1, rate b - log ν_K)
        if update_alpha:
            alpha = np.random.gamma(a_alpha + k_count - 1.0, 1.0 / (b_alpha - log_rest))
        if (sweep + 1) % thinning == 0 and kept < out_n0.shape[0]:
            out_n0[kept] = n0
            out_alpha[kept] = alpha
            kept += 1
    scalars[0] = alpha
    scalars[1] = n0
