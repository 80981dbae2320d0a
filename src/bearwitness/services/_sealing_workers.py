"""Sealing a large write on every core: a pool of hardened worker processes, for one write.

Sealing a record (its canonical JSON, two ciphertexts, its keyed search filter,
its row digest) is CPU-bound Python, so one process seals about as fast as one
core allows. A write of :data:`MIN_RECORDS` or more spreads it over worker
processes, chunk by chunk and in order: the writer stores each chunk while the
next ones are being sealed (:func:`sealed_chunks`).

The workers are forked from the writer, and only from a writer that runs one
thread (the CLI, a script): a fork copies one thread, and a lock another
thread held at that moment would stay held in the copy for ever. A process that
runs more (the workbench) seals in its own thread, as before. A worker's first
act is to protect its memory as the agent does
(:func:`bearwitness.crypto.hardening.protect_process`: no core dump, not
dumpable, memory locked where the limits allow). It holds the keys and the
records as the fork's copy of the writer's memory, so neither is pickled or
written anywhere; only the spans of records to seal go down the pool's pipe,
and the sealed versions come back. The pool lives for one write: its workers
are ended when the write returns or fails (Ctrl-C is left to the writer, which
then ends them), a worker whose writer was killed exits at once (its pipes
close), and a worker never touches the writer's database connection (it
leaves with ``os._exit``, so not even to close it).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from bearwitness.crypto.hardening import protect_process
from bearwitness.crypto.keys import ArchiveSecrets
from bearwitness.crypto.seal import FieldSealer
from bearwitness.domain.records import Record
from bearwitness.services._sealing import SealedVersion, seal_record

MIN_RECORDS = 2000  # below this, starting workers costs more than they save
CHUNK = 250  # records per task: large enough to pay for the pipe, small enough to overlap
MAX_WORKERS = 8


@dataclass(frozen=True)
class Sealing:
    """What every record of one write is sealed with (keys: in memory only)."""

    data_key: bytes
    generation: int
    search_key: bytes
    actor: str
    at: str
    operation: str

    @classmethod
    def of(
        cls, secrets: ArchiveSecrets, search_key: bytes, *, actor: str, at: str, operation: str
    ) -> Sealing:
        return cls(secrets.data_key, secrets.generation, search_key, actor, at, operation)

    def __repr__(self) -> str:
        return f"Sealing(generation {self.generation}, {self.operation}, <keys hidden>)"

    def seal(self, records: Sequence[Record]) -> list[SealedVersion]:
        sealer = FieldSealer(self.data_key, generation=self.generation)
        return [
            seal_record(
                sealer,
                self.search_key,
                record,
                version=1,
                actor=self.actor,
                at=self.at,
                operation=self.operation,
            )
            for record in records
        ]


def workers_for(count: int) -> int:
    """How many worker processes a write of ``count`` records uses (0: seal in this one)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if count < MIN_RECORDS or not cores or cores < 2 or threading.active_count() > 1:
        return 0
    return min(cores, MAX_WORKERS)


@contextlib.contextmanager
def sealed_chunks(
    sealing: Sealing, records: Sequence[Record]
) -> Iterator[Iterator[list[SealedVersion]]]:
    """The records sealed, in order, a chunk at a time: across worker processes when the
    write is large enough (:func:`workers_for`), else here. Leaving the block ends the
    workers, whether the chunks were all taken or not."""
    workers = workers_for(len(records))
    spans = [(start, min(start + CHUNK, len(records))) for start in range(0, len(records), CHUNK)]
    if not workers:
        yield (sealing.seal(records[start:stop]) for start, stop in spans)
        return
    # A forked worker is given its records and keys as the fork's copy of this process
    # (initargs are not pickled under fork), then only spans of them through the pipe.
    with multiprocessing.get_context("fork").Pool(
        workers, initializer=_start, initargs=(sealing, records)
    ) as pool:
        yield pool.imap(_seal, spans)


_job: tuple[Sealing, Sequence[Record]] | None = None  # in a worker: what its pool seals


def _start(sealing: Sealing, records: Sequence[Record]) -> None:
    """A worker's first act: protect its memory, before it holds its job."""
    global _job
    protect_process()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the writer's: it ends the pool
    _job = (sealing, records)


def _seal(span: tuple[int, int]) -> list[SealedVersion]:
    if _job is None:
        raise RuntimeError("a sealing worker was given a chunk before its job")
    sealing, records = _job
    return sealing.seal(records[span[0] : span[1]])
