"""Entering an incident the way a documenter thinks (event, acts per victim, perpetrators),
and adding documents with evidence files. Works unlocked (written at once) and locked
(sealed into the inbox, written at the next unlock)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import FormData, UploadFile
from starlette.responses import Response

from bearwitness.domain.counts import QualifiedCount
from bearwitness.domain.dates import PartialDateRange
from bearwitness.errors import BearWitnessError, ImportRejected, InputError, Phrase
from bearwitness.services import intake_web, reading, storing, triage
from bearwitness.services.archive import Archive
from bearwitness.services.inbox import Entry
from bearwitness.services.users import User
from bearwitness.web.rendering import gettext
from bearwitness.web.workbench.auth import Needs, Staff
from bearwitness.web.workbench.common import message, page, said
from bearwitness.web.workbench.pickers import pick_step
from bearwitness.web.workbench.state import KeyHolder, Session

router = APIRouter(include_in_schema=False)
INCIDENT_PICKERS = {"parent_id": "event"}
DOCUMENT_PICKERS = {"source_id": "source", "event_ids": "event"}
MAX_VICTIMS = 20
PERPETRATOR_ROWS = 3
TICKED = ("_acts", "_consequences")  # the check boxes of a victim
Rows = list[tuple[dict[str, Any], bytes | None]]


def id_factory(archive: Archive, locked: bool) -> Callable[[str], str]:
    """New ids: numbered when writing now; random while locked, so inbox batches never clash."""
    return storing.id_factory(archive, locked)


def store_rows(
    keys: KeyHolder, user: User, rows: Rows, labels: list[Phrase], language: str = "en"
) -> str:
    """Write (unlocked) or seal into the inbox (locked), all or nothing; says what happened
    (in ``language``)."""
    return store_rows_result(keys, user, rows, labels, language)[0]


def store_rows_result(
    keys: KeyHolder, user: User, rows: Rows, labels: list[Phrase], language: str = "en"
) -> tuple[str, storing.StoreResult]:
    """:func:`store_rows`, with the store's result (the ids written)."""
    archive = keys.for_user(user)
    entries = [Entry(number, data, content) for number, (data, content) in enumerate(rows, start=1)]
    try:
        result = storing.store(archive, entries, "the form")
    except ImportRejected as error:  # the form's own words for the row: "victim 2's act"
        raise InputError(
            Phrase("%(what)s: %(reason)s", what=labels[error.row - 1], reason=error.reason_phrase),
            hint=Phrase("Correct it and save again."),
        ) from None
    if result.batch is not None:
        sealed = gettext(
            language,
            "%(n)s record(s) were sealed into the inbox; they are written in at the next unlock.",
        )
        return sealed % {"n": result.count}, result
    ids = ", ".join(", ".join(ids) for ids in result.ids.values())
    return gettext(language, "Written: %(ids)s.") % {"ids": ids}, result


def _text(form: FormData, name: str, limit: int = 100_000) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def _checked(value: str, parse: Callable[[str], object], what: Phrase) -> str:
    if value:
        try:
            parse(value)
        except InputError as error:
            message, hint = error.phrases
            said = Phrase("%(what)s: %(problem)s", what=what, problem=message)
            raise InputError(said, hint=hint) from None
    return value


@router.get("/incident")
def incident_form(request: Request, staff: Annotated[Staff, Depends(Needs("write"))]) -> Response:
    session = staff.session
    try:
        victims = max(1, min(int(request.query_params.get("victims", "2")), MAX_VICTIMS))
    except ValueError:
        victims = 2
    return page(
        request,
        "incident.html",
        session,
        victims=victims,
        perpetrators=PERPETRATOR_ROWS,
        error="",
        form={},
        ticked={},
        max_victims=MAX_VICTIMS,
    )


