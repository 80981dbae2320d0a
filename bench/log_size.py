"""How long the log's size takes to read, the query every sync of the tiles makes.

    .venv/bin/python bench/log_size.py [--entries 142000] [--repeat 20]

Fills a fresh SQLite database's ``log_entries`` with ``--entries`` rows of
FICTIONAL 300-byte entries, then times :func:`ledger.log_size` (the largest
index plus one, read from the primary key) against a ``count(*)`` of the table
(what it did before), each the median of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from sqlalchemy import create_engine, func, insert, select

from bearwitness.services._ledger import log_size
from bearwitness.store.schema import log_entries, metadata


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=142_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bw-bench-") as folder:
        engine = create_engine(f"sqlite:///{os.path.join(folder, 'log.sqlite')}")
        metadata.create_all(engine, tables=[log_entries])
        entry = b"FICTIONAL entry " * 40  # about the size of a record's entry (640 bytes)
        with engine.begin() as connection:
            for begin in range(0, args.entries, 10_000):
                stop = min(begin + 10_000, args.entries)
                connection.execute(
                    insert(log_entries), [{"idx": i, "entry": entry} for i in range(begin, stop)]
                )
        with engine.connect() as connection:
            assert log_size(connection) == args.entries

            def median_ms(read: object) -> float:
                times = []
                for _ in range(args.repeat):
                    start = time.perf_counter()
                    read()  # type: ignore[operator]
                    times.append(time.perf_counter() - start)
                return statistics.median(times) * 1000

            counted = median_ms(
                lambda: connection.scalar(select(func.count()).select_from(log_entries))
            )
            indexed = median_ms(lambda: log_size(connection))
        engine.dispose()
    print(
        f"log of {args.entries:,} entries (SQLite): count(*) {counted:.2f} ms, "
        f"log_size (max(idx) + 1) {indexed:.3f} ms, median of {args.repeat}"
    )


if __name__ == "__main__":
    main()
