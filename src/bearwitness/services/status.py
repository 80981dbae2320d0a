"""A summary of an archive that reveals nothing sealed: counts, lock state, inbox, log."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from bearwitness.crypto import agent, hardening
from bearwitness.domain.records import RECORD_TYPES
from bearwitness.services import inbox
from bearwitness.services._ledger import log_size
from bearwitness.services.archive import Archive
from bearwitness.store import rows as store
from bearwitness.store.schema import link_runs


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


@dataclass(frozen=True)
class DocumentedPeople:
    """How many human beings the archive documents, and how that was counted.

    One number for the start page, the estimates page and ``bearwitness status``: the
    Persons of the newest link run, that is, the lists' person records with the
    records that are one human being counted once. ``None`` when the archive was never
    linked: its person records are list entries, and several may be one person.
    """

    count: int | None
    link_run: str = ""  # the run it comes from
    records: int = 0  # the person records (list entries) that run linked
    counted_at: str = ""  # when that run ran (ISO 8601, UTC)


HOW_COUNTED = (
    "Counted by the newest link run: each list entry (person record) was matched to the "
    "others about the same human being, and each human being (Person) is counted once."
)
NOT_COUNTED = "Not counted yet: link the person records first (Linkage, Link now)."


def documented_people(archive: Archive) -> DocumentedPeople:
    """The number of documented people (see :class:`DocumentedPeople`); works locked."""
    statement = select(
        link_runs.c.id, link_runs.c.persons, link_runs.c.records, link_runs.c.started_at
    ).order_by(link_runs.c.started_at.desc(), link_runs.c.id.desc())
    with archive.engine.connect() as connection:
        row = connection.execute(statement).first()
    if row is None:
        return DocumentedPeople(None)
    return DocumentedPeople(int(row.persons), str(row.id), int(row.records), str(row.started_at))
