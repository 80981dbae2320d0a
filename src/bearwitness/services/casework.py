"""Casework: interventions for a person (legal aid, evacuation...), their lists and timeline.

An intervention is a record (``domain/records.py: Intervention``); opening a case
stores one through :func:`bearwitness.services.storing.store`, and every change
is a new logged version (:func:`bearwitness.services.writing.change_record`),
audited by id. Priority, risk, safety plan, journey and funds are sealed, so the
lists of open cases by priority and of overdue risk reviews need an unlock.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass
from typing import Any

from bearwitness.domain import vocabulary
from bearwitness.domain.dates import PartialDateRange
from bearwitness.domain.records import Intervention, field_message, not_in_archive
from bearwitness.errors import (
    CaseChanged,
    FieldsRejected,
    InputError,
    LockedError,
    NotFound,
    Phrase,
)
from bearwitness.services import audit, reading, storing
from bearwitness.services.archive import Archive
from bearwitness.services.inbox import Entry
from bearwitness.services.writing import change_record

MAX_CASES = 5000  # interventions opened for one list


@dataclass(frozen=True)
class Moment:
    """One line of a person's timeline: an act against them or an intervention for them."""

    when: str  # the record's date as written ("" when it has none)
    sort: str  # its earliest day, ISO ("9999-12-31" when undated: listed last)
    kind: str  # act or intervention
    record_id: str
    what: str  # a vocabulary code: the act type, or the intervention's kind
    status: str  # an intervention's status ("" for an act)


def _interventions(archive: Archive) -> list[Intervention]:
    if archive.locked:
        raise LockedError(
            Phrase("the case lists need an unlock"),
            hint=Phrase("Priorities and risk reviews are sealed: unlock the archive first."),
        )
    views = reading.list_records(archive, "intervention", limit=MAX_CASES)
    found = []
    for view in views:
        if view.deleted:
            continue
        record = reading.open_full(archive, view.id)
        assert isinstance(record, Intervention)
        found.append(record)
    return found


def open_cases(archive: Archive) -> list[Intervention]:
    """Interventions still open, most urgent first (then by id)."""
    order = {code: rank for rank, code in enumerate(vocabulary.PRIORITIES.codes)}
    return sorted(
        (i for i in _interventions(archive) if i.status in vocabulary.OPEN_STATUSES),
        key=lambda i: (order.get(i.priority, len(order)), i.id),
    )


def listed_cases(archive: Archive) -> list[reading.RecordView]:
    """Open cases by their clear fields only (type, status, person, date), by id: what a
    locked archive, or a page that reveals nothing, can show."""
    views = reading.list_records(archive, "intervention", limit=MAX_CASES)
    return sorted(
        (
            view
            for view in views
            if not view.deleted and view.fields.get("status") in vocabulary.OPEN_STATUSES
        ),
        key=lambda view: view.id,
    )


def overdue_reviews(archive: Archive, today: dt.date) -> list[Intervention]:
    """Open cases whose risk review date has passed (by its last possible day)."""
    return sorted(
        (
            i
            for i in _interventions(archive)
            if i.status in vocabulary.OPEN_STATUSES
            and i.risk_review is not None
            and i.risk_review.latest < today
        ),
        key=lambda i: (i.risk_review.earliest if i.risk_review else today, i.id),
    )


def timeline(archive: Archive, person_id: str) -> list[Moment]:
    """Acts against the person and interventions for them, in time order (clear fields:
    works locked)."""
    reading.get(archive, person_id)  # exists, or NotFound
    moments = []
    for view in reading.list_records(archive, "act", equals={"victim_id": person_id}):
        moments.append(_moment(view, "act", str(view.fields.get("act_type") or ""), ""))
    for view in reading.list_records(archive, "intervention", equals={"person_id": person_id}):
        moments.append(
            _moment(
                view,
                "intervention",
                str(view.fields.get("kind") or ""),
                str(view.fields.get("status") or ""),
            )
        )
    return sorted(moments, key=lambda m: (m.sort, m.kind, m.record_id))


def _moment(view: reading.RecordView, kind: str, what: str, status: str) -> Moment:
    date = view.fields.get("date")
    sort = "9999-12-31"
    if date:
        with contextlib.suppress(InputError):  # a stored date always parses
            sort = PartialDateRange.parse(str(date)).earliest.isoformat()
    return Moment(str(date or ""), sort, kind, view.id, what, status)


def check_case(archive: Archive, data: dict[str, Any], base: dict[str, Any]) -> None:
    """Check a case form's fields over ``base`` (the case as it stands, or only its id), each
    field alone, as an import checks it, then whether the person and event it names exist.

    Raises :class:`FieldsRejected` naming every bad field, so that a form can say it next to
    that field; nothing is written."""
    problems: dict[str, Phrase] = {}
    for name, raw in data.items():
        try:
            Intervention.from_dict({**base, name: raw})
        except InputError as error:
            problems[name] = field_message(error, name)
    for name, kind in (("person_id", "person"), ("event_id", "event")):
        linked = data.get(name)
        if name in problems or not linked:
            continue
        try:
            found = reading.get(archive, str(linked))
        except (NotFound, InputError):
            found = None
        if found is None or found.kind != kind or found.deleted:
            problems[name] = not_in_archive(kind, str(linked))
    if problems:
        raise FieldsRejected(problems)


def open_case(archive: Archive, data: dict[str, Any]) -> str:
    """Store a new intervention (checked as import checks it, field by field: see
    :func:`check_case`); audited; its id."""
    if archive.locked:
        raise LockedError(
            Phrase("opening a case needs an unlock"), hint=Phrase("Unlock the archive first.")
        )
    new_id = storing.id_factory(archive)
    record_id = new_id("intervention")
    check_case(archive, data, {"id": record_id})
    result = storing.store(
        archive, [Entry(1, {**data, "type": "intervention", "id": record_id})], "the case form"
    )
    record_id = result.ids.get("intervention", [record_id])[0]
    audit.record(
        archive.engine, at=archive.now(), actor=archive.actor, action="case", target=record_id
    )
    return record_id


def change_case(
    archive: Archive, record_id: str, changes: dict[str, Any], *, version: int
) -> Intervention:
    """A new version of a case; refused (:class:`CaseChanged`) when someone else saved
    a newer version since ``version`` was opened."""
    current = reading.get(archive, record_id)
    if current.kind != "intervention":
        raise InputError(
            Phrase("%(id)s is not an intervention", id=record_id), hint=Phrase("Open a case page.")
        )
    if current.version != version:
        raise CaseChanged(
            Phrase(
                "case %(id)s was changed by someone else while you worked on it "
                "(now version %(now)s, you opened version %(opened)s)",
                id=record_id,
                now=current.version,
                opened=version,
            ),
            hint=Phrase(
                "Nothing was saved. Open the case again to see what changed, then make "
                "your change once more."
            ),
        )
    opened = reading.open_full(archive, record_id)
    check_case(archive, changes, opened.to_dict())
    updated = change_record(archive, "intervention", record_id, changes)
    audit.record(
        archive.engine, at=archive.now(), actor=archive.actor, action="case", target=record_id
    )
    assert isinstance(updated, Intervention)
    return updated
