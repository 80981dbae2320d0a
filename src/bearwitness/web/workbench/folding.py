"""Writing in the inbox as a job: after an unlock, or when a documenter asks for it.

After thousands of intake submissions, folding takes minutes; the unlock must not
wait for it. The job folds every batch that waits when it starts (in arrival order,
each in its own transaction, as :func:`bearwitness.services.inbox.fold` does), and
its progress is read off the inbox itself: batches still waiting there are the
ones not yet written. The home page and the inbox show it and refresh themselves.
"""

from __future__ import annotations

from dataclasses import replace

from fastapi import Request

from bearwitness.errors import InputError
from bearwitness.services import audit, inbox
from bearwitness.services.archive import Archive
from bearwitness.web.workbench.jobs import Job

KIND = "fold"


def start_fold(
    request: Request, archive: Archive, actor: str, *, audited: bool = False
) -> Job | None:
    """Start writing in what waits in the inbox; None when nothing waits.

    Raises :class:`InputError` when a fold is already running.
    """
    waiting = len(inbox.pending(archive))
    if not waiting:
        return None

    def work(job: Job) -> str:
        report = inbox.fold(archive)
        job.counts = {
            "records": report.records,
            "folded": report.folded,
            "failed": len(report.failed),
        }
        if audited:
            audit.record(
                archive.engine,
                at=archive.now(),
                actor=actor,
                action="fold",
                target=str(report.folded),
            )
        return str(report.folded)

    jobs = request.app.state.jobs
    job: Job = jobs.start(KIND, actor, work, total=waiting)
    return job


def fold_after_unlock(request: Request, actor: str) -> int:
    """Start the fold an unlock owes; returns how many batches it writes in (0: none)."""
    try:
        job = start_fold(request, request.app.state.keys.archive, actor)
    except InputError:  # one already runs (from before a lock): the inbox page shows it
        return 0
    return (job.total or 0) if job is not None else 0


def fold_progress(request: Request) -> Job | None:
    """The newest fold job as it is now, its ``done`` brought up to date from what still
    waits.

    A copy: the job's thread goes on changing the job itself, and a page that read the
    inbox folder after this must not show it finished beside batches it wrote in since.
    """
    job: Job | None = request.app.state.jobs.latest(KIND)
    if job is None:
        return None
    seen = replace(job)
    if not seen.finished and seen.total:
        waiting = len(inbox.pending(request.app.state.keys.archive))
        job.done = seen.done = max(job.done, min(seen.total, seen.total - waiting))
    return seen
