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
_LOG4 = float(np.log(4.0))
_BB_CONST = 1.0 + float(np.log(5.0))  # Cheng's squeeze constant, 1 + log 5


@njit(cache=True, nogil=True)
def seed_stream(seed: int) -> None:
    """Seed Numba's random stream of the calling thread (separate from NumPy's).

    Numba keeps one stream per thread, so a chain seeded and run on one thread
    is reproducible whatever runs on the other threads.
    """
    np.random.seed(seed)


@njit(cache=True)
def _multinomial(
    n: int, p: np.ndarray, order: np.ndarray, suffix: np.ndarray, out: np.ndarray
) -> None:
    """Multinomial(n, p / sum(p)) into out, by sequential binomials; p need not sum to 1.

    Classes are taken in `order` (the sweep's classes by decreasing weight), so the
    count is usually used up after the few occupied classes and the rest cost
    nothing. Any order is exact; `suffix` is scratch space.
    """
    k_count = p.shape[0]
    # Probability left from each position on, summed from the small end so that
    # it stays accurate when the large classes have taken nearly all of it.
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
    class has Beta(1, 1 + its unobserved members)), otherwise by Cheng's (1978)
    algorithm BB, an exact rejection sampler that needs two uniforms and, nearly
    always, one log and one exp: about half the cost of a ratio of two Gamma draws."""
    if a == 1.0:
        return float(1.0 - (1.0 - np.random.random()) ** (1.0 / b))
    if b == 1.0:
        return float((1.0 - np.random.random()) ** (1.0 / a))
    small = min(a, b)
    large = max(a, b)
    total = small + large
    scale = np.sqrt((total - 2.0) / (2.0 * small * large - total))
    shift = small + 1.0 / scale
    while True:
        u1 = np.random.random()
        if u1 == 0.0:
            continue
        u2 = np.random.random()
        v = scale * np.log(u1 / (1.0 - u1))
        w = small * np.exp(v)
        z = u1 * u1 * u2
        r = shift * v - _LOG4
        s = small + r - w
        if s + _BB_CONST >= 5.0 * z:
            break
        t = np.log(z)
        if s > t:
            break
        if r + total * np.log(total / (large + w)) >= t:
            break
    if small == a:
        return float(w / (large + w))
    return float(large / (large + w))


@njit(cache=True)
def _categorical(p: np.ndarray, order: np.ndarray, total: float, out: np.ndarray) -> None:
    """One draw from Multinomial(1, p / total): cheaper than K binomials for one person."""
    u = np.random.random() * total
    k_count = p.shape[0]
    chosen = order[k_count - 1]
    acc = 0.0
    for index in range(k_count - 1):
        k = order[index]
        acc += p[k]
        if u < acc:
            chosen = k
            break
    out[:] = 0
    out[chosen] = 1


@njit(cache=True)
def _log_stick(a: float, b: float) -> tuple[float, float]:
    """log V and log(1 - V) for V ~ Beta(a, b), in logs as LCMCR does: a stick next
    to 1 has log(1 - V) far below what 1 - V can hold in a double, and α depends on it.

    An empty class has a = 1, and then 1 - V = U^(1/b) exactly: one uniform instead
    of two Gamma draws. Most of the K sticks are empty classes.
    """
    if a == 1.0:
        u = np.random.random()
        while u == 0.0:
            u = np.random.random()
        log_rest = np.log(u) / b
        return float(np.log(-np.expm1(log_rest))), float(log_rest)
    g1 = _log_gamma(a)
    g2 = _log_gamma(b)
    top = max(g1, g2)
    norm = top + np.log(np.exp(g1 - top) + np.exp(g2 - top))
    return g1 - norm, g2 - norm


@njit(cache=True)
def _sort_by_weight(lognu: np.ndarray, order: np.ndarray) -> None:
    """Class indices by decreasing weight (insertion sort: K is small, and the order
    changes little from one sweep to the next)."""
    k_count = lognu.shape[0]
    for k in range(k_count):
        i = k
        while i > 0 and lognu[order[i - 1]] < lognu[order[i]]:
            order[i - 1], order[i] = order[i], order[i - 1]
            i -= 1


@njit(cache=True)
def _class_probabilities(
    x: np.ndarray,
    m: int,
    nu: np.ndarray,
    factor: np.ndarray,
    lam: np.ndarray,
    lognu: np.ndarray,
    prob: np.ndarray,
) -> float:
    """ν_k · P(pattern m | class k) for each class, unnormalised; returns their sum.

    In plain products, as LCMCR does, so no log or exp per pattern; `factor[1]` is λ
    and `factor[0]` is 1 - λ. If every class underflows (a pattern all but impossible
    under the current λ), the same values are computed in logs and rescaled.
    """
    j_count = x.shape[1]
    k_count = nu.shape[0]
    total = 0.0
    for k in range(k_count):
        v = nu[k]
        for j in range(j_count):
            v *= factor[x[m, j], j, k]
        prob[k] = v
        total += v
    if total > 1e-280:
        return total
    top = -np.inf
    for k in range(k_count):
        v = lognu[k]
        for j in range(j_count):
            v += np.log(lam[j, k]) if x[m, j] == 1 else np.log1p(-lam[j, k])
        prob[k] = v
        top = max(top, v)
    total = 0.0
    for k in range(k_count):
        prob[k] = np.exp(prob[k] - top)
        total += prob[k]
    return total


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
    # All scratch space is allocated once per call, never per sweep.
    m_count, j_count = x.shape
    k_count = lognu.shape[0]
    n_obs = 0
    for m in range(m_count):
        n_obs += c[m]
    factor = np.empty((2, j_count, k_count))  # [0] = 1 - λ, [1] = λ
    nu = np.empty(k_count)
    prob = np.empty(k_count)
    prob0 = np.empty(k_count)
    z = np.empty(k_count, dtype=np.int64)
    order = np.arange(k_count)
    suffix = np.empty(k_count)
    nk = np.empty(k_count, dtype=np.int64)
    s1 = np.empty((j_count, k_count), dtype=np.int64)
    alpha = scalars[0]
    n0 = int(scalars[1])
    for j in range(j_count):
        for k in range(k_count):
            factor[0, j, k] = 1.0 - lam[j, k]
            factor[1, j, k] = lam[j, k]
    for k in range(k_count):
        nu[k] = np.exp(lognu[k])
    _sort_by_weight(lognu, order)
    kept = 0
    for sweep in range(n_sweeps):
        # 1. class counts of each observed pattern
        nk[:] = 0
        s1[:, :] = 0
        for m in range(m_count):
            if c[m] == 0:
                continue
            total = _class_probabilities(x, m, nu, factor, lam, lognu, prob)
            if c[m] == 1:
                _categorical(prob, order, total, z)
            else:
                _multinomial(c[m], prob, order, suffix, z)
            for k in range(k_count):
                zk = z[k]
                if zk != 0:
                    nk[k] += zk
                    for j in range(j_count):
                        s1[j, k] += x[m, j] * zk
        # 2. λ | counts ~ Beta(1 + seen, 1 + not seen), the unobserved counting as not seen
        for k in range(k_count):
            for j in range(j_count):
                v = _beta(1.0 + s1[j, k], 1.0 + nk[k] - s1[j, k] + z0[k])
                v = min(max(v, _EPS), 1.0 - 1e-16)
                lam[j, k] = v
                factor[1, j, k] = v
                factor[0, j, k] = 1.0 - v
        # 3. stick-breaking weights, in log space as LCMCR does
        for k in range(k_count):
            nk[k] += z0[k]
        tail = 0
        for k in range(k_count):
            tail += nk[k]
        log_rest = 0.0  # Σ log(1 - V) so far
        for k in range(k_count - 1):
            tail -= nk[k]
            log_v, log_1mv = _log_stick(1.0 + nk[k], alpha + tail)
            lognu[k] = log_v + log_rest
            log_rest += log_1mv
        lognu[k_count - 1] = log_rest
        # 4. probability of the unobservable all-zero pattern, per class
        pi0 = 0.0
        for k in range(k_count):
            nu[k] = np.exp(lognu[k])
            v = nu[k]
            for j in range(j_count):
                v *= factor[0, j, k]
            prob0[k] = v
            pi0 += v
        _sort_by_weight(lognu, order)
        # 5. n0 | · ~ NegBin(n, 1 - π0) under p(N) ∝ 1/N; redrawn above the cap like LCMCR
        if pi0 >= 1.0:
            pi0 = 1.0 - 1e-12
        while True:
            n0 = np.random.negative_binomial(n_obs, 1.0 - pi0)
            if n0 <= max_n0:
                break
        # 6. classes of the unobserved
        _multinomial(n0, prob0, order, suffix, z0)
        # 7. concentration α ~ Gamma(a + K - 1, rate b - log ν_K)
        if update_alpha:
            alpha = np.random.gamma(a_alpha + k_count - 1.0, 1.0 / (b_alpha - log_rest))
        if (sweep + 1) % thinning == 0 and kept < out_n0.shape[0]:
            out_n0[kept] = n0
            out_alpha[kept] = alpha
            kept += 1
    scalars[0] = alpha
    scalars[1] = n0
