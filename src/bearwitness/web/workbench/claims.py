"""Claims from public reporting: the review queue, taking an article in, and an event's
incident page (who claims what, who relays whom, who denies it, the figures).

Everything here calls ``services/claims.py`` and ``services/claim_review.py``; the sealed
text is opened in memory for the page and never written in the clear.
"""

from __future__ import annotations

import asyncio
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import FormData, UploadFile
from starlette.responses import Response

from bearwitness.errors import BearWitnessError, InputError, Phrase
from bearwitness.services import claim_review, claims
from bearwitness.web.i18n import N_
from bearwitness.web.workbench.auth import Needs, Staff
from bearwitness.web.workbench.common import (
    error_response,
    message,
    page,
    redirect,
    whole_number,
)
from bearwitness.web.workbench.lists import span
from bearwitness.web.workbench.state import Session

router = APIRouter(include_in_schema=False)
ADDED = N_("The article was taken in with %(count)s candidate claim(s) to review.")
ADDED_LOCKED = N_(
    "The article was sealed into the inbox with %(count)s candidate claim(s): "
    "they can be reviewed after the next unlock."
)
ACCEPTED = N_("The claim was accepted as %(claim)s.")
REJECTED = N_("The candidate was rejected.")
RELAY_SAVED = N_("The correction was saved as a new version of %(claim)s.")
LINKED = N_("%(claim)s is now linked to this event.")
LOCKED = N_("The incident page needs an unlock: the claims are sealed.")
QUEUE_PAGE = 20  # candidates shown on one page of the queue
EDITABLE = ("claimant", "outlet", "via", "place", "when", "reliability", "credibility")


def _form_text(form: FormData, name: str, limit: int = 500) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def _number(form: FormData, name: str, what: Phrase) -> int:
    return whole_number(_form_text(form, name, 20), what=what, at_most=10**9)


