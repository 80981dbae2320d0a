"""Benchmarks of multiple systems estimation; each part prints its figure and input size.

    .venv/bin/python bench/estimate.py speed        # LCMCR sweeps per second vs LCMCR (R/C++)
    .venv/bin/python bench/estimate.py reference    # LCMCR at the reference settings (slow)
    .venv/bin/python bench/estimate.py simulation   # coverage and bias on known populations

Reference numbers come from tests/data/mse/reference.json (R 4.2.2, LCMCR 0.4.14,
measured on a different, shared 2-CPU machine; provenance in tests/data/mse/README.md):
compare orders of magnitude, not percent.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from bearwitness.estimate.dga import estimate_dga
from bearwitness.estimate.histories import CaptureHistories, histories_from_patterns
from bearwitness.estimate.lcmcr import LcmcrSettings, estimate_lcmcr, run_chain
from bearwitness.estimate.loglinear import profile_interval, select_model
from bearwitness.estimate.simulation import simulate_histories

REFERENCE = Path(__file__).resolve().parents[1] / "tests" / "data" / "mse" / "reference.json"


def load() -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    data = json.loads(REFERENCE.read_text())
    return {d["dataset"]: d for d in data["datasets"]}, data["timing_benchmark_lcmcr"]


def sweeps_per_second(histories: CaptureHistories, k: int, sweeps: int, reps: int) -> list[float]:
    settings = LcmcrSettings(K=k, burnin=0, samples=sweeps // 100, thinning=100, chains=1)
    rates = []
    for rep in range(reps):
        # CPU time of this process: the machine is shared, and wall time would
        # count other people's work. (Single-threaded, so CPU time is the cost.)
        start = time.process_time()
        run_chain(histories, settings, seed=rep)
        rates.append(settings.sweeps_per_chain / (time.process_time() - start))
    return rates


def spread(rates: list[float]) -> str:
    """Median and range: the machine is shared, so one number would hide the noise."""
    return f"{np.median(rates):>9,.0f} ({min(rates):,.0f}-{max(rates):,.0f})"


def speed(reps: int) -> None:
    datasets, timings = load()
    tables = {n: histories_from_patterns(d["patterns"], d["lists"]) for n, d in datasets.items()}
    run_chain(tables["madigan_york_3list"], LcmcrSettings(burnin=0, samples=1, thinning=1), 0)
    print(f"LCMCR Gibbs sweeps per CPU-second, one chain, 500,000 sweeps, {reps} runs")
    print(
        f"{'data':<22}{'J':>3}{'n':>8}{'cells':>7}{'K':>4}{'ours: median (range)':>27}"
        f"{'LCMCR (R)':>11}{'ratio':>7}"
    )
    for row in timings:
        h = tables[row["dataset"]]
        ours = sweeps_per_second(h, row["K"], 500_000, reps)
        theirs = row["median_iterations_per_second"]
        print(
            f"{row['dataset']:<22}{h.n_lists:>3}{h.n_observed:>8}{len(h.counts):>7}"
            f"{row['K']:>4}{spread(ours):>27}{theirs:>11,}"
            f"{np.median(ours) / theirs:>7.2f}"
        )
    rng = np.random.default_rng(50_000)
    big = simulate_histories(
        rng,
        50_000,
        [0.5, 0.3, 0.2],
        [[0.5, 0.4, 0.3, 0.5, 0.4], [0.2, 0.1, 0.3, 0.15, 0.2], [0.05, 0.1, 0.05, 0.08, 0.1]],
    )
    ours = sweeps_per_second(big, 10, 200_000, reps)
    print(
        f"{'simulated 5-list':<22}{big.n_lists:>3}{big.n_observed:>8}{len(big.counts):>7}"
        f"{10:>4}{spread(ours):>27}{'n/a':>11}{'':>7}"
    )
    print(
        "(no reference timing exists for the simulated set; the sampler's cost depends on "
        "the number of distinct patterns, not on the number of people)"
    )
    # A whole estimate: 4 chains at the package-example settings, chains on threads.
    settings = LcmcrSettings()
    h = tables["kosovo_1999"]
    start = time.perf_counter()
    estimate_lcmcr(h, settings, seed=1)
    wall = time.perf_counter() - start
    kosovo = next(r for r in timings if r["dataset"] == "kosovo_1999" and r["K"] == 10)
    serial = settings.chains * settings.sweeps_per_chain / kosovo["median_iterations_per_second"]
    print(
        f"Kosovo (n = {h.n_observed:,}), 4 chains x {settings.sweeps_per_chain:,} sweeps, "
        f"K = 10: {wall:.1f} s wall with chains in parallel on {os.cpu_count()} CPUs; "
        f"LCMCR in R runs chains one after another: {serial:.1f} s at its measured rate"
    )


def reference() -> None:
    datasets, _ = load()
    settings = LcmcrSettings(K=10, burnin=100_000, samples=20_000, thinning=100, chains=4)
    for name in ["kosovo_1999", "hiv_rome", "madigan_york_3list"]:
        d = datasets[name]
        h = histories_from_patterns(d["patterns"], d["lists"])
        start = time.perf_counter()
        posterior = estimate_lcmcr(h, settings, seed=1)
        seconds = time.perf_counter() - start
        low, mid, high = np.quantile(posterior.pooled, [0.025, 0.5, 0.975])
        ref = d["reference_results"]["lcmcr"]["ref"]["pooled"]
        medians = np.median(posterior.draws, axis=1)
        print(
            f"{name} (n = {h.n_observed:,}, 4 chains x 2,100,000 sweeps, {seconds:.0f} s): "
            f"median {mid:,.0f} [{low:,.0f}, {high:,.0f}]   LCMCR: {ref['median']:,.0f} "
            f"[{ref['q025']:,.0f}, {ref['q975']:,.0f}]   chain medians {medians.round()}"
        )


SCENARIOS: dict[str, tuple[list[float], list[list[float]], str]] = {
    "independent, homogeneous": (
        [1.0],
        [[0.30, 0.25, 0.20, 0.35]],
        "every model's assumptions hold",
    ),
    "two classes (5 lists)": (
        [0.5, 0.5],
        [[0.60, 0.50, 0.55, 0.60, 0.50], [0.15, 0.20, 0.10, 0.20, 0.15]],
        "LCMCR's model holds; log-linear and dga approximate it",
    ),
    "hard-to-reach class (4 lists)": (
        [0.6, 0.4],
        [[0.35, 0.30, 0.25, 0.40], [0.10, 0.08, 0.12, 0.06]],
        "LCMCR's model holds but the hard class is rarely seen twice",
    ),
    "lists 1+2 share sources": (
        [0.7, 0.3],
        [[0.25, 0.25, 0.30, 0.30], [0.70, 0.70, 0.20, 0.25]],
        "positive dependence between two lists (LCMCR's model holds)",
    ),
}


def simulation(reps: int, size: int) -> None:
    settings = LcmcrSettings(K=10, burnin=5_000, samples=500, thinning=10, chains=2)
    print(
        f"Coverage of 95% intervals and relative bias of the point estimate; "
        f"N = {size:,}, {reps} replications per scenario"
    )
    for name, (weights, capture, note) in SCENARIOS.items():
        rng = np.random.default_rng(zlib.crc32(name.encode()))  # reproducible per scenario
        hits = {"lcmcr": [], "loglinear (BIC)": [], "dga": []}
        errors: dict[str, list[float]] = {k: [] for k in hits}
        observed = []
        for rep in range(reps):
            h = simulate_histories(rng, size, weights, capture)
            observed.append(h.n_observed)
            intervals = {
                "lcmcr": estimate_lcmcr(h, settings, seed=rep).interval(),
                "loglinear (BIC)": profile_interval(h, select_model(h).chosen.generators),
                "dga": estimate_dga(h).interval() if h.n_lists <= 5 else None,
            }
            for method, interval in intervals.items():
                if interval is None:
                    continue
                hits[method].append(interval.lower <= size <= interval.upper)
                errors[method].append(interval.median / size - 1)
        print(f"\n{name}: {note}; documented on average {np.mean(observed):,.0f}")
        for method in hits:
            print(
                f"  {method:<16} coverage {np.mean(hits[method]):6.1%}   "
                f"bias {np.mean(errors[method]):+7.1%}   "
                f"median abs. error {np.median(np.abs(errors[method])):6.1%}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("part", choices=["speed", "reference", "simulation", "all"])
    parser.add_argument("--reps", type=int, default=100, help="simulation replications")
    parser.add_argument("--size", type=int, default=2_000, help="simulated population size")
    args = parser.parse_args()
    if args.part in ("speed", "all"):
        speed(reps=5)
    if args.part in ("reference", "all"):
        reference()
    if args.part in ("simulation", "all"):
        simulation(args.reps, args.size)


if __name__ == "__main__":
    main()
