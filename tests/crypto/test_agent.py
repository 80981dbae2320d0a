"""A real agent process: start, fetch, status, idle timeout, lock."""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bearwitness.crypto import ArchiveSecrets, create_secrets
from bearwitness.crypto.agent import agent_status, fetch_secrets, lock, socket_path, start_agent
from bearwitness.errors import ArchiveError
from tests.crypto.hardening import can_lock_memory


def _gone(pid: int, within_s: float = 5.0) -> bool:
    """True once the process has exited (a zombie counts as gone)."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def archive(tmp_path: Path, runtime_dir: Path) -> Iterator[Path]:
    path = tmp_path / "archive"
    path.mkdir()
    yield path
    lock(path)


def test_lifecycle(archive: Path, runtime_dir: Path, secrets: ArchiveSecrets) -> None:
    assert fetch_secrets(archive) is None
    assert agent_status(archive) is None
    assert lock(archive) is False

    pid = start_agent(archive, secrets, idle_timeout_s=60)
    assert pid != os.getpid()
    sock = socket_path(archive)
    assert sock.is_relative_to(runtime_dir) and not sock.is_relative_to(archive)
    assert stat.S_IMODE(sock.stat().st_mode) == 0o600
    assert stat.S_IMODE(sock.parent.stat().st_mode) == 0o700
    assert list(archive.iterdir()) == []

    assert fetch_secrets(archive) == secrets
    assert fetch_secrets(archive / ".." / archive.name) == secrets  # same archive, other spelling
    status = agent_status(archive)
    assert status is not None
    assert status["pid"] == pid
    assert 55 < status["seconds_until_lock"] <= 60

    assert lock(archive) is True
    assert fetch_secrets(archive) is None
    assert not sock.exists()
    assert _gone(pid)


def test_idle_timeout_locks_and_fetch_resets_it(archive: Path, secrets: ArchiveSecrets) -> None:
    pid = start_agent(archive, secrets, idle_timeout_s=1.5)
    for _ in range(4):  # fetching keeps it alive past the first timeout
        time.sleep(0.5)
        assert fetch_secrets(archive) == secrets
    time.sleep(0.5)
    assert agent_status(archive) is not None  # a status query does not reset the timer ...
    time.sleep(1.5)
    assert fetch_secrets(archive) is None  # ... so it has locked by now
    assert _gone(pid)
    assert not socket_path(archive).exists()


def test_a_new_unlock_replaces_the_session(archive: Path, secrets: ArchiveSecrets) -> None:
    first = start_agent(archive, secrets, idle_timeout_s=60)
    other = create_secrets()
    second = start_agent(archive, other, idle_timeout_s=60)
    assert _gone(first)
    assert fetch_secrets(archive) == other
    status = agent_status(archive)
    assert status is not None and status["pid"] == second


def test_each_archive_has_its_own_agent(
    tmp_path: Path, archive: Path, secrets: ArchiveSecrets
) -> None:
    other_archive = tmp_path / "other"
    other_archive.mkdir()
    start_agent(archive, secrets, idle_timeout_s=60)
    assert fetch_secrets(other_archive) is None
    assert lock(other_archive) is False
    assert fetch_secrets(archive) == secrets


def test_stale_socket_is_treated_as_locked(archive: Path, secrets: ArchiveSecrets) -> None:
    pid = start_agent(archive, secrets, idle_timeout_s=60)
    os.kill(pid, 9)  # killed hard: its socket file stays behind
    assert _gone(pid)
    assert socket_path(archive).exists()
    assert fetch_secrets(archive) is None
    start_agent(archive, secrets, idle_timeout_s=60)
    assert fetch_secrets(archive) == secrets


def test_refuses_a_runtime_dir_others_can_enter(
    archive: Path, runtime_dir: Path, secrets: ArchiveSecrets
) -> None:
    (runtime_dir / "bearwitness").mkdir(mode=0o755)
    os.chmod(runtime_dir / "bearwitness", 0o755)
    try:
        with pytest.raises(ArchiveError, match="not a private directory"):
            start_agent(archive, secrets, idle_timeout_s=60)
        with pytest.raises(ArchiveError, match="not a private directory"):
            fetch_secrets(archive)
    finally:
        os.chmod(runtime_dir / "bearwitness", 0o700)


def test_agent_keeps_secrets_out_of_argv_environ_and_core_dumps(
    archive: Path, secrets: ArchiveSecrets
) -> None:
    pid = start_agent(archive, secrets, idle_timeout_s=60)
    proc = Path(f"/proc/{pid}")
    exposed = (proc / "cmdline").read_bytes() + (proc / "environ").read_bytes()
    assert secrets.identity.encode() not in exposed
    assert secrets.identity[16:].lower().encode() not in exposed.lower()
    limits = (proc / "limits").read_text().splitlines()
    core = next(line for line in limits if line.startswith("Max core file size"))
    assert core.split()[4:6] == ["0", "0"]
    assert fetch_secrets(archive) == secrets


def _status_kb(pid: int, name: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    raise AssertionError(f"no {name} in /proc/{pid}/status")


def test_agent_memory_is_locked_or_its_status_says_why(
    archive: Path, secrets: ArchiveSecrets
) -> None:
    # The agent forks after hardening; memory locks are not inherited across a fork,
    # so the process that keeps the keys must lock its own memory.
    pid = start_agent(archive, secrets, idle_timeout_s=60)
    status = agent_status(archive)
    assert status is not None
    assert "core dumps off, not dumpable" in status["protection"]
    if can_lock_memory():
        assert status["memory_locked"] is True
        assert "memory locked: yes" in status["protection"]
        assert _status_kb(pid, "VmLck") > 0
    else:
        assert status["memory_locked"] is False
        assert "memory locked: no" in status["protection"]
        assert "RLIMIT_MEMLOCK" in status["protection"]
        assert _status_kb(pid, "VmLck") == 0
