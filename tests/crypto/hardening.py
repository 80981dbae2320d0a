"""What the machine running the tests allows a process to lock, and a way to forbid it."""

from __future__ import annotations

import os
import resource
import shutil
from pathlib import Path

_CAP_IPC_LOCK = 14


def can_lock_memory() -> bool:
    """Whether a child of this process may lock all its memory (no limit, or CAP_IPC_LOCK)."""
    if resource.getrlimit(resource.RLIMIT_MEMLOCK)[1] == resource.RLIM_INFINITY:
        return True
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("CapEff:"):
            return bool(int(line.split()[1], 16) >> _CAP_IPC_LOCK & 1)
    return False


def without_ipc_lock() -> list[str] | None:
    """A command prefix that runs a program without CAP_IPC_LOCK, under this process's finite
    RLIMIT_MEMLOCK; None where that cannot be arranged (no limit, or no setpriv)."""
    if resource.getrlimit(resource.RLIMIT_MEMLOCK)[1] == resource.RLIM_INFINITY:
        return None
    if not can_lock_memory():
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None or os.geteuid() != 0:  # dropping a capability needs root here
        return None
    return [setpriv, "--bounding-set=-ipc_lock", "--inh-caps=-ipc_lock"]
