"""Soak: folds killed with SIGKILL at random moments, then resumed; nothing lost or doubled.

Run: .venv/bin/python bench/inbox_crash.py [--batches 40] [--records 500] [--kills 8]

Takes in N FICTIONAL batches while locked (each: R person records, a document
and an evidence file), then starts a fold in a child process K times and kills
it with SIGKILL after a random delay, and finally folds to the end. Checks that
every record taken in is in the archive exactly once, the inbox is empty and
`verify` passes; prints the figures and the input size. The short version of
this is tests/archive/test_inbox_crash.py, which kills before every single step.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bearwitness.crypto.kdf import KdfParams
from bearwitness.intake.importers import ImportRow
from bearwitness.services import checkpoints, inbox, reading
from bearwitness.services.archive import Archive
from bearwitness.services.verification import verify_archive

PASSPHRASE = "FICTIONAL bench passphrase"
CHILD = """
import sys
from pathlib import Path
from bearwitness.services import inbox
from bearwitness.services.archive import Archive
archive = Archive.open(Path(sys.argv[1]))
archive.unlock_with_passphrase(sys.argv[2])
print("ready", flush=True)
inbox.fold(archive)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--records", type=int, default=500, help="person records per batch")
    parser.add_argument("--kills", type=int, default=8)
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    chance = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="bw-inbox-crash-") as scratch:
        folder = Path(scratch) / "archive"
        created, _ = Archive.create(
            folder, passphrase=PASSPHRASE, kdf_params=KdfParams.insecure_for_tests()
        )
        created.close()
        locked = Archive.open(folder)
        for number in range(args.batches):
            scan = Path(scratch) / f"scan-{number}.bin"
            scan.write_bytes(b"FICTIONAL scan %d " % number * 5_000)
            rows = [
                ImportRow(n, {"type": "person", "full_name": f"FICTIONAL {number}-{n}"})
                for n in range(args.records)
            ]
            document = f"D-{number + 1:04d}"
            rows += [
                ImportRow(args.records, {"type": "document", "id": document}),
                ImportRow(
                    args.records + 1,
                    {
                        "type": "evidence",
                        "document_id": document,
                        "sha256": hashlib.sha256(scan.read_bytes()).hexdigest(),
                        "size": scan.stat().st_size,
                    },
                    scan,
                ),
            ]
            inbox.submit(locked, rows, f"list-{number}.csv", "import")
        locked.close()
        expected = args.batches * args.records
        print(
            f"took in {args.batches} batches of {args.records} person records, a document "
            f"and a 90 KB evidence file each ({expected:,} person records)",
            flush=True,
        )

        start = time.perf_counter()
        killed = 0
        for _ in range(args.kills):
            child = subprocess.Popen(
                [sys.executable, "-c", CHILD, str(folder), PASSPHRASE],
                stdout=subprocess.PIPE,
                text=True,
            )
            assert child.stdout is not None and child.stdout.readline() == "ready\n"
            time.sleep(chance.uniform(0.05, 1.5))
            if child.poll() is None:
                os.kill(child.pid, signal.SIGKILL)
                killed += 1
            child.wait()
        archive = Archive.open(folder)
        archive.unlock_with_passphrase(PASSPHRASE)
        report = inbox.fold(archive)
        elapsed = time.perf_counter() - start
        names = Counter(
            str(reading.open_full(archive, view.id).to_dict()["full_name"])
            for view in reading.list_records(archive, "person")
        )
        checkpoints.sign_new_checkpoint(archive)
        verification = verify_archive(archive)
        left = list(archive.inbox.iterdir())
        archive.close()
        print(
            f"{killed} of {args.kills} folds killed mid-way; the last fold wrote "
            f"{report.folded} batch(es), {len(report.failed)} failed; {elapsed:.1f} s in all"
        )
        print(
            f"person records: {len(names):,} distinct of {expected:,} taken in, "
            f"{sum(names.values()) - len(names)} twice; inbox files left: {len(left)}; "
            f"verify: {'ok' if verification.ok else verification.problems[:3]}"
        )
        if (
            len(names) != expected
            or sum(names.values()) != expected
            or left
            or report.failed
            or not verification.ok
        ):
            sys.exit(1)


if __name__ == "__main__":
    main()
