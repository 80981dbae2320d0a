"""Bulk import benchmark: N FICTIONAL documents of about 2 KB, sealed, indexed and logged.

    .venv/bin/python bench/import.py [--documents 100000] [--batch 10000] [--cores 2]
                                     [--postgres] [--profile] [--new-ids]

Each batch is one all-or-nothing import, as `bearwitness import` does a file:
rows checked (`resolve_rows`), then sealed, given their search filters, stored
and logged (`write_records`), then the log's tiles synced. The batches are made
one at a time, so memory holds one batch, not the whole input. The process
pins itself to ``--cores`` cores (2, the figure the project promises), and
prints records per second, the input size, peak memory (this process, and the
largest sealing worker), and the CPU seconds of this process and its workers.
``--profile`` profiles the first batch instead (this process only; cumulative).
``--new-ids``: rows without ids, numbered by the write inside its transaction.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import random
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bearwitness.crypto.kdf import KdfParams
from bearwitness.intake.importers import ImportRow
from bearwitness.services import writing
from bearwitness.services.archive import Archive

WORDS = [
    "detained",
    "passport",
    "Argun",
    "forms",
    "signed",
    "names",
    "beaten",
    "relatives",
    "threatened",
    "officers",
    "задержали",
    "паспорт",
    "Аргун",
    "бланки",
    "подписать",
    "имена",
    "били",
    "родственникам",
    "угрожали",
    "night",
    "car",
    "basement",
    "released",
    "evacuated",
    "lawyer",
    "complaint",
]


NEW_IDS = False  # --new-ids: rows without ids


def documents(count: int, seed: int = 1, first: int = 1) -> list[ImportRow]:
    """``count`` FICTIONAL document rows numbered from ``first`` (the same for a seed)."""
    rng = random.Random(seed * 1_000_003 + first)
    rows = []
    for number in range(first, first + count):
        text = "FICTIONAL. " + " ".join(rng.choice(WORDS) for _ in range(260))
        rows.append(
            ImportRow(
                number,
                {
                    "type": "document",
                    **({} if NEW_IDS else {"id": f"D-{number:07d}"}),
                    "kind": "testimony",
                    "received": f"2019-{rng.randint(1, 12):02d}",
                    "title": f"FICTIONAL testimony {number}",
                    "text": text[:2000],
                    "language": "ru",
                    "fictional": True,
                },
            )
        )
    return rows


def batches(total: int, batch: int) -> Iterator[list[ImportRow]]:
    for first in range(1, total + 1, batch):
        yield documents(min(batch, total - first + 1), first=first)


def run(label: str, database_url: str | None, total: int, batch: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bw-bench-")) / "archive"
    archive, _ = Archive.create(
        folder,
        passphrase="benchmark passphrase",
        database_url=database_url,
        kdf_params=KdfParams.insecure_for_tests(),
    )
    size = checking = elapsed = cpu = 0.0
    children = _children_cpu()
    made = batches(total, batch)
    while rows := next(made, None):  # making the input, and measuring it, is not timed
        size += sum(len(json.dumps(row.data, ensure_ascii=False).encode()) for row in rows)
        t0, c0 = time.perf_counter(), time.process_time()
        records = writing.resolve_rows(archive, rows, "bench")
        t1 = time.perf_counter()
        writing.write_records(archive, records, operation="import")
        elapsed += time.perf_counter() - t0
        cpu += time.process_time() - c0
        checking += t1 - t0
        print(f"  {label}: {rows[-1].row:>7} / {total}", file=sys.stderr, end="\r")
    children = _children_cpu() - children
    archive.close()
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"{label}: {total:,} documents, {size / 2**20:,.0f} MiB of JSON "
        f"({size / total:,.0f} bytes each), in {elapsed:.1f} s = {total / elapsed:,.0f} records/s"
    )
    print(
        f"  peak memory: {own:,.0f} MiB this process, {worker:,.0f} MiB the largest worker; "
        f"CPU: {cpu:.1f} s this process, {children:.1f} s workers; "
        f"checking rows took {checking:.1f} s of the {elapsed:.1f} s"
    )


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def profile(database_url: str | None, batch: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bw-bench-")) / "archive"
    archive, _ = Archive.create(
        folder,
        passphrase="benchmark passphrase",
        database_url=database_url,
        kdf_params=KdfParams.insecure_for_tests(),
    )
    rows = documents(batch)
    profiler = cProfile.Profile()
    profiler.enable()
    writing.write_records(archive, writing.resolve_rows(archive, rows, "bench"), operation="import")
    profiler.disable()
    archive.close()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--cores", type=int, default=2, help="pin to this many cores (0: all)")
    parser.add_argument("--postgres", action="store_true", help="also PostgreSQL")
    parser.add_argument("--profile", action="store_true", help="profile one batch instead")
    parser.add_argument("--new-ids", action="store_true", help="rows without ids")
    args = parser.parse_args()
    global NEW_IDS
    NEW_IDS = args.new_ids
    if args.cores and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[: args.cores])
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(
        f"input: {args.documents:,} FICTIONAL documents of ~2 KB, batches of {args.batch:,}, "
        f"{cores} cores, load average {os.getloadavg()[0]:.1f}"
    )
    if args.profile:
        profile(None, args.batch)
        return
    run("SQLite", None, args.documents, args.batch)
    if args.postgres:
        from tests.postgres import fresh_database

        with fresh_database() as url:
            run("PostgreSQL", url, args.documents, args.batch)


if __name__ == "__main__":
    main()
