"""Who holds an unlocked archive's keys: the command line's background agent, or a server
process that hardened itself. The interfaces go through here, never to the agent itself.

The agent (:mod:`bearwitness.crypto.agent`) is a private process that keeps the keys
in memory until ``lock`` or its idle timeout; every command asks it for them.
"""

from __future__ import annotations

from pathlib import Path

from bearwitness.crypto import agent, hardening
from bearwitness.crypto.keys import ArchiveSecrets
from bearwitness.services.archive import Archive


def open_archive(folder: Path, *, actor: str = "U-local") -> Archive:
    """The archive, unlocked when an agent holds its keys, locked otherwise."""
    archive = Archive.open(folder, actor=actor)
    secrets = agent.fetch_secrets(archive.folder)
    if secrets is not None and secrets.recipient == archive.recipient:
        archive.secrets = secrets
    return archive


def hold_keys(archive: Archive, secrets: ArchiveSecrets, *, idle_timeout_s: float) -> int:
    """Hand ``secrets`` to a new agent for ``archive`` (replacing one already running), which
    forgets them after ``idle_timeout_s`` seconds unused; return its process id."""
    return agent.start_agent(archive.folder, secrets, idle_timeout_s=idle_timeout_s)


def lock(folder: Path) -> bool:
    """Tell the agent to forget the keys and exit; False if the archive was not unlocked."""
    return agent.lock(folder.resolve())


def seconds_until_lock(archive: Archive) -> float | None:
    """How long the agent will keep the keys unused, or None when none holds them."""
    reply = agent.agent_status(archive.folder)
    return float(reply["seconds_until_lock"]) if reply else None


def protect_this_process() -> str:
    """Harden this process before it holds keys (no core dump, no debugger, no swap, as
    far as the system allows: :func:`bearwitness.crypto.hardening.protect_process`);
    return a line saying what was achieved."""
    return hardening.protect_process().describe()
