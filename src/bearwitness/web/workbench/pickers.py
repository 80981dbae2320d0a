"""Pickers: choosing the record a form links to by searching for it, never by typing its id.

A form's picker (the ``picker`` macro of ``templates/workbench/_picker.html``) has a
search box and a "Find" button. Without JavaScript, "Find" sends the whole form with
``pick`` naming the picker; the form's handler asks :func:`pick_step` for the choices
and shows the same form again, everything typed kept, with the records found as radio
buttons. With JavaScript (``static/enhance.js``) the box looks records up as one types,
from ``GET /pick/{kind}`` (JSON), and a click chooses one.

The search is the archive's own (:mod:`bearwitness.services.picking`). A choice shows
its id and clear facts; its name only while the archive is unlocked and the record is
revealed in this session (a picker's "Show names" reveals the records it found, and
that is recorded in the audit trail, as the record page's Reveal button is).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import FormData
from starlette.responses import JSONResponse, Response

from bearwitness.errors import BearWitnessError, InputError, LockedError, Phrase
from bearwitness.services import audit, picking, reading, writing
from bearwitness.services.reading import SearchHit
from bearwitness.web.i18n import N_
from bearwitness.web.workbench.auth import Needs, Staff, allowed
from bearwitness.web.workbench.common import said
from bearwitness.web.workbench.records import _detail, shown

router = APIRouter(include_in_schema=False)
MESSAGES = (
    N_("Find"),
    N_("Show names"),
    N_("Chosen:"),
    N_("none"),
    N_("Choose one"),
    N_("Nothing found. Try other words, a date, a district or the number of the record."),
    N_("Search by number, date, district or, once unlocked, by words of the sealed text."),
    N_("The document is now linked to the event."),
)


@dataclass(frozen=True)
class PickState:
    """What one picker shows after a search: the words, and each choice as (id, line)."""

    query: str
    choices: list[tuple[str, str]]
    names: bool


def _search(request: Request, staff: Staff) -> picking.Search | None:
    """The sealed-text search, where this user may search and the archive is unlocked."""
    keys = request.app.state.keys
    if keys.locked or not allowed(staff.user, "search"):
        return None
    archive = keys.for_user(staff.user)

    def search(query: str, kinds: tuple[str, ...], limit: int) -> list[SearchHit]:
        return list(keys.search_index.search(archive, query, kinds=kinds, limit=limit))

    return search


def find(
    request: Request, staff: Staff, kind: str, query: str, *, names: bool
) -> tuple[list[picking.Choice], bool]:
    """The choices for ``query``; with ``names`` (unlocked, and a user who may reveal) the
    records found are revealed in this session, and that is audited. Returns the choices
    and whether names were shown."""
    keys = request.app.state.keys
    session = staff.session
    names = names and not keys.locked and allowed(staff.user, "reveal")
    archive = keys.archive
    found = picking.choices(archive, kind, query, search=_search(request, staff))
    if names and found:
        for choice in found:  # one audit row per record, as the Reveal button writes
            session.revealed.add(choice.id)
            audit.record(
                archive.engine,
                at=archive.now(),
                actor=staff.user.actor,
                action="reveal",
                target=choice.id,
            )
    if not keys.locked and allowed(staff.user, "reveal"):
        found = picking.with_names(archive, found, set(session.revealed))
    return found, names


def line(choice: picking.Choice, language: str) -> str:
    return picking.label(choice, lambda kind, name, value: shown(kind, name, value, language))


def pick_step(
    request: Request, staff: Staff, form: FormData, pickers: dict[str, str]
) -> dict[str, PickState] | None:
    """For a form sent with its "Find" button: the named picker's choices (``pickers``
    maps each picker's field to the kind it chooses). None for a form sent to be saved."""
    wanted = form.get("pick")
    if not isinstance(wanted, str) or wanted not in pickers:
        return None
    query = form.get(f"{wanted}__q")
    names = form.get(f"{wanted}__names") == "1"
    found, names = find(
        request, staff, pickers[wanted], query if isinstance(query, str) else "", names=names
    )
    language = staff.session.language
    return {
        wanted: PickState(
            query if isinstance(query, str) else "",
            [(c.id, line(c, language)) for c in found],
            names,
        )
    }


@router.get("/pick/{kind}")
async def pick(
    request: Request, kind: str, staff: Annotated[Staff, Depends(Needs("view"))]
) -> Response:
    """The type-ahead of a picker: ``{"choices": [{"id", "label"}]}`` for ``q``."""
    try:
        picking.check_kind(kind)
        found, names = await asyncio.to_thread(
            find,
            request,
            staff,
            kind,
            request.query_params.get("q", "")[: picking.MAX_QUERY],
            names=request.query_params.get("names") == "1",
        )
    except InputError as error:
        return JSONResponse(
            {"error": error.code, "message": error.message, "hint": error.hint}, status_code=400
        )
    language = staff.session.language
    return JSONResponse(
        {
            "choices": [{"id": c.id, "label": line(c, language)} for c in found],
            "names": names,
        },
        headers={"Cache-Control": "private, no-store"},
    )


@router.post("/records/document/{record_id}/events")
async def link_document(
    request: Request,
    record_id: str,
    staff: Annotated[Staff, Depends(Needs("write", fields=10))],
) -> Response:
    """Link a document to one more event, chosen with the picker: a new logged version."""
    session, user, form = staff
    keys = request.app.state.keys
    picks = pick_step(request, staff, form, {"event_id": "event"})
    if picks is not None:
        return _detail(request, session, record_id, picks=picks, pick_form=_kept(form))
    chosen = form.get("event_id")
    chosen = chosen.strip()[:64] if isinstance(chosen, str) else ""
    try:
        if not chosen:
            raise InputError(
                Phrase("no event was chosen"),
                hint=Phrase("Search for the event and choose it, then link."),
            )
        if reading.kind_of(chosen) != "event":
            raise InputError(
                Phrase("%(value)s is not an event", value=repr(chosen)),
                hint=Phrase("Choose an event from the list."),
            )
        reading.get(keys.archive, chosen)  # it exists, or NotFound
        if keys.locked:
            raise LockedError(
                Phrase(
                    "linking a document to an event writes a new version of it: it needs an unlock"
                ),
                hint=Phrase("Ask a custodian to unlock the archive, then link again."),
            )
        document = reading.get(keys.archive, record_id)
        if document.kind != "document":
            raise InputError(
                Phrase("%(value)s is not a document", value=repr(record_id)),
                hint=Phrase("Open a document's page."),
            )
        events = [str(e) for e in document.fields.get("event_ids") or ()]
        if chosen not in events:
            await asyncio.to_thread(
                writing.change_record,
                keys.for_user(user),
                "document",
                record_id,
                {"event_ids": [*events, chosen]},
            )
    except BearWitnessError as error:
        return _detail(
            request,
            session,
            record_id,
            status=400,
            pick_error=said(session.language, error),
            pick_form=_kept(form),
        )
    return _detail(
        request, session, record_id, notice=N_("The document is now linked to the event.")
    )


def _kept(form: FormData) -> dict[str, str]:
    return {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf"}
