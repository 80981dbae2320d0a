"""Bulk import benchmark: N FICTIONAL documents of about 2 KB, sealed and indexed.

    .venv/bin/python bench/import.py [--documents 100000] [--batch 10000] [--postgres]

Prints records per second for SQLite (and PostgreSQL with --postgres), peak
memory, and where the time goes (checking rows, sealing and the search filter,
the database). Each batch is one all-or-nothing import, as `bearwitness import`
does it.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bearwitness.crypto.kdf import KdfParams
from bearwitness.intake.importers import ImportRow
from bearwitness.services import writing
from bearwitness.services.archive import Archive
from bearwitness.services.sealing import SEARCH_KEY_PURPOSE, seal_record

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


def documents(count: int, seed: int = 1) -> list[ImportRow]:
    rng = random.Random(seed)
    rows = []
    for number in range(1, count + 1):
        text = "FICTIONAL. " + " ".join(rng.choice(WORDS) for _ in range(260))
        rows.append(
            ImportRow(
                number,
                {
                    "type": "document",
                    "id": f"D-{number:07d}",
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


def run(label: str, database_url: str | None, rows: list[ImportRow], batch: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bw-bench-")) / "archive"
    archive, _ = Archive.create(
        folder,
        passphrase="benchmark passphrase",
        database_url=database_url,
        kdf_params=KdfParams.insecure_for_tests(),
    )
    checking = writing_time = 0.0
    start = time.perf_counter()
    for first in range(0, len(rows), batch):
        chunk = rows[first : first + batch]
        t0 = time.perf_counter()
        records = writing.resolve_rows(archive, chunk, "bench")
        t1 = time.perf_counter()
        writing.write_records(archive, records, operation="import")
        t2 = time.perf_counter()
        checking += t1 - t0
        writing_time += t2 - t1
        print(f"  {label}: {first + len(chunk):>7} / {len(rows)}", file=sys.stderr, end="\r")
    total = time.perf_counter() - start
    # Sealing and the search filter alone, on the same records, to split the write time.
    key = archive.require_secrets().subkey(SEARCH_KEY_PURPOSE)
    sample = writing.resolve_rows(
        archive, [ImportRow(r.row, {**r.data, "id": None}) for r in rows[:batch]], "bench"
    )
    t0 = time.perf_counter()
    for record in sample:
        seal_record(
            archive.sealer, key, record, version=1, actor="U-bench", at="x", operation="import"
        )
    sealing = (time.perf_counter() - t0) * len(rows) / len(sample)
    archive.close()
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{label}: {len(rows)} documents of ~2 KB in {total:.1f} s = "
        f"{len(rows) / total:,.0f} records/s; peak memory {peak_mib:,.0f} MiB"
    )
    print(
        f"  time: checking rows {checking:.1f} s, sealing + search filter ~{sealing:.1f} s, "
        f"database + log ~{writing_time - sealing:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--postgres", action="store_true", help="also PostgreSQL")
    args = parser.parse_args()
    rows = documents(args.documents)
    print(f"input: {args.documents} documents, ~2 KB each, batches of {args.batch}")
    run("SQLite", None, rows, args.batch)
    if args.postgres:
        from tests.postgres import fresh_database

        with fresh_database() as url:
            run("PostgreSQL", url, rows, args.batch)


if __name__ == "__main__":
    main()
