"""Bayesian model averaging over decomposable graphical models (Madigan & York 1997).

As in the R package dga: every decomposable graph on the lists is a model of
their dependence; each gets a hyper-Dirichlet prior on the cell probabilities
(δ·2^(p-|C|) per cell of a clique's marginal table) and the posterior of N is
computed exactly on a grid of values, with no sampling.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt
from scipy import special

from bearwitness.errors import EstimationError
from bearwitness.estimate.histories import CaptureHistories
from bearwitness.estimate.posterior import Interval

FloatArray = npt.NDArray[np.float64]
Clique = tuple[int, ...]
# dga ships its graph lists for 3, 4 and 5 lists only (8 / 61 / 822 graphs).
MIN_LISTS, MAX_LISTS = 3, 5
# The grid of N runs to this multiple of n, as in the reference runs (0..20·n missing).
GRID_FACTOR = 20

LogPrior = Callable[[FloatArray], FloatArray]


@dataclass(frozen=True)
class Graph:
    """A decomposable graph as its cliques and the separators of a junction tree."""

    edges: tuple[tuple[int, int], ...]
    cliques: tuple[Clique, ...]
    separators: tuple[Clique, ...]
    components: int


@dataclass(frozen=True, eq=False)
class DgaResult:
    """Exact posterior of N on a grid, and the posterior weight of each graph."""

    n_observed: int
    grid: npt.NDArray[np.int64]  # values of N
    posterior: FloatArray  # P(N = grid[i] | data), summed over graphs
    graphs: tuple[Graph, ...]
    model_weights: FloatArray
    delta: float

    def quantile(self, q: float) -> int:
        """Smallest N on the grid whose posterior cumulative probability reaches q."""
        cdf = np.cumsum(self.posterior)
        return int(self.grid[min(int(np.searchsorted(cdf, q)), len(cdf) - 1)])

    def interval(self) -> Interval:
        return Interval(
            float(self.quantile(0.5)), float(self.quantile(0.025)), float(self.quantile(0.975))
        )

    def mean(self) -> float:
        return float(np.sum(self.grid * self.posterior))

    def mode(self) -> int:
        return int(self.grid[int(np.argmax(self.posterior))])

    def top_graph(self) -> tuple[Graph, float]:
        best = int(np.argmax(self.model_weights))
        return self.graphs[best], float(self.model_weights[best])


def inverse_n_prior(total: FloatArray) -> FloatArray:
    """log p(N) for p(N) ∝ 1/N, the default of dga and LCMCR."""
    return -np.log(total)


def estimate_dga(
    histories: CaptureHistories,
    delta: float | None = None,
    log_prior: LogPrior = inverse_n_prior,
    grid_factor: int = GRID_FACTOR,
) -> DgaResult:
    """Average over all decomposable graphs; δ defaults to 2^-p (dga's recommendation)."""
    p = histories.n_lists
    if not MIN_LISTS <= p <= MAX_LISTS:
        raise EstimationError(
            f"Model averaging over graphs works with 3 to 5 lists, not {p}.",
            hint="Use --method lcmcr or loglinear, or merge lists to at most 5.",
        )
    delta = 2.0**-p if delta is None else delta
    if delta <= 0:
        raise EstimationError("δ must be positive.", hint="The default is 2^-p.")
    n = histories.n_observed
    missing = np.arange(0, grid_factor * n + 1, dtype=np.float64)
    total = missing + n
    table = histories.full_table().astype(np.float64).reshape((2,) * p)

    # Log marginal likelihood of every clique's marginal table, on the whole grid.
    component: dict[Clique, FloatArray] = {}
    for size in range(1, p + 1):
        for clique in itertools.combinations(range(p), size):
            component[clique] = _component_log_ml(table, clique, missing, delta * 2.0 ** (p - size))
    alpha_total = delta * 2.0**p
    per_component = special.gammaln(alpha_total) - special.gammaln(total + alpha_total)
    shared = (
        special.gammaln(total + 1)
        - special.gammaln(missing + 1)
        - special.gammaln(table.reshape(-1)[1:] + 1).sum()
        + log_prior(total)
    )

    graphs = decomposable_graphs(p)
    log_weights = np.empty(len(graphs))
    accumulated = np.full(len(missing), -np.inf)
    for index, graph in enumerate(graphs):
        log_post = (
            sum(component[c] for c in graph.cliques)
            - sum((component[s] for s in graph.separators), np.zeros_like(missing))
            + graph.components * per_component
            + shared
        )
        log_weights[index] = special.logsumexp(log_post)
        accumulated = np.logaddexp(accumulated, log_post)
    norm = special.logsumexp(log_weights)
    return DgaResult(
        n_observed=n,
        grid=total.astype(np.int64),
        posterior=np.exp(accumulated - norm),
        graphs=graphs,
        model_weights=np.exp(log_weights - norm),
        delta=delta,
    )


def _component_log_ml(
    table: FloatArray, clique: Clique, missing: FloatArray, alpha: float
) -> FloatArray:
    others = tuple(i for i in range(table.ndim) if i not in clique)
    marginal = table.sum(axis=others).reshape(-1)
    # The all-absent marginal cell holds the unobserved people: it moves along the grid.
    fixed = special.gammaln(marginal[1:] + alpha).sum() - (len(marginal) - 1) * special.gammaln(
        alpha
    )
    moving: FloatArray = special.gammaln(marginal[0] + missing + alpha) - special.gammaln(alpha)
    result: FloatArray = fixed + moving
    return result


@cache
def decomposable_graphs(p: int) -> tuple[Graph, ...]:
    """Every decomposable (chordal) graph on p vertices: 8, 61 and 822 for p = 3, 4, 5."""
    pairs = list(itertools.combinations(range(p), 2))
    graphs: list[Graph] = []
    for mask in itertools.product([False, True], repeat=len(pairs)):
        edges = tuple(e for e, keep in zip(pairs, mask, strict=True) if keep)
        graph = _junction_tree(p, edges)
        if graph is not None:
            graphs.append(graph)
    return tuple(graphs)


def _junction_tree(p: int, edges: tuple[tuple[int, int], ...]) -> Graph | None:
    """Cliques and separators of a chordal graph, or None when it is not chordal."""
    neighbours: list[set[int]] = [set() for _ in range(p)]
    for a, b in edges:
        neighbours[a].add(b)
        neighbours[b].add(a)
    # Maximum cardinality search: chordal iff every vertex's earlier neighbours form a clique.
    order: list[int] = []
    weight = [0] * p
    while len(order) < p:
        v = max((u for u in range(p) if u not in order), key=lambda u: (weight[u], -u))
        earlier = neighbours[v] & set(order)
        if any(b not in neighbours[a] for a, b in itertools.combinations(earlier, 2)):
            return None
        order.append(v)
        for u in neighbours[v]:
            weight[u] += 1
    candidates = [frozenset(neighbours[v] & set(order[:i])) | {v} for i, v in enumerate(order)]
    cliques = [c for c in candidates if not any(c < other for other in candidates)]
    cliques = list(dict.fromkeys(cliques))
    # Junction tree: maximum-weight spanning forest of the clique intersection graph.
    links = sorted(
        (
            (len(a & b), i, k)
            for (i, a), (k, b) in itertools.combinations(enumerate(cliques), 2)
            if a & b
        ),
        reverse=True,
    )
    parent = list(range(len(cliques)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    separators: list[Clique] = []
    for _, i, k in links:
        ri, rk = root(i), root(k)
        if ri != rk:
            parent[ri] = rk
            separators.append(tuple(sorted(cliques[i] & cliques[k])))
    return Graph(
        edges=edges,
        cliques=tuple(tuple(sorted(c)) for c in cliques),
        separators=tuple(separators),
        components=len(cliques) - len(separators),
    )
