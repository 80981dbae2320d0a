"""Benchmark of the transparency log: appends, full verification, inclusion proofs.

    .venv/bin/python bench/tlog.py [--entries 1000000] [--batch 1000] [--proofs 10000]
                                   [--dir DIR] [--durable-entries 100000]

Targets (issue 3): >= 100,000 appends/s; full verification of 1,000,000
entries <= 5 s; an inclusion proof <= 1 ms. Entries are real LogEntry canonical
JSON (about 300 bytes, FICTIONAL pseudonymous ids). Prints each figure with
its input size and the log's size on disk. Timings include no entry
serialisation: the archive serialises entries inside its own transactions.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bearwitness.tlog import merkle
from bearwitness.tlog.checkpoint import Checkpoint, sign_checkpoint
from bearwitness.tlog.entry import LogEntry, parse_entry
from bearwitness.tlog.note import NoteSigner
from bearwitness.tlog.tiles import TileLog
from bearwitness.tlog.verify import verify_log

SIGNER = NoteSigner("bench.example.org/log", b"\x42" * 32)


def make_entries(n: int) -> list[bytes]:
    """Canonical entries, made by formatting (rfc8785 per entry would dominate the run)."""
    template = LogEntry(
        kind="update", record_type="person", record_id="P-0000000", version=2,
        commitment="0" * 64, previous_commitment="1" * 64, actor="U-0001",
        time="2026-01-31T12:00:00Z",
    ).to_bytes().decode()
    head, rest = template.split('"commitment":"' + "0" * 64, 1)
    mid, tail = rest.split('"P-0000000"', 1)
    out = []
    for i in range(n):
        c = hashlib.sha256(i.to_bytes(8, "big")).hexdigest()
        out.append(f'{head}"commitment":"{c}{mid}"P-{i:07d}"{tail}'.encode())
    for sample in (out[0], out[-1]):
        parse_entry(sample)  # still strictly canonical
    return out


def disk_usage(directory: Path) -> tuple[int, int, int]:
    files = apparent = blocks = 0
    for root, _, names in os.walk(directory):
        for name in names:
            st = os.stat(os.path.join(root, name))
            files += 1
            apparent += st.st_size
            blocks += st.st_blocks * 512
    return files, apparent, blocks


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--proofs", type=int, default=10_000)
    parser.add_argument("--durable-entries", type=int, default=100_000,
                        help="entries for the run that syncs after every batch")
    parser.add_argument("--dir", type=Path, help="where to write the log (default: a temp dir)")
    args = parser.parse_args()
    base = args.dir or Path(tempfile.mkdtemp(prefix="bw-tlog-bench-"))
    directory = base / "log"
    if directory.exists():
        shutil.rmtree(directory)

    t = time.perf_counter()
    entries = make_entries(args.entries)
    print(f"prepared {len(entries):,} entries of ~{len(entries[0])} bytes "
          f"in {time.perf_counter() - t:.1f} s (not timed below)")

    log = TileLog(directory)
    t = time.perf_counter()
    for start in range(0, len(entries), args.batch):
        log.append(entries[start : start + args.batch])
    appended = time.perf_counter() - t
    t = time.perf_counter()
    note = sign_checkpoint(Checkpoint(SIGNER.name, log.size, log.root()), SIGNER)
    log.publish_checkpoint(note)  # includes the fsync of every file written
    published = time.perf_counter() - t
    print(f"append: {len(entries):,} entries in batches of {args.batch:,}: {appended:.2f} s "
          f"= {len(entries) / appended:,.0f} appends/s (target >= 100,000)")
    print(f"sync + checkpoint after the run: {published:.2f} s "
          f"(with it: {len(entries) / (appended + published):,.0f} appends/s)")

    files, apparent, blocks = disk_usage(directory)
    print(f"size on disk: {files:,} files, {apparent / 1e6:,.1f} MB of data, "
          f"{blocks / 1e6:,.1f} MB allocated ({apparent / len(entries):.0f} bytes/entry)")

    t = time.perf_counter()
    result = verify_log(directory, SIGNER.verifier)
    verified = time.perf_counter() - t
    print(f"full verification of {result.checkpoint.checkpoint.size:,} entries "
          f"({result.tiles_checked:,} tiles, {result.partial_files_checked:,} partial files): "
          f"{verified:.2f} s (target <= 5 s; page cache warm)")

    reopened = TileLog(directory)
    rng = random.Random(7)
    root = reopened.root()
    times = []
    hashes = []
    for _ in range(args.proofs):
        index = rng.randrange(reopened.size)
        t = time.perf_counter()
        proof = reopened.inclusion_proof(index)
        times.append(time.perf_counter() - t)
        hashes.append((index, proof))
    t = time.perf_counter()
    for index, proof in hashes:
        merkle.verify_inclusion(merkle.hash_leaf(entries[index]), index, reopened.size, proof, root)
    checked = time.perf_counter() - t
    times.sort()
    print(f"inclusion proofs: {args.proofs:,} random leaves of {reopened.size:,}: "
          f"mean {statistics.fmean(times) * 1e3:.3f} ms, median {times[len(times) // 2] * 1e3:.3f} ms, "
          f"p99 {times[int(len(times) * 0.99)] * 1e3:.3f} ms (target <= 1 ms); "
          f"verifying them: {checked / args.proofs * 1e3:.3f} ms each")

    if args.durable_entries:
        durable_dir = base / "durable"
        if durable_dir.exists():
            shutil.rmtree(durable_dir)
        durable = TileLog(durable_dir)
        n = min(args.durable_entries, len(entries))
        t = time.perf_counter()
        for start in range(0, n, args.batch):
            durable.append(entries[start : start + args.batch])
            durable.sync()
        elapsed = time.perf_counter() - t
        print(f"append with fsync after every batch: {n:,} entries in batches of {args.batch:,}: "
              f"{elapsed:.2f} s = {n / elapsed:,.0f} appends/s")
    if args.dir is None:
        shutil.rmtree(base)


if __name__ == "__main__":
    main()
