"""A person's consents in the workbench: list them, record one, withdraw one.

The same rules as ``bearwitness consent add|withdraw|list`` (``services/consent.py``): a
new consent is checked and stored as an import row is, and a withdrawal is a new version
of the consent. Whom a consent is about is sealed, so the page needs an unlock; reading
it needs ``reveal``, changing it ``write``; each is recorded in the audit trail by id.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from bearwitness.domain import vocabulary
from bearwitness.domain.records import Consent
from bearwitness.errors import BearWitnessError, InputError, Phrase
from bearwitness.services import audit, consent, reading, storing
from bearwitness.services.inbox import Entry
from bearwitness.web.i18n import N_
from bearwitness.web.workbench.auth import Needs, Staff
from bearwitness.web.workbench.common import error_response, message, page, redirect, said
from bearwitness.web.workbench.state import Session

router = APIRouter(include_in_schema=False)
LOCKED_TEXT = N_("A person's consents need an unlock: whom a consent is about is sealed.")
# A court order is not a consent someone gave: only k custodians record one (the CLI).
METHODS = tuple(t for t in vocabulary.CONSENT_METHODS.terms if t.code != consent.COURT_ORDER)
NOTICES = {
    "added": N_("The consent was recorded."),
    "withdrawn": N_(
        "The consent was withdrawn: later reports and exports leave this person out of what "
        "it covered."
    ),
}


def _person(record_id: str) -> str:
    try:
        if reading.kind_of(record_id) == "person":
            return record_id
    except InputError:
        pass
    raise HTTPException(404, "There is no such person.")


def _text(form: FormData, name: str, limit: int = 500) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def _page(
    request: Request,
    session: Session,
    actor: str,
    person_id: str,
    *,
    form: FormData | None = None,
    error: str = "",
    status: int = 200,
) -> Response:
    archive = request.app.state.keys.archive
    try:
        found = consent.consents_of(archive, person_id)
    except BearWitnessError as error_found:
        return error_response(request, session, error_found)
    typed = {k: v for k, v in form.multi_items() if isinstance(v, str)} if form else {}
    scopes = form.getlist("scopes") if form else []
    audit.record(
        archive.engine,
        at=archive.now(),
        actor=actor,
        action="consent_read",
        target=person_id,
    )
    return page(
        request,
        "consents.html",
        session,
        status=status,
        person_id=person_id,
        consents=found,
        methods=METHODS,
        form=typed,
        scopes=scopes,
        today=archive.clock().astimezone(dt.UTC).date().isoformat(),
        error=error,
        notice=NOTICES.get(request.query_params.get("done", ""), ""),
    )


@router.get("/people/{record_id}/consents")
def consents(
    request: Request, record_id: str, staff: Annotated[Staff, Depends(Needs("reveal"))]
) -> Response:
    session = staff.session
    person_id = _person(record_id)
    if request.app.state.keys.locked:
        return message(request, session, "Locked", LOCKED_TEXT)
    return _page(request, session, staff.user.actor, person_id)


@router.post("/people/{record_id}/consents")
async def add_consent(
    request: Request, record_id: str, staff: Annotated[Staff, Depends(Needs("write", fields=20))]
) -> Response:
    session, user, form = staff
    person_id = _person(record_id)
    keys = request.app.state.keys
    if keys.locked:
        return message(request, session, "Locked", LOCKED_TEXT, status=409)
    archive = keys.for_user(user)
    scopes = [s for s in form.getlist("scopes") if isinstance(s, str)][:20]
    try:
        if not scopes:
            raise InputError(
                Phrase("no use was ticked"),
                hint=Phrase("Tick at least one use the person agreed to."),
            )
        reading.get(archive, person_id)  # exists, or NotFound
        row = consent.consent_record(
            subject=person_id,
            scopes=scopes,
            method=_text(form, "method", 40) or "written",
            obtained_by=_text(form, "obtained_by"),
            obtained_on=_text(form, "obtained_on", 40),
            partner=_text(form, "partner"),
            notes=_text(form, "notes", 100_000),
        )
        result = await asyncio.to_thread(
            storing.store, archive, [Entry(1, row)], "the consent form"
        )
    except InputError as error:
        return _page(
            request,
            session,
            user.actor,
            person_id,
            form=form,
            error=said(session.language, error),
            status=400,
        )
    except BearWitnessError as error:
        return error_response(request, session, error)
    audit.record(
        archive.engine,
        at=archive.now(),
        actor=user.actor,
        action="consent",
        target=result.ids.get("consent", [""])[0],
    )
    return redirect(f"/people/{person_id}/consents?done=added")


@router.post("/people/{record_id}/consents/withdraw")
async def withdraw_consent(
    request: Request, record_id: str, staff: Annotated[Staff, Depends(Needs("write"))]
) -> Response:
    session, user, form = staff
    person_id = _person(record_id)
    keys = request.app.state.keys
    if keys.locked:
        return message(request, session, "Locked", LOCKED_TEXT, status=409)
    archive = keys.for_user(user)
    consent_id = _text(form, "consent_id", 64)
    try:
        theirs = [c.id for c in consent.consents_of(archive, person_id)]
        if consent_id not in theirs:
            raise InputError(
                Phrase("that consent is not one of this person's"),
                hint=Phrase("Withdraw it from the page of the person it is about."),
            )
        changed: Consent = await asyncio.to_thread(
            consent.withdraw, archive, consent_id, on=_text(form, "on", 40)
        )
    except InputError as error:
        return _page(
            request,
            session,
            user.actor,
            person_id,
            error=said(session.language, error),
            status=400,
        )
    except BearWitnessError as error:
        return error_response(request, session, error)
    audit.record(
        archive.engine, at=archive.now(), actor=user.actor, action="consent", target=changed.id
    )
    return redirect(f"/people/{person_id}/consents?done=withdrawn")
