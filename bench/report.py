"""Building a full report: the archive at a checkpoint read, counted, protected, checked.

Run: .venv/bin/python bench/report.py [--documents 100000] [--persons 20000]

Builds a FICTIONAL archive (documents with text, persons with names and birth
years, one to three acts each, events over 36 months and 12 districts,
interventions), then runs `report build` in a child process that unlocks the
archive itself, and prints the build's wall time and the child's peak memory
(maximum resident set size), with the input size. The target (issue 12) is under
60 s for 100,000 documents and 20,000 persons.
"""

from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bearwitness.crypto.kdf import KdfParams
from bearwitness.intake.importers import ImportRow
from bearwitness.services import writing
from bearwitness.services.archive import Archive

BATCH = 5_000
PASSPHRASE = "FICTIONAL bench passphrase"
DISTRICTS = [f"FICTIONAL-District-{n:02d}" for n in range(12)]
ACTS = ["arbitrary_detention", "torture", "ill_treatment", "seizure_of_documents", "extortion"]


def rows(documents: int, persons: int, seed: int = 12) -> list[dict[str, object]]:
    rng = random.Random(seed)
    found: list[dict[str, object]] = []
    events = max(10, persons // 10)
    for n in range(1, events + 1):
        year, month = 2017 + rng.randrange(3), 1 + rng.randrange(12)
        found.append(
            {
                "type": "event",
                "id": f"E-{n:05d}",
                "date": f"{year}-{month:02d}",
                "district": rng.choice(DISTRICTS),
                "title": f"FICTIONAL event {n}",
            }
        )
    acts = 0
    for n in range(1, persons + 1):
        found.append(
            {
                "type": "person",
                "id": f"P-{n:05d}",
                "sex": rng.choice(["male", "male", "female", "unknown"]),
                "full_name": f"FICTIONAL Person Number{n}",
                "birth_date": str(rng.randint(1950, 2005)),
                "notes": "FICTIONAL notes " * 10,
            }
        )
        event = f"E-{rng.randint(1, events):05d}"
        for act_type in rng.sample(ACTS, rng.randint(1, 3)):
            acts += 1
            found.append(
                {
                    "type": "act",
                    "id": f"A-{acts:06d}",
                    "event_id": event,
                    "victim_id": f"P-{n:05d}",
                    "act_type": act_type,
                }
            )
        if rng.random() < 0.2:
            found.append(
                {
                    "type": "intervention",
                    "id": f"I-{n:05d}",
                    "kind": rng.choice(["evacuation", "legal_aid", "medical"]),
                    "status": rng.choice(["done", "in_progress"]),
                    "person_id": f"P-{n:05d}",
                }
            )
    for n in range(1, documents + 1):
        found.append(
            {
                "type": "document",
                "id": f"D-{n:06d}",
                "event_ids": f"E-{rng.randint(1, events):05d}",
                "title": f"FICTIONAL testimony {n}",
                "text": f"FICTIONAL testimony number {n}. " + "They came at night. " * 15,
            }
        )
    return found


def write(folder: Path, data: list[dict[str, object]]) -> None:
    archive, _ = Archive.create(
        folder, passphrase=PASSPHRASE, kdf_params=KdfParams.insecure_for_tests()
    )
    start = time.perf_counter()
    for first in range(0, len(data), BATCH):
        batch = [
            ImportRow(first + i + 1, dict(item))
            for i, item in enumerate(data[first : first + BATCH])
        ]
        writing.write_records(archive, writing.resolve_rows(archive, batch, "bench"))
    archive.close()
    print(f"wrote {len(data):,} FICTIONAL records in {time.perf_counter() - start:.1f} s")


def build_only(folder: Path, out: Path) -> None:
    from bearwitness.services import reporting

    archive = Archive.open(folder)
    archive.unlock_with_passphrase(PASSPHRASE)
    start = time.perf_counter()
    built = reporting.build(archive, reporting.read_spec(""), out)
    print(
        f"built {built.report_id}: {len(built.figures)} figures, {built.hidden_cells} cells "
        f"hidden, log size {built.checkpoint_size}, in {time.perf_counter() - start:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--build-only", nargs=2, type=Path, metavar=("ARCHIVE", "OUT"))
    parser.add_argument(
        "--keep", type=Path, help="write the archive here, or reuse the one already there"
    )
    args = parser.parse_args()
    if args.build_only:
        build_only(*args.build_only)
        return
    data = rows(args.documents, args.persons)
    with tempfile.TemporaryDirectory(prefix="bw-report-") as scratch:
        folder = args.keep or Path(scratch) / "archive"
        if not (folder / "bearwitness.toml").is_file():
            write(folder, data)
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, __file__, "--build-only", str(folder), str(Path(scratch) / "out")],
            check=True,
        )
        wall = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(
            f"report build: {wall:.1f} s in all (child process, with start-up), peak memory "
            f"{peak:.0f} MiB; input {args.documents:,} documents, {args.persons:,} persons, "
            f"{len(data):,} records"
        )


if __name__ == "__main__":
    main()