def incident_rows(
    form: FormData, new_id: Callable[[str], str], victims: int
) -> tuple[Rows, list[Phrase]]:
    """The event, its victims and perpetrators, and one act per victim and act type."""
    event_id = new_id("event")
    event = {
        "type": "event",
        "id": event_id,
        "date": _checked(_text(form, "date", 60), PartialDateRange.parse, Phrase("Date")),
        "victims": _checked(
            _text(form, "victims", 60), QualifiedCount.parse, Phrase("How many victims")
        ),
        "district": _text(form, "district", 200),
        "title": _text(form, "title", 500),
        "location": _text(form, "location", 500),
        "description": _text(form, "description"),
        "parent_id": _text(form, "parent_id", 64),
    }
    if not event["title"] and not event["description"]:
        raise InputError(
            Phrase("the event needs a title or a description"),
            hint=Phrase("Say in a few words what happened."),
        )
    rows: Rows = [(event, None)]
    labels = [Phrase("the event")]
    perpetrators = []
    for number in range(1, PERPETRATOR_ROWS + 1):
        name = _text(form, f"perpetrator{number}_name", 500)
        notes = _text(form, f"perpetrator{number}_notes", 10_000)
        if name or notes:
            person_id = new_id("person")
            perpetrators.append(person_id)
            rows.append(
                (
                    {
                        "type": "person",
                        "id": person_id,
                        "role": "perpetrator",
                        "full_name": name,
                        "notes": notes,
                    },
                    None,
                )
            )
            labels.append(Phrase("perpetrator %(n)s", n=number))
    involvement = _text(form, "involvement", 40) or "unknown"
    for number in range(1, victims + 1):
        acts = [str(a) for a in form.getlist(f"victim{number}_acts") if a]
        name = _text(form, f"victim{number}_name", 500)
        if not acts and not name:
            continue  # an empty row
        if not acts:
            raise InputError(
                Phrase("victim %(n)s has no act", n=number),
                hint=Phrase("Tick at least one act, or clear the victim's name."),
            )
        person_id = new_id("person")
        rows.append(
            (
                {
                    "type": "person",
                    "id": person_id,
                    "role": "victim",
                    "full_name": name,
                    "sex": _text(form, f"victim{number}_sex", 20) or "unknown",
                },
                None,
            )
        )
        labels.append(Phrase("victim %(n)s", n=number))
        date = (
            _checked(
                _text(form, f"victim{number}_date", 60),
                PartialDateRange.parse,
                Phrase("Victim %(n)s: date", n=number),
            )
            or event["date"]
        )
        for act in acts:
            rows.append(
                (
                    {
                        "type": "act",
                        "id": new_id("act"),
                        "event_id": event_id,
                        "victim_id": person_id,
                        "act_type": act,
                        "date": date,
                        "involvement": involvement,
                        "perpetrator_ids": perpetrators,
                        "consequences": [
                            str(c) for c in form.getlist(f"victim{number}_consequences")
                        ],
                        "notes": _text(form, f"victim{number}_notes"),
                    },
                    None,
                )
            )
            labels.append(Phrase("victim %(n)s's act", n=number))
    if len(rows) == 1 + len(perpetrators):
        raise InputError(
            Phrase("the incident has no victim"), hint=Phrase("Fill in at least one victim.")
        )
    return rows, labels


@router.post("/incident")
async def incident(
    request: Request, staff: Annotated[Staff, Depends(Needs("write", fields=60 + MAX_VICTIMS * 40))]
) -> Response:
    session, user, form = staff
    keys = request.app.state.keys
    rows_sent = _text(form, "victim_rows", 3).strip() or "1"
    if not (rows_sent.isascii() and rows_sent.isdigit()):
        raise InputError(
            Phrase(
                "the number of victim rows is %(value)s, not a whole number", value=repr(rows_sent)
            ),
            hint=Phrase("Use the incident form as the workbench shows it."),
        )
    victims = max(1, min(int(rows_sent), MAX_VICTIMS))
    from_document = _text(form, "from_document", 64)
    if form.get("more"):  # "one more victim": the same form again, with all that was typed
        return _incident_again(request, session, form, min(victims + 1, MAX_VICTIMS))
    picks = pick_step(request, staff, form, INCIDENT_PICKERS)
    if picks is not None:  # "Find" in a picker: the same form again, with its choices
        return _incident_again(request, session, form, victims, picks=picks)
    try:
        if from_document:  # made from an inbox item: it is linked to the new event
            if keys.locked:
                raise InputError(
                    Phrase("an incident made from a submission needs an unlock"),
                    hint=Phrase("Unlock the archive, then make the incident again."),
                )
            reading.get(keys.archive, from_document)  # exists, or NotFound: before any write
        rows, labels = incident_rows(form, id_factory(keys.archive, keys.locked), victims)
        done, result = await asyncio.to_thread(
            store_rows_result, keys, user, rows, labels, session.language
        )
        if from_document and result.ids.get("event"):
            event_id = result.ids["event"][0]
            await asyncio.to_thread(triage.link_event, keys.for_user(user), from_document, event_id)
            linked = gettext(session.language, "%(document)s is linked to %(event)s.")
            done += " " + linked % {"document": from_document, "event": event_id}
    except (BearWitnessError, ValueError) as error:
        text = (
            said(session.language, error)
            if isinstance(error, BearWitnessError)
            else "The form could not be read."
        )
        return _incident_again(request, session, form, victims, error=text, status=400)
    return message(request, session, "Incident saved", done)


