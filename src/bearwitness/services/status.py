"""A summary of an archive that reveals nothing sealed: counts, lock state, inbox, log."""

from __future__ import annotations

from dataclasses import dataclass

from bearwitness.crypto import agent, hardening
from bearwitness.domain.records import RECORD_TYPES
from bearwitness.services import inbox
from bearwitness.services.archive import Archive
from bearwitness.services.ledger import log_size
from bearwitness.store import rows as store


@dataclass(frozen=True)
class ArchiveSummary:
    folder: str
    locked: bool
    recipient: str
    unlock_methods: tuple[str, ...]
    counts: dict[str, int]
    inbox_batches: int  # waiting to be folded, stuck ones included
    log_entries: int
    inbox_stuck: int = 0  # a fold failed on them: acknowledged, not in the archive
    key_protection: str = ""  # how the process holding the keys is protected; "" if none does


def key_protection(archive: Archive) -> str:
    """How the keys' holder is protected: this process if it was hardened (the workbench),
    else the unlocked CLI's agent; "" when neither holds keys."""
    here = hardening.current()
    if here is not None:
        return here.describe() if not archive.locked else ""
    reply = agent.agent_status(archive.folder)
    return str(reply.get("protection", "")) if reply else ""


def summarise(archive: Archive) -> ArchiveSummary:
    with archive.engine.connect() as connection:
        counts = {kind: store.count_records(connection, kind) for kind in RECORD_TYPES}
        entries = log_size(connection)
    waiting = [item for item in inbox.batches(archive) if item.state != "folded"]
    return ArchiveSummary(
        str(archive.folder),
        archive.locked,
        archive.recipient,
        archive.keyring.slot_kinds,
        counts,
        len(waiting),
        entries,
        sum(1 for item in waiting if item.state == "stuck"),
        key_protection(archive),
    )
