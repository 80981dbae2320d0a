"""Verifying a whole archive against its signed log, unlocked and locked.

Run: .venv/bin/python bench/verify.py [--records 20000] [--postgres URL]

Builds a FICTIONAL archive of N person records (plus a few evidence files), signs
a checkpoint, then times `verify_archive` unlocked (every version opened and its
commitment recomputed) and locked (ciphertexts hashed). Prints the figures and
the input size.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from bearwitness.crypto.kdf import KdfParams
from bearwitness.intake.importers import ImportRow
from bearwitness.services import checkpoints, writing
from bearwitness.services.archive import Archive
from bearwitness.services.verification import verify_archive

BATCH = 5_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--postgres", default=None, help="a PostgreSQL URL (default SQLite)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bw-verify-") as scratch:
        folder = Path(scratch) / "archive"
        archive, _ = Archive.create(
            folder,
            passphrase="FICTIONAL bench passphrase",
            database_url=args.postgres,
            kdf_params=KdfParams.insecure_for_tests(),
        )
        start = time.perf_counter()
        for first in range(0, args.records, BATCH):
            rows = [
                ImportRow(
                    n,
                    {
                        "type": "person",
                        "role": "victim",
                        "full_name": f"FICTIONAL Person {n}",
                        "notes": "FICTIONAL " * 100,
                    },
                )
                for n in range(first, min(args.records, first + BATCH))
            ]
            writing.write_records(archive, writing.resolve_rows(archive, rows, "bench"))
        files = {}
        for n in range(10):
            path = Path(scratch) / f"scan-{n}.bin"
            path.write_bytes(b"FICTIONAL scan " * 20_000)
            files[f"F-{n + 1:04d}"] = path
        rows = [
            ImportRow(1, {"type": "source", "id": "S-0001", "name": "FICTIONAL"}),
            ImportRow(2, {"type": "document", "id": "D-0001", "source_id": "S-0001"}),
            *[
                ImportRow(3 + n, {"type": "evidence", "id": evidence_id, "document_id": "D-0001"})
                for n, evidence_id in enumerate(files)
            ],
        ]
        writing.write_records(archive, writing.resolve_rows(archive, rows, "bench"), files)
        checkpoints.sign_new_checkpoint(archive)
        built = time.perf_counter() - start
        print(
            f"built {args.records:,} person records + 10 evidence files (300 KB each) "
            f"in {built:.1f} s ({'PostgreSQL' if args.postgres else 'SQLite'})"
        )

        for label, subject in (("unlocked", archive), ("locked", Archive.open(folder))):
            start = time.perf_counter()
            report = verify_archive(subject)
            elapsed = time.perf_counter() - start
            assert report.ok, report.problems[:3]
            print(
                f"verify ({label}): {elapsed:.2f} s for {report.versions_checked:,} versions, "
                f"{report.files_checked} files, {report.entries:,} log entries "
                f"({report.versions_checked / elapsed:,.0f} versions/s)"
            )
            subject.close()


if __name__ == "__main__":
    main()
