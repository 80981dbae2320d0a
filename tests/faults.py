"""Fault injection for the crash tests: run work in a forked child killed at its Nth step.

A step is a call of one of the named functions (a link, a rename, an fsync, a commit).
The caller counts the steps once in a run that is not killed, then kills a run before
each of them in turn, and checks that what follows repairs itself.
"""

from __future__ import annotations

import builtins
import contextlib
import errno
import gc
import io
import json
import os
import signal
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
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
        # No cyclic garbage collection in the child: it would finalise objects it inherited
        # from the parent's other threads (the test runner's), and that once crashed a child
        # with SIGSEGV before its work began. The child is short-lived and leaves by _exit.
        gc.disable()
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


# --- The fault-injection suite's harness (tests/archive/test_faults.py, bench/faults.py) -------
#
# A *step* is one call that changes something on disk or in the database, seen through a hook
# on the Python call that makes it: a link, unlink, rename, replace, mkdir, fsync or write; an
# open for writing (the fault comes just after it: an empty file is left, a torn write); a
# database commit (a fault just before it, and one just after it: committed, but the caller
# never heard). Steps are counted only for paths under the run's folder (nothing else of the
# process's), so a run that is not faulted says how many there are, and each faulted run
# stops at one of them: SIGKILL (``kill``) or an ``OSError(ENOSPC)`` raised there (``full``,
# a disk that fills up at that write).

KILL = "kill"
FULL = "full"
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


@dataclass
class _Counter:
    roots: tuple[str, ...]
    fault_at: int | None
    mode: str
    kinds: list[str] = field(default_factory=list)
    suspended: bool = False

    def step(self, kind: str, path: Any = None) -> None:
        if self.suspended or (path is not None and not self._inside(path)):
            return
        self.kinds.append(kind)
        if len(self.kinds) != self.fault_at:
            return
        if self.mode == KILL:
            os.kill(os.getpid(), signal.SIGKILL)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path) if path else None)

    def _inside(self, path: Any) -> bool:
        if isinstance(path, int):
            return True  # a descriptor (fsync, write): a file this work opened
        try:
            text = os.path.abspath(os.fsdecode(path))
        except TypeError:
            return False
        return text.startswith(self.roots)


def _install(counter: _Counter) -> None:
    """Wrap the calls in this (forked) process; nothing to undo: the process ends after."""
    from sqlalchemy.engine import base

    def before(owner: Any, name: str, kind: str, path_arg: int | None) -> None:
        original = getattr(owner, name)

        def hooked(*args: Any, **kwargs: Any) -> Any:
            counter.step(kind, args[path_arg] if path_arg is not None and args else None)
            return original(*args, **kwargs)

        setattr(owner, name, hooked)

    for name in ("link", "replace", "rename"):
        before(os, name, name, 1)
    for name in ("unlink", "mkdir", "rmdir"):
        before(os, name, name, 0)
    before(os, "fsync", "fsync", None)
    if counter.mode == KILL:
        before(os, "write", "write", None)  # (a full disk is failed at open and fsync)

    os_open = os.open

    def hooked_os_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> Any:
        descriptor = os_open(path, flags, *args, **kwargs)
        if flags & _WRITE_FLAGS:
            try:
                counter.step("open-write", path)
            except OSError:
                os.close(descriptor)
                raise
        return descriptor

    os.open = hooked_os_open  # type: ignore[assignment]

    io_open = io.open

    def hooked_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        handle = io_open(file, mode, *args, **kwargs)
        if any(flag in mode for flag in "wax+") and not isinstance(file, int):
            try:
                counter.step("open-write", file)
            except OSError:
                handle.close()
                raise
        return handle

    io.open = hooked_open  # type: ignore[assignment]
    builtins.open = hooked_open  # type: ignore[assignment]

    commit = base.Connection._commit_impl

    def hooked_commit(self: Any) -> Any:
        if counter.mode == KILL:
            counter.step("commit")
        commit(self)
        if counter.mode == KILL:
            counter.step("after-commit")

    base.Connection._commit_impl = hooked_commit  # type: ignore[method-assign]


@dataclass
class Outcome:
    """What a faulted (or unfaulted) child did."""

    status: int  # the wait status
    kinds: list[str]  # the steps it took (only when it was not killed)
    acked: list[Any]  # what it acknowledged before it stopped
    error: dict[str, str] | None  # the error it raised (``full``), if any

    @property
    def killed(self) -> bool:
        return os.WIFSIGNALED(self.status) and os.WTERMSIG(self.status) == signal.SIGKILL


def run_faulted(
    roots: Sequence[Path],
    mode: str,
    fault_at: int | None,
    scratch: Path,
    setup: Callable[[], T],
    work: Callable[[T, Callable[[Any], None]], object],
) -> Outcome:
    """Fork; in the child ``setup()`` (not counted), then ``work(prepared, ack)``, faulted at
    step ``fault_at`` (never if None). ``ack(item)`` is how the work says an item was
    acknowledged (a command returned, a response was sent): written where the parent reads
    it, outside the hooks."""
    scratch.mkdir(parents=True, exist_ok=True)
    acks, result = scratch / "acked.jsonl", scratch / "result.json"
    for path in (acks, result):
        path.unlink(missing_ok=True)
    counter = _Counter(tuple(os.path.abspath(root) for root in roots), fault_at, mode)
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        gc.disable()  # as in run_killed_at
        code = 0
        try:
            prepared = setup()

            def ack(item: Any) -> None:
                counter.suspended = True
                with acks.open("a", encoding="utf-8") as handle:
                    handle.write(json.dumps(item) + "\n")
                counter.suspended = False

            _install(counter)
            error = None
            try:
                work(prepared, ack)
            except Exception as raised:
                if mode == KILL:
                    raise
                error = {"type": type(raised).__name__, "message": str(raised)}
            counter.suspended = True
            result.write_text(json.dumps({"kinds": counter.kinds, "error": error}))
        except BaseException:  # a child must never run on inside pytest
            with contextlib.suppress(BaseException):
                counter.suspended = True
                result.write_text(json.dumps({"crash": traceback.format_exc()}))
            code = 3
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    done = json.loads(result.read_text()) if result.exists() else {}
    if "crash" in done:
        raise AssertionError(f"the child failed, not at a fault:\n{done['crash']}")
    acked = [json.loads(line) for line in acks.read_text().splitlines()] if acks.exists() else []
    return Outcome(status, done.get("kinds", []), acked, done.get("error"))


def choose_points(kinds: Sequence[str], most: int | None) -> list[int]:
    """Which steps (1-based) to fault: all of them, or at most ``most``, spread so that each
    kind of step is faulted at its first and last occurrence, the rest evenly."""
    every = list(range(1, len(kinds) + 1))
    if most is None or most >= len(every):
        return every
    chosen: set[int] = set()
    for kind in dict.fromkeys(kinds):
        where = [number for number, seen in enumerate(kinds, start=1) if seen == kind]
        chosen.update({where[0], where[-1]})
    chosen = (
        set(sorted(chosen)[:: max(1, -(-len(chosen) // most))]) if len(chosen) > most else chosen
    )
    step = len(every) / max(1, most - len(chosen))
    position = step / 2
    while len(chosen) < most and position < len(every):
        chosen.add(every[int(position)])
        position += step
    return sorted(chosen)
