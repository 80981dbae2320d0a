"""Triage of the inbox: each submission's status, assignee and notes, and the conversation
with its anonymous source.

Status, assignee and notes are sealed fields of the submission's document
(``domain/records.py``), so each change is a new logged version, written by
:func:`bearwitness.services.writing.change_record`, and audited by the id alone.
Filtering by them therefore needs an unlock: a locked archive says nothing of
who works on what.

The conversation is every document that carries the same sealed reply key: the
submission, the source's follow-ups (sent through the intake with the receipt
code, folded in as ``follow_up`` documents) and the team's own sealed copy of
each reply (``reply`` documents; what the intake keeps for the source is sealed
to the source alone, and the team could not read it back). Nothing in the clear
ties them together: the thread is found by opening them, unlocked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from bearwitness.domain import vocabulary
from bearwitness.domain.dates import PartialDateRange
from bearwitness.domain.records import Document
from bearwitness.errors import CaseChanged, InputError, LockedError, Phrase
from bearwitness.services import audit, intake_web, reading, storing
from bearwitness.services.archive import Archive
from bearwitness.services.inbox import Entry
from bearwitness.services.writing import change_record
from bearwitness.store.schema import record_versions

CONVERSATION = ("submission", "follow_up", "reply")
MAX_LISTED = 2000  # submissions opened for one inbox page (unlocked)
_WHEN = re.compile(r"^When: (.*)$", re.MULTILINE)
_WHERE = re.compile(r"^Where: (.*)$", re.MULTILINE)


@dataclass(frozen=True)
class Item:
    """One inbox item as the triage list shows it (status and assignee: unlocked only)."""

    id: str
    kind: str
    received: str
    status: str | None
    assignee: str | None
    fictional: bool


@dataclass(frozen=True)
class Said:
    """One message of a conversation: who said it (``source`` or ``team``), when, what."""

    record_id: str
    at: str
    side: str
    text: str


def items(
    archive: Archive,
    *,
    status: str | None = None,
    assignee: str | None = None,
    limit: int = MAX_LISTED,
) -> list[Item]:
    """The inbox's submissions and follow-ups, newest first; filtered (unlocked) by status
    and assignee (``"-"``: nobody)."""
    views = [
        view
        for kind in ("submission", "follow_up")
        for view in reading.list_records(archive, "document", equals={"kind": kind}, limit=limit)
    ]
    views.sort(key=lambda view: view.id, reverse=True)
    if archive.locked:
        if status or assignee:
            raise LockedError(
                Phrase("filtering the inbox by status or assignee needs an unlock"),
                hint=Phrase("They are sealed: unlock the archive first."),
            )
        return [
            Item(v.id, v.fields["kind"], str(v.fields.get("received") or ""), None, None, False)
            for v in views
        ]
    found = []
    for view in views[:limit]:
        record = reading.open_full(archive, view.id)
        assert isinstance(record, Document)
        if status and record.triage_status != status:
            continue
        if assignee and (record.assignee or "-") != assignee:
            continue
        found.append(
            Item(
                record.id,
                record.kind,
                str(record.received or ""),
                record.triage_status,
                record.assignee,
                record.fictional,
            )
        )
    return found


def _document(archive: Archive, document_id: str) -> Document:
    record = reading.open_full(archive, document_id)  # LockedError while locked
    if not isinstance(record, Document) or record.kind not in CONVERSATION:
        raise InputError(
            Phrase("%(id)s is not in the inbox", id=document_id),
            hint=Phrase("Only anonymous submissions and their follow-ups are triaged."),
        )
    return record


def set_triage(
    archive: Archive,
    document_id: str,
    *,
    status: str,
    assignee: str,
    notes: str,
    version: int | None = None,
) -> Document:
    """A new version of the submission with this status, assignee and notes; audited."""
    vocabulary.TRIAGE_STATUSES.check(status)
    current = reading.get(archive, document_id)
    if version is not None and current.version != version:
        raise CaseChanged(
            Phrase(
                "%(id)s was changed by someone else while you worked on it "
                "(now version %(now)s, you saw %(seen)s)",
                id=document_id,
                now=current.version,
                seen=version,
            ),
            hint=Phrase("Open it again to see what changed, then make your change once more."),
        )
    _document(archive, document_id)
    updated = change_record(
        archive,
        "document",
        document_id,
        {"triage_status": status, "assignee": assignee.strip()[:64], "triage_notes": notes},
    )
    audit.record(
        archive.engine, at=archive.now(), actor=archive.actor, action="triage", target=document_id
    )
    assert isinstance(updated, Document)
    return updated


def conversation(archive: Archive, document_id: str) -> list[Said]:
    """The whole thread this inbox item belongs to, oldest first (needs an unlock)."""
    record = _document(archive, document_id)
    if not record.reply_key:
        return [_said(archive, record)]
    members = []
    for kind in CONVERSATION:
        for view in reading.list_records(archive, "document", equals={"kind": kind}):
            other = record if view.id == record.id else reading.open_full(archive, view.id)
            if isinstance(other, Document) and other.reply_key == record.reply_key:
                members.append(other)
    times = _created(archive, members)
    # The log's time is to the second: within one, the submission comes first (a
    # follow-up needs its receipt code), and Python's stable sort keeps the rest as found.
    order = sorted(
        range(len(members)),
        key=lambda i: (times[i], members[i].kind != "submission"),
    )
    return [_said(archive, members[i], times[i]) for i in order]


def _created(archive: Archive, records: list[Document]) -> list[str]:
    """When each record's first version was written (the log's time, to the second)."""
    with archive.engine.connect() as connection:
        times = dict(
            connection.execute(
                select(record_versions.c.id, record_versions.c.recorded_at).where(
                    record_versions.c.kind == "document",
                    record_versions.c.version == 1,
                    record_versions.c.id.in_([r.id for r in records]),
                )
            ).all()
        )
    return [str(times.get(record.id, "")) for record in records]


def _said(archive: Archive, record: Document, at: str | None = None) -> Said:
    if at is None:
        at = _created(archive, [record])[0]
    side = "team" if record.kind == "reply" else "source"
    return Said(record.id, at, side, record.text)


def reply(archive: Archive, document_id: str, text: str) -> str:
    """Send a reply to the source of ``document_id``: sealed for the intake to the source's
    key, and a sealed copy kept in the archive for the thread. Returns the copy's id."""
    record = _document(archive, document_id)
    if not record.reply_key:
        raise InputError(
            Phrase("this document cannot be replied to"),
            hint=Phrase("Only anonymous submissions from the web intake can."),
        )
    text = text.strip()
    if not text or len(text) > 10_000:
        raise InputError(
            Phrase("a reply needs 1 to 10,000 characters"), hint=Phrase("Write the reply again.")
        )
    new_id = storing.id_factory(archive)
    copy_id = new_id("document")
    data: dict[str, Any] = {
        "type": "document",
        "id": copy_id,
        "kind": "reply",
        "received": archive.now()[:7],
        "title": "Reply to a source",
        "text": text,
        "reply_key": record.reply_key,
        "triage_status": "done",
        "fictional": record.fictional,
    }
    result = storing.store(archive, [Entry(1, data)], "a reply to a source")
    intake_web.send_reply(archive.engine, record.reply_key, text, at=archive.now())
    audit.record(
        archive.engine, at=archive.now(), actor=archive.actor, action="reply", target=document_id
    )
    return result.ids.get("document", [copy_id])[0]


