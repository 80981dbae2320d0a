"""Long work started from a page (a link run, an estimate, writing in the inbox), in a thread.

A page starts a job and answers at once; the job's page shows how far it got and
refreshes itself (a ``<meta http-equiv="refresh">``, so no JavaScript is needed).
One job of each kind runs at a time. Jobs live in memory only: a restart forgets
them, while what they kept (a run, an estimate) is in the archive.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from bearwitness.errors import ArchiveError, BearWitnessError, InputError, MissingExtra, Phrase

logger = logging.getLogger(__name__)
KEEP = 20  # finished jobs remembered, for their pages

# What runs, as a refusal names it ("an import is already running").
RUNNING = {
    "estimate": Phrase("an estimate"),
    "export": Phrase("an export"),
    "import": Phrase("an import"),
    "link": Phrase("a link run"),
    "report": Phrase("a report"),
}


@dataclass
class Job:
    id: str
    kind: str
    actor: str
    started: float
    total: int | None = None  # units of work, when known (sampler sweeps)
    done: int = 0
    finished: bool = False
    outcome: str = ""  # what was kept: a run id
    counts: dict[str, int] = field(default_factory=dict)  # figures for its page
    error: BearWitnessError | None = None

    def advance(self, units: int) -> None:
        self.done += units

    @property
    def percent(self) -> int | None:
        """How far it got; never 100 while it still runs (keeping the result takes time
        after the last unit of work)."""
        if not self.total:
            return None
        return min(100 if self.finished else 99, int(100 * self.done / self.total))

    @property
    def running(self) -> bool:
        return not self.finished


class Jobs:
    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def start(
        self, kind: str, actor: str, work: Callable[[Job], str], *, total: int | None = None
    ) -> Job:
        """Run ``work(job)`` in a thread; it returns the id of what it kept."""
        with self._lock:
            if any(job.kind == kind and not job.finished for job in self._jobs.values()):
                raise InputError(
                    Phrase("%(job)s is already running", job=RUNNING.get(kind, Phrase(kind))),
                    hint=Phrase("Wait for it to finish: its page shows how far it got."),
                )
            job = Job(secrets.token_hex(8), kind, actor, self.clock(), total)
            self._jobs[job.id] = job
            finished = [j for j in self._jobs.values() if j.finished]
            for old in finished[: max(0, len(finished) - KEEP)]:
                del self._jobs[old.id]
        threading.Thread(target=self._run, args=(job, work), name=f"bw-{kind}", daemon=True).start()
        return job

    @staticmethod
    def _run(job: Job, work: Callable[[Job], str]) -> None:
        try:
            job.outcome = work(job)
        except BearWitnessError as error:
            job.error = error
        except ImportError as error:  # an analysis job, installed without its extra
            job.error = MissingExtra.of(error) or _failed(job, error)
        except Exception as error:  # a job must end, and say so
            job.error = _failed(job, error)
        finally:
            job.finished = True

    def running(self, kind: str) -> Job | None:
        """The job of ``kind`` that runs now, if one does (one of each kind at a time)."""
        job = self.latest(kind)
        return job if job is not None and not job.finished else None

    def latest(self, kind: str) -> Job | None:
        with self._lock:
            of_kind = [job for job in self._jobs.values() if job.kind == kind]
        return max(of_kind, key=lambda job: job.started) if of_kind else None


def _failed(job: Job, error: Exception) -> ArchiveError:
    # The type only: a message could quote the data being worked on.
    logger.error("%s job %s failed: %s", job.kind, job.id, type(error).__name__)
    return ArchiveError(
        f"the {job.kind} failed ({type(error).__name__})",
        hint="Nothing partial was kept. Try again; if it fails "
        "again, run it with the command line to see more.",
    )
