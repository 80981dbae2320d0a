"""The protections of a process that holds keys, each checked in a fresh child process
(locking memory or clearing the dumpable flag in the test process itself would outlive
the test)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.crypto.hardening import can_lock_memory, without_ipc_lock

_CHILD = """
import ctypes, json, resource
from bearwitness.crypto.hardening import current, protect_process
assert current() is None
p = protect_process()
libc = ctypes.CDLL(None)
status = dict(l.split(":", 1) for l in open("/proc/self/status").read().splitlines())
big = bytearray(64 * 2**20)  # allocating after the lock still works
print(json.dumps({"describe": p.describe(), "locked": p.memory_locked,
                  "dumpable": libc.prctl(3, 0, 0, 0, 0),
                  "core": resource.getrlimit(resource.RLIMIT_CORE),
                  "vmlck_kb": int(status["VmLck"].split()[0]), "same": current() == p}))
"""


def _child(prefix: list[str]) -> dict[str, object]:
    done = subprocess.run(
        [*prefix, sys.executable, "-c", _CHILD],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_a_protected_process_cannot_dump_core_nor_be_attached_and_locks_its_memory() -> None:
    result = _child([])
    assert result["dumpable"] == 0
    assert result["core"] == [0, 0]
    assert result["same"] is True
    if not can_lock_memory():
        pytest.skip("this machine lets no process lock all its memory (see the next test)")
    assert result["locked"] is True
    assert isinstance(result["vmlck_kb"], int) and result["vmlck_kb"] > 0
    assert "memory locked: yes (all memory" in str(result["describe"])


def test_where_memory_cannot_be_locked_the_protection_says_why() -> None:
    prefix = without_ipc_lock()
    if prefix is None:
        pytest.skip("cannot run a process under a finite RLIMIT_MEMLOCK here")
    result = _child(prefix)
    assert result["dumpable"] == 0 and result["core"] == [0, 0]
    described = str(result["describe"])
    if result["locked"]:  # the limit was large enough for the pages in use now
        assert "memory locked: yes (the memory in use now" in described
    else:
        assert result["vmlck_kb"] == 0
        assert "memory locked: no (" in described and "RLIMIT_MEMLOCK allows" in described
        assert "ulimit -l unlimited" in described