def _incident_again(
    request: Request,
    session: Session,
    form: FormData,
    victims: int,
    *,
    error: str = "",
    status: int = 200,
    picks: Any = None,
) -> Response:
    """The incident form again with everything typed, chosen and ticked kept."""
    return page(
        request,
        "incident.html",
        session,
        status=status,
        victims=victims,
        perpetrators=PERPETRATOR_ROWS,
        error=error,
        form={k: v for k, v in form.items() if isinstance(v, str)},
        ticked={k: [str(v) for v in form.getlist(k)] for k in form if k.endswith(TICKED)},
        max_victims=MAX_VICTIMS,
        picks=picks,
    )


@router.get("/documents/new")
def document_form(request: Request, staff: Annotated[Staff, Depends(Needs("write"))]) -> Response:
    session = staff.session
    return page(request, "document_new.html", session, error="", form={})


@router.post("/documents/new")
async def add_document(
    request: Request, staff: Annotated[Staff, Depends(Needs("write", files=10, fields=20))]
) -> Response:
    session, user, form = staff
    settings = request.app.state.settings
    keys = request.app.state.keys
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    picks = pick_step(request, staff, form, DOCUMENT_PICKERS)
    if picks is not None:  # files are not kept: the form says to choose them again
        return page(request, "document_new.html", session, error="", form=values, picks=picks)
    try:
        uploads = []
        for item in form.getlist("files"):
            if isinstance(item, UploadFile) and item.filename:
                content = await item.read(settings.max_file_bytes + 1)
                if len(content) > settings.max_file_bytes:
                    raise InputError(
                        Phrase(
                            "a file is larger than %(mb)s MB", mb=settings.max_file_bytes // 1048576
                        ),
                        hint=Phrase("Split it, or import it from the command line."),
                    )
                uploads.append(intake_web.Upload(item.filename, content))
        new_id = id_factory(keys.archive, keys.locked)
        document_id = new_id("document")
        document = {
            "type": "document",
            "id": document_id,
            "source_id": _text(form, "source_id", 64),
            "kind": _text(form, "kind", 40) or "testimony",
            "received": _checked(
                _text(form, "received", 60), PartialDateRange.parse, Phrase("Received")
            ),
            "event_ids": [
                e.strip() for e in _text(form, "event_ids", 2000).split(",") if e.strip()
            ],
            "title": _text(form, "title", 500),
            "text": _text(form, "text"),
            "language": _text(form, "language", 20),
        }
        rows: Rows = [(document, None)]
        rows += await asyncio.to_thread(
            intake_web.evidence_rows,
            document_id,
            uploads,
            lambda: new_id("evidence"),
            images=request.app.state.images,
        )
        labels = [Phrase("the document")] + [Phrase("file %(n)s", n=n) for n in range(1, len(rows))]
        done = await asyncio.to_thread(store_rows, keys, user, rows, labels, session.language)
    except BearWitnessError as error:
        return page(
            request,
            "document_new.html",
            session,
            status=400,
            error=said(session.language, error),
            form=values,
        )
    return message(request, session, "Document saved", done)
