"""Fault injection for the crash tests: run work in a forked child killed at its Nth step.

A step is a call of one of the named functions (a link, a rename, an fsync, a commit).
The caller counts the steps once in a run that is not killed, then kills a run before
each of them in turn, and checks that what follows repairs itself.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


def run_killed_at(
    steps: Sequence[tuple[Any, str]],
    kill_at: int | None,
    count_file: Path,
    setup: Callable[[], T],
    work: Callable[[T], object],
) -> int:
    """Fork; in the child, ``setup()``, then count calls of ``steps`` while ``work`` runs,
    SIGKILLing itself just before call ``kill_at`` (never, if None). Without a kill the
    child writes the number of steps to ``count_file``. Returns the child's wait status."""
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            done = [0]

            def counted(original: Callable[..., Any]) -> Callable[..., Any]:
                def step(*args: Any, **kwargs: Any) -> Any:
                    done[0] += 1
                    if done[0] == kill_at:
                        os.kill(os.getpid(), signal.SIGKILL)
                    return original(*args, **kwargs)

                return step

            prepared = setup()  # not counted: opening the archive is not the work
            for owner, name in steps:
                setattr(owner, name, counted(getattr(owner, name)))
            work(prepared)
            count_file.write_text(str(done[0]))
            os._exit(0)
        except BaseException:  # a child must never run on inside pytest
            os._exit(3)
    _, status = os.waitpid(pid, 0)
    return status
