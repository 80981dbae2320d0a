"""How far linkage error moves the estimated total, on the untouched data.

    .venv/bin/python bench/linkage_count.py                  # 1,000 people, seed 7
    .venv/bin/python bench/linkage_count.py --people 5000 --linkages 10

Links the independent FICTIONAL lists (`bearwitness.linkage.independent`,
never tuned on) and estimates the total number of people (LCMCR) from the
clusters at threshold 0.5, at 0.9, pooled over sampled linkages
(`--records --pairs`, what `bearwitness estimate` does) and from the true
clusters. Prints the input size, each estimate and its interval.
"""

from __future__ import annotations

import argparse
import time

import pandas as pd


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--linkages", type=int, default=5)
    args = parser.parse_args()

    from bearwitness.estimate.estimation import estimate
    from bearwitness.estimate.histories import histories_from_clusters
    from bearwitness.estimate.linkage_uncertainty import estimate_with_linkage
    from bearwitness.linkage.clusters import cluster_ids
    from bearwitness.linkage.counting import estimation_pairs
    from bearwitness.linkage.engine import duckdb_api
    from bearwitness.linkage.features import build_features
    from bearwitness.linkage.hazards import Hazards
    from bearwitness.linkage.independent import generate
    from bearwitness.linkage.linker import link

    data = generate(args.people, seed=args.seed)
    features = build_features(data.records)
    result = link(features, duckdb_api())
    records = result.records[["record_key", "list"]]
    print(
        f"untouched data, {args.people:,} hidden people (seed {args.seed}), "
        f"{data.truth.nunique():,} recorded, {len(records):,} records on "
        f"{records['list'].nunique()} lists"
    )

    def total(clusters: pd.DataFrame, label: str) -> None:
        start = time.perf_counter()
        histories = histories_from_clusters(clusters)
        out = estimate(histories, method="lcmcr", seed=args.seed)
        found = clusters["cluster_id"].nunique()
        took = time.perf_counter() - start
        print(f"  {label}: {found:,} people found, total {out.total} ({took:.0f} s)")

    truth = records.assign(cluster_id=records["record_key"].map(data.truth).astype(str))
    total(truth, "true clusters")
    hazards = Hazards(features.table)
    for threshold in (0.5, 0.9):
        clusters = cluster_ids(records, result.pairs, threshold, hazards=hazards)
        total(clusters, f"threshold {threshold}")
    start = time.perf_counter()
    pooled = estimate_with_linkage(
        records.rename(columns={"record_key": "record_id"}),
        estimation_pairs(result.pairs),
        method="lcmcr",
        linkages=args.linkages,
        seed=args.seed,
    )
    print(
        f"  pooled over {args.linkages} sampled linkages: total {pooled.total} "
        f"({time.perf_counter() - start:.0f} s)"
    )


if __name__ == "__main__":
    main()
