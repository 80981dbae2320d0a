"""Backup benchmark: back up, back up again, verify and restore an archive of N FICTIONAL
documents of about 2 KB and M of evidence files.

    .venv/bin/python bench/backup.py [--documents 100000] [--evidence-mb 1024] [--files 200]

Prints, for each step, the bytes it handled, MB/s and the peak memory (RSS) of the
process that ran it: each step runs in a fresh interpreter, so the figure is that
step's own, not the archive's making.
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

PASSPHRASE = "FICTIONAL bench passphrase"


def build(folder: Path, documents: int, evidence_bytes: int, files: int) -> None:
    from bearwitness.crypto.kdf import KdfParams
    from bearwitness.intake.importers import ImportRow
    from bearwitness.services import writing
    from bearwitness.services.archive import Archive

    import_bench = __import__("import")
    archive, _ = Archive.create(
        folder, passphrase=PASSPHRASE, kdf_params=KdfParams.insecure_for_tests()
    )
    rows = import_bench.documents(documents)
    for start in range(0, len(rows), 10_000):
        batch = rows[start : start + 10_000]
        writing.write_records(archive, writing.resolve_rows(archive, batch, "bench"), {})
    scratch = folder.parent / "evidence-inputs"
    scratch.mkdir()
    each = evidence_bytes // max(files, 1)
    evidence, sources = [], {}
    for number in range(1, files + 1):
        path = scratch / f"evidence-{number}.bin"
        path.write_bytes(os.urandom(each))  # random: no chunk of one file repeats another's
        evidence.append(
            ImportRow(
                number,
                {
                    "type": "evidence",
                    "id": f"F-{number:05d}",
                    "document_id": f"D-{1 + number % documents:07d}",
                    "filename": path.name,
                    "size": each,
                    "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                },
                path,
            )
        )
    records = writing.resolve_rows(archive, evidence, "bench")
    for record, row in zip(records, evidence, strict=True):
        sources[record.id] = row.file
    writing.write_records(archive, records, sources)
    for path in scratch.iterdir():
        path.unlink()
    archive.close()


def step(name: str, work: Path, queue: Any) -> None:
    from bearwitness.services import backup, restore
    from bearwitness.services.archive import Archive

    started = time.perf_counter()
    if name in ("backup", "backup again"):
        archive = Archive.open(work / "archive")
        archive.unlock_with_passphrase(PASSPHRASE)
        result = backup.back_up(archive, work / "backups")
        archive.close()
        handled = result.bytes_read
        note = f"{result.chunks_new} new chunks, {result.chunks_reused} reused"
    elif name == "verify":
        keys = restore.keys_from_passphrase(work / "backups", None, PASSPHRASE)
        check = restore.verify_backup(work / "backups", keys)
        assert check.ok, check.problems
        handled, note = check.bytes_checked, f"{check.chunks_checked} chunks"
    else:
        keys = restore.keys_from_passphrase(work / "backups", None, PASSPHRASE)
        done = restore.restore(work / "backups", work / "restored", keys)
        handled = sum(p.stat().st_size for p in (work / "restored").rglob("*") if p.is_file())
        note = f"{done.versions_checked} versions and {done.files_checked} files verified"
    seconds = time.perf_counter() - started
    queue.put((name, handled, seconds, _peak_mib(), note))


def _peak_mib() -> float:
    """This process's peak RSS. Not ru_maxrss: Linux carries that over from the parent
    through fork and exec, so it would report the archive's making."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--evidence-mb", type=float, default=1024)
    parser.add_argument("--files", type=int, default=200, help="evidence files (M split evenly)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bearwitness-bench-") as scratch:
        work = Path(scratch)
        started = time.perf_counter()
        build(work / "archive", args.documents, int(args.evidence_mb * (1 << 20)), args.files)
        print(
            f"archive: {args.documents} documents, {args.files} evidence files, "
            f"{args.evidence_mb:g} MiB of evidence (made in {time.perf_counter() - started:.0f} s)"
        )
        context = multiprocessing.get_context("spawn")
        for name in ("backup", "backup again", "verify", "restore"):
            queue = context.Queue()
            process = context.Process(target=step, args=(name, work, queue))
            process.start()
            name, handled, seconds, peak, note = queue.get()
            process.join()
            print(
                f"{name:>12}: {handled / 1e6:8.1f} MB in {seconds:6.1f} s = "
                f"{handled / 1e6 / seconds:6.1f} MB/s, peak memory {peak:6.0f} MiB ({note})"
            )


if __name__ == "__main__":
    main()
