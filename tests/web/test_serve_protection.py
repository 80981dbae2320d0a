"""The real `bearwitness serve` process protects the keys it may hold: no core dump, not
dumpable, memory locked where the machine allows it, and it still serves pages after that."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.cli.runner import Cli
from tests.crypto.hardening import can_lock_memory
from tests.web.conftest import Team


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _proc_field(pid: int, name: str) -> str:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"no {name} in /proc/{pid}/status")


def test_serve_runs_hardened_and_still_answers(team: Team, tmp_path: Path) -> None:
    port = _free_port()
    env = {**Cli(tmp_path / "cli").env, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bearwitness.cli.main",
            "serve",
            str(team.folder),
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        deadline, page = time.monotonic() + 60, None
        while page is None and time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as got:
                    page = got.status, got.read().decode()
            except OSError:
                time.sleep(0.2)
        assert page is not None, f"serve did not answer: {proc.poll()}"
        assert page[0] == 200 and "<form" in page[1]
        limits = Path(f"/proc/{proc.pid}/limits").read_text().splitlines()
        core = next(line for line in limits if line.startswith("Max core file size"))
        assert core.split()[4:6] == ["0", "0"]
        locked_kb = int(_proc_field(proc.pid, "VmLck").split()[0])
        if can_lock_memory():
            assert locked_kb > 0
    finally:
        os.kill(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    # PR_GET_DUMPABLE is asked by the process itself; it says so before it serves.
    line = next((row for row in out.splitlines() if row.startswith("Keys unlocked here:")), "")
    assert "core dumps off, not dumpable" in line, out + err
    assert (
        ("memory locked: yes" in line)
        if can_lock_memory()
        else ("memory locked: no (" in line and "RLIMIT_MEMLOCK" in line)
    )
