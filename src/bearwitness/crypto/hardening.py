"""Protecting a process that holds the archive's keys: no core dump, no debugger, no swap.

:func:`protect_process` is the one place that does it, for both processes that
hold keys for a long time: the unlocked CLI's agent and the workbench
(``bearwitness serve``). It

- sets RLIMIT_CORE to 0, so a crash leaves no core file with the keys in it;
- clears the dumpable flag (``PR_SET_DUMPABLE`` 0), which also stops the same
  user's debuggers from attaching and reading the process's memory;
- locks memory against swapping. The soft RLIMIT_MEMLOCK is raised to the hard
  limit first. Where locking cannot bite (the limit is unlimited, or the process
  has CAP_IPC_LOCK), all memory is locked, now and as it grows
  (``mlockall(MCL_CURRENT | MCL_FUTURE)``). Under a finite limit only the pages
  mapped now are locked, because locking future pages would make later
  allocations fail once the limit is reached (a large estimate in the workbench).
  If even that does not fit, the process runs unlocked and says why.

Linux only; elsewhere each step that is not available is reported as not done.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import os
import resource
from dataclasses import dataclass
from pathlib import Path

_PR_GET_DUMPABLE, _PR_SET_DUMPABLE = 3, 4
_MCL_CURRENT, _MCL_FUTURE, _MCL_ONFAULT = 1, 2, 4
_CAP_IPC_LOCK = 14
_FIX = "run it with a higher limit (`ulimit -l unlimited`, or LimitMEMLOCK=infinity in systemd)"


@dataclass(frozen=True)
class Protection:
    """What :func:`protect_process` achieved in this process."""

    core_dumps_off: bool
    not_dumpable: bool
    memory_locked: bool
    memory_detail: str  # what was locked, or why nothing was

    def describe(self) -> str:
        """One line for `status` and the workbench, e.g. ``memory locked: no (why)``."""
        return (
            f"core dumps {'off' if self.core_dumps_off else 'ON'}, "
            f"{'not dumpable' if self.not_dumpable else 'DUMPABLE'}, "
            f"memory locked: {'yes' if self.memory_locked else 'no'} ({self.memory_detail})"
        )


_current: Protection | None = None


def current() -> Protection | None:
    """This process's protection, or None if :func:`protect_process` was never called."""
    return _current


def protect_process() -> Protection:
    """Protect this process's memory before it holds keys (idempotent)."""
    global _current
    core_off = True
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ValueError, OSError):
        core_off = resource.getrlimit(resource.RLIMIT_CORE)[0] == 0
    libc = _libc()
    not_dumpable = False
    if libc is not None:
        with contextlib.suppress(AttributeError):
            libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)
            not_dumpable = libc.prctl(_PR_GET_DUMPABLE, 0, 0, 0, 0) == 0
    locked, detail = _lock_memory(libc)
    _current = Protection(core_off, not_dumpable, locked, detail)
    return _current


def _lock_memory(libc: ctypes.CDLL | None) -> tuple[bool, str]:
    if libc is None or not hasattr(libc, "mlockall"):
        return False, "this system offers no mlockall"
    soft, hard = resource.getrlimit(resource.RLIMIT_MEMLOCK)
    if soft != hard:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_MEMLOCK, (hard, hard))
            soft = hard
    if soft == resource.RLIM_INFINITY or _has_ipc_lock():
        error = _mlockall(libc, _MCL_CURRENT | _MCL_FUTURE)
        if error == 0:
            return True, "all memory, now and as it grows"
    else:
        error = _mlockall(libc, _MCL_CURRENT)
        if error == 0:
            return True, (
                f"the memory in use now; RLIMIT_MEMLOCK ({_mib(soft)}) is too low "
                f"to lock what is allocated later: {_FIX}"
            )
    limit = "unlimited" if soft == resource.RLIM_INFINITY else _mib(soft)
    if error in (errno.ENOMEM, errno.EAGAIN):
        return False, (
            f"this process maps {_mib(_vm_size())} but RLIMIT_MEMLOCK allows {limit}: {_FIX}"
        )
    if error == errno.EPERM:
        return False, f"not permitted (RLIMIT_MEMLOCK {limit}): {_FIX}"
    return False, f"mlockall failed: {os.strerror(error)}"


def _mlockall(libc: ctypes.CDLL, flags: int) -> int:
    """0 on success, else the errno. Prefers MCL_ONFAULT: lock pages as they are touched,
    rather than fault in every page mapped (a large process maps far more than it uses)."""
    if libc.mlockall(flags | _MCL_ONFAULT) == 0:
        return 0
    error = ctypes.get_errno()
    if error != errno.EINVAL:  # a kernel before 4.4, without MCL_ONFAULT
        return error
    return 0 if libc.mlockall(flags) == 0 else ctypes.get_errno()


def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    return ctypes.CDLL(name, use_errno=True) if name else None


def _status_field(name: str) -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key == name:
                return value.strip()
    return ""


def _has_ipc_lock() -> bool:
    """Whether RLIMIT_MEMLOCK does not apply to this process (CAP_IPC_LOCK is effective)."""
    try:
        return bool(int(_status_field("CapEff") or "0", 16) >> _CAP_IPC_LOCK & 1)
    except ValueError:
        return False


def _vm_size() -> int:
    value = _status_field("VmSize").removesuffix("kB").strip()
    return int(value) * 1024 if value.isdigit() else 0


def _mib(size: int) -> str:
    return f"{size / 2**20:.0f} MiB"