def incident_prefill(archive: Archive, document_id: str) -> dict[str, str]:
    """The incident form's fields, filled from a submission: its account as the
    description, its "When" as the date (when it reads as one), its "Where" as the place."""
    record = _document(archive, document_id)
    text = record.text
    when = _WHEN.search(text)
    where = _WHERE.search(text)
    account = _WHERE.sub("", _WHEN.sub("", text)).strip()
    date = ""
    if when:
        try:
            date = str(PartialDateRange.parse(when.group(1).strip()))
        except InputError:
            account += f"\n\nWhen: {when.group(1).strip()}"
    return {
        "title": "",
        "description": account,
        "date": date,
        "location": where.group(1).strip() if where else "",
        "from_document": document_id,
    }


def link_event(archive: Archive, document_id: str, event_id: str) -> Document:
    """Add ``event_id`` to the document's events (a new logged version)."""
    if archive.locked:
        raise LockedError(
            Phrase("linking a document needs an unlock"), hint=Phrase("Unlock the archive.")
        )
    current = reading.get(archive, document_id)
    events = tuple(current.fields.get("event_ids") or ())
    if event_id in events:
        record = reading.open_full(archive, document_id)
    else:
        record = change_record(archive, "document", document_id, {"event_ids": [*events, event_id]})
    assert isinstance(record, Document)
    return record