def queue_page(
    request: Request, session: Session, *, status: int = 200, notice: str = "", **values: object
) -> Response:
    keys = request.app.state.keys
    pending: list[claim_review.Pending] = []
    events: list[str] = []
    if not keys.locked:
        try:
            pending = claim_review.queue(keys.archive)
            events = claim_review.event_ids(keys.archive)
        except BearWitnessError as problem:
            return error_response(request, session, problem)
    # A page of the queue: every candidate is opened to be counted, twenty are shown.
    pages = max(1, -(-len(pending) // QUEUE_PAGE))
    number = request.query_params.get("page", "1")[:6]  # ASCII digits only ("²" is a digit)
    shown = min(int(number), pages) if number.isascii() and number.isdigit() else 1
    shown = max(shown, 1)
    first = (shown - 1) * QUEUE_PAGE
    return page(
        request,
        "claims.html",
        session,
        status=status,
        pending=pending[first : first + QUEUE_PAGE],
        total=len(pending),
        span=span(first + 1, min(first + QUEUE_PAGE, len(pending)), len(pending), session.language),
        previous=f"/claims?page={shown - 1}" if shown > 1 else "",
        next=f"/claims?page={shown + 1}" if shown < pages else "",
        first=first,
        events=events,
        notice=notice,
        notice_values=values,
    )


@router.get("/claims")
def review_queue(request: Request, staff: Annotated[Staff, Depends(Needs("write"))]) -> Response:
    return queue_page(request, staff.session)


@router.post("/claims/add")
async def add_article(
    request: Request, staff: Annotated[Staff, Depends(Needs("write", files=1, fields=9))]
) -> Response:
    session, user, form = staff
    settings = request.app.state.settings
    archive = request.app.state.keys.for_user(user)
    upload = form.get("file")
    try:
        if isinstance(upload, UploadFile) and upload.filename:
            data = await upload.read(settings.max_file_bytes + 1)
            if len(data) > settings.max_file_bytes:
                raise InputError(
                    Phrase(
                        "%(file)s: larger than %(mb)s MB",
                        file=upload.filename,
                        mb=settings.max_file_bytes // 1048576,
                    ),
                    hint=Phrase("Take it in from the command line: bearwitness claims add."),
                )
            name = upload.filename
        else:
            data, name = _form_text(form, "text", 1_000_000).encode(), "pasted.txt"
        added = await asyncio.to_thread(
            claims.add_bytes,
            archive,
            name,
            data,
            outlet=_form_text(form, "outlet", 200) or None,
            published=_form_text(form, "published", 20) or None,
            url=_form_text(form, "url", 2000) or None,
            lang=_form_text(form, "lang", 4) or "auto",
            title=_form_text(form, "title", 500) or None,
        )
    except BearWitnessError as problem:
        return error_response(request, session, problem)
    notice = ADDED_LOCKED if added.batch else ADDED
    return queue_page(request, session, notice=notice, count=added.candidates)


@router.post("/claims/decide")
async def decide(
    request: Request, staff: Annotated[Staff, Depends(Needs("write", fields=24))]
) -> Response:
    session, user, form = staff
    archive = request.app.state.keys.for_user(user)
    verdict = _form_text(form, "verdict", 10)
    try:
        document_id = _form_text(form, "document_id", 64)
        index = _number(form, "index", Phrase("the candidate's number"))
        version = _number(form, "version", Phrase("the document's version"))
        changes: dict[str, object] = {}
        if verdict == "accept":
            changes = {name: _form_text(form, name) for name in EDITABLE}
            changes["act"] = _form_text(form, "act", 64)
            changes["stance"] = _form_text(form, "stance", 10)
            changes["hedged"] = form.get("hedged") == "yes"
            changes["count"] = claim_review.qualified_count(
                _form_text(form, "qualifier", 10),
                _form_text(form, "low", 20),
                _form_text(form, "best", 20),
                _form_text(form, "high", 20),
            )
        decided = await asyncio.to_thread(
            claim_review.decide,
            archive,
            document_id,
            index,
            verdict,
            version=version,
            changes=changes,
            event_id=_form_text(form, "event_id", 64),
        )
    except BearWitnessError as problem:
        return error_response(request, session, problem)
    if decided.claim_id:
        return queue_page(request, session, notice=ACCEPTED, claim=decided.claim_id)
    return queue_page(request, session, notice=REJECTED)


def incident_page(
    request: Request, session: Session, event_id: str, *, notice: str = "", claim: str = ""
) -> Response:
    keys = request.app.state.keys
    act = request.query_params.get("act") or None
    if keys.locked:
        return message(request, session, "Locked", LOCKED)
    try:
        found = claim_review.incident(keys.archive, event_id, act)
    except BearWitnessError as problem:
        return error_response(request, session, problem)
    return page(request, "claim_incident.html", session, found=found, notice=notice, claim=claim)


@router.get("/claims/incident/{record_id}")
def incident(
    request: Request, record_id: str, staff: Annotated[Staff, Depends(Needs("reveal"))]
) -> Response:
    return incident_page(request, staff.session, record_id[:64])


async def _correct(request: Request, staff: Staff, record_id: str, kind: str) -> Response:
    session, user, form = staff
    archive = request.app.state.keys.for_user(user)
    event_id = _form_text(form, "event_id", 64)
    try:
        version = _number(form, "version", Phrase("the claim's version"))
        if kind == "relay":
            await asyncio.to_thread(
                claim_review.correct_relay,
                archive,
                record_id[:64],
                _form_text(form, "relays"),
                version=version,
            )
        else:
            await asyncio.to_thread(
                claim_review.link_event, archive, record_id[:64], event_id, version=version
            )
    except BearWitnessError as problem:
        return error_response(request, session, problem)
    notice = RELAY_SAVED if kind == "relay" else LINKED
    return incident_page(request, session, event_id, notice=notice, claim=record_id[:64])


@router.post("/claims/{record_id}/relays")
async def correct_relay(
    request: Request, record_id: str, staff: Annotated[Staff, Depends(Needs("write", fields=5))]
) -> Response:
    return await _correct(request, staff, record_id, "relay")


@router.post("/claims/{record_id}/events")
async def confirm_event(
    request: Request, record_id: str, staff: Annotated[Staff, Depends(Needs("write", fields=5))]
) -> Response:
    return await _correct(request, staff, record_id, "event")


@router.get("/claims/incident")
def choose_incident(
    request: Request, staff: Annotated[Staff, Depends(Needs("reveal"))]
) -> Response:
    event_id = request.query_params.get("event_id", "")[:64]
    if not event_id:
        return redirect("/claims")
    return redirect(f"/claims/incident/{quote(event_id, safe='')}")
