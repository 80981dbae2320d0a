"""Search benchmark: per-record filter keys against an index built in memory at unlock.

    .venv/bin/python bench/search.py [--documents 100000] [--words 260]

Builds an archive of N FICTIONAL documents (about 2 KB of text each, from a
vocabulary of 20,000 made-up words), then times:

- a search as `bearwitness search` runs it: read every filter, derive every
  record's filter key, probe, open the candidates (cold);
- a search as the workbench runs it: filters and keys already in memory (warm);
- the first search after the upgrade to per-record keys (migration 0006): every
  record is opened and given a new filter;
- the alternative design: no stored structure, a word index built in memory at
  unlock by opening every record.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text, update

from bearwitness.crypto.blind_index import candidates, words
from bearwitness.crypto.kdf import KdfParams
from bearwitness.intake.importers import ImportRow
from bearwitness.services import reading, writing
from bearwitness.services._sealing import open_record
from bearwitness.services.archive import Archive
from bearwitness.services.search_index import SearchIndex
from bearwitness.store import rows as store
from bearwitness.store.schema import RECORD_TABLES

SYLLABLES = [
    "ka",
    "ra",
    "mo",
    "zu",
    "li",
    "te",
    "vo",
    "sha",
    "ny",
    "bek",
    "dar",
    "gi",
    "ol",
    "um",
    "xa",
    "pe",
]


def vocabulary(size: int, rng: random.Random) -> list[str]:
    found: set[str] = set()
    while len(found) < size:
        found.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(found)


def build(
    folder: Path, count: int, per_document: int, batch: int = 10_000
) -> tuple[Archive, list[str]]:
    rng = random.Random(16)
    vocab = vocabulary(20_000, rng)
    weights = [1 / (rank + 1) for rank in range(len(vocab))]  # Zipf: a few words are common
    archive, _ = Archive.create(
        folder, passphrase="benchmark passphrase", kdf_params=KdfParams.insecure_for_tests()
    )
    for first in range(1, count + 1, batch):
        numbers = range(first, min(first + batch, count + 1))
        rows = [
            ImportRow(
                n,
                {
                    "type": "document",
                    "id": f"D-{n:07d}",
                    "kind": "testimony",
                    "received": "2019-05",
                    "title": f"FICTIONAL testimony {n}",
                    "fictional": True,
                    "language": "ru",
                    "text": " ".join(rng.choices(vocab, weights, k=per_document)),
                },
            )
            for n in numbers
        ]
        writing.write_records(
            archive, writing.resolve_rows(archive, rows, "bench"), operation="import"
        )
        print(f"  built {numbers[-1]:>7} / {count}", file=sys.stderr, end="\r")
    return archive, vocab


def timed(what: str, action):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    value = action()
    print(f"{what}: {time.perf_counter() - start:.3f} s")
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--words", type=int, default=260, help="words per document")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bw-bench-")) / "archive"
    start = time.perf_counter()
    archive, vocab = build(folder, args.documents, args.words)
    print(
        f"input: {args.documents} documents of {args.words} words "
        f"(built in {time.perf_counter() - start:.0f} s)"
    )
    rare, middle = vocab[-1], vocab[len(vocab) // 50]
    queries = {
        "one rare word": rare,
        "one common word": middle,
        "two words": f"{middle} {vocab[len(vocab) // 40]}",
    }

    loaded = timed(
        "read every filter and derive every record's key (cold)",
        lambda: reading.load_filters(archive, ("document",)),
    )
    found = loaded["document"]
    for label, query in queries.items():
        picked = timed(
            f"probe all filters, {label}", lambda q=query: candidates(found.filters, found.keys, q)
        )
        print(f"  {len(picked)} candidates")
    for label, query in queries.items():
        hits = timed(
            f"`bearwitness search`, {label} (cold, candidates opened)",
            lambda q=query: reading.search(archive, q, kinds=("document",), limit=100),
        )
        print(f"  {len(hits)} hits")
    index = SearchIndex()
    index.search(archive, rare, kinds=("document",))
    for label, query in queries.items():
        timed(
            f"workbench search, {label} (warm)",
            lambda q=query: index.search(archive, q, kinds=("document",), limit=100),
        )

    table = RECORD_TABLES["document"]
    with archive.engine.begin() as connection:
        connection.execute(update(table).values(search_bloom=None))  # as migration 0006 leaves it
    timed(
        "first search after the upgrade: every record opened and given a new filter",
        lambda: reading.load_filters(archive, ("document",)),
    )

    def in_memory_index() -> dict[str, list[str]]:
        inverted: dict[str, list[str]] = {}
        with archive.engine.connect() as connection:
            for stored in store.query_records(connection, "document"):
                record = open_record(archive.sealer, stored, stored.clear["id"])
                sealed = " ".join(str(getattr(record, n)) for n in record.sealed_fields())
                for word in words(sealed):
                    inverted.setdefault(word, []).append(record.id)
        return inverted

    inverted = timed(
        "alternative: open every record and index its words in memory", in_memory_index
    )
    postings = sum(len(ids) for ids in inverted.values())
    del inverted
    tracemalloc.start()  # a second build, to weigh it (tracing slows it down)
    kept = in_memory_index()
    held = tracemalloc.get_traced_memory()[0] / 2**20
    tracemalloc.stop()
    print(f"  {len(kept):,} words, {postings:,} postings, {held:,.0f} MiB held in memory")
    with archive.engine.connect() as connection:
        size = connection.execute(
            text("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()")
        ).scalar_one()
    print(f"database: {size / 2**20:,.0f} MiB")
    archive.close()


if __name__ == "__main__":
    main()
