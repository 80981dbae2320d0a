"""The fault-injection suite at full length: every step of every scenario, killed and then
filled (a full disk), and the counts the issue asks for.

    .venv/bin/python bench/faults.py [--scenarios import,fold,...] [--most N] [--modes kill,full]

The CI version (`tests/archive/test_faults.py`) faults a spread of a few steps each. This
one faults all of them (or ``--most`` of each, spread the same way) and prints, per
scenario and mode: the steps seen, the faults injected, how many runs survived every check,
acknowledged items lost (the target is 0) and false alarms (the target is 0), then each
problem found. It exits 1 if anything was lost or raised a false alarm.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fault_scenarios import SCENARIOS, run_scenario, summary
from tests.faults import FULL, KILL

from bearwitness.crypto.kdf import KdfParams


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", default="", help="comma-separated names (default: all)")
    parser.add_argument("--most", type=int, default=None, help="faults per scenario (all)")
    parser.add_argument("--modes", default=f"{KILL},{FULL}")
    args = parser.parse_args()
    wanted = {name for name in args.scenarios.split(",") if name}
    modes = [mode for mode in args.modes.split(",") if mode]
    tallies = []
    started = time.perf_counter()
    for scenario in SCENARIOS:
        if wanted and scenario.name not in wanted:
            continue
        for mode in modes:
            if mode == FULL and not scenario.full_disk:
                continue
            began = time.perf_counter()
            with tempfile.TemporaryDirectory(prefix="bw-faults-") as folder:
                tally = run_scenario(
                    scenario,
                    Path(folder),
                    KdfParams.insecure_for_tests(),
                    mode=mode,
                    most=args.most,
                )
            tallies.append(tally)
            print(
                f"{scenario.name} {mode}: {tally.injected} faults, {tally.survived} survived "
                f"({time.perf_counter() - began:.0f} s)",
                flush=True,
            )
    print()
    print(summary(tallies))
    print(f"\n{time.perf_counter() - started:.0f} s in all")
    problems = [problem for tally in tallies for problem in tally.problems]
    for problem in problems:
        print(f"PROBLEM {problem}")
    lost = sum(t.lost for t in tallies) + sum(t.false_alarms for t in tallies)
    return 1 if lost or problems else 0


if __name__ == "__main__":
    sys.exit(main())
