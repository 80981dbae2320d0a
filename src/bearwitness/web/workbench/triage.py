"""Triage pages: one inbox item with its status, assignee, notes and the conversation with
its source; making an incident from it."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.responses import Response

from bearwitness.errors import BearWitnessError, InputError
from bearwitness.services import reading, triage, users
from bearwitness.web.i18n import N_
from bearwitness.web.workbench.auth import Needs, Staff
from bearwitness.web.workbench.common import error_response, message, page
from bearwitness.web.workbench.entry import MAX_VICTIMS, PERPETRATOR_ROWS
from bearwitness.web.workbench.state import Session

router = APIRouter(include_in_schema=False)
SAVED = N_("The triage was saved as a new version.")
REPLIED = N_("The reply was sealed for the source.")
LOCKED = N_("Triage needs an unlock: what was sent is sealed.")


def staff_names(request: Request) -> dict[str, str]:
    """Pseudonym -> username of every account that may triage (for the assignee choice)."""
    return {
        user.pseudonym: user.username
        for user in users.list_users(request.app.state.keys.archive.engine)
        if not user.disabled and user.roles & {"documenter"}
    }


def _item(request: Request, record_id: str) -> str:
    try:
        if reading.kind_of(record_id) == "document":
            return record_id
    except InputError:
        pass
    raise HTTPException(404, "There is no such inbox item.")


def item_page(
    request: Request,
    session: Session,
    record_id: str,
    *,
    status: int = 200,
    notice: str = "",
    error: str = "",
) -> Response:
    keys = request.app.state.keys
    if keys.locked:
        return message(request, session, "Locked", LOCKED)
    archive = keys.archive
    try:
        record = reading.open_full(archive, record_id)
        thread = triage.conversation(archive, record_id)
        version = reading.get(archive, record_id).version
    except BearWitnessError as problem:
        return error_response(request, session, problem)
    return page(
        request,
        "triage.html",
        session,
        status=status,
        record=record,
        version=version,
        thread=thread,
        staff=staff_names(request),
        notice=notice,
        error=error,
    )


@router.get("/inbox/{record_id}")
def item(
    request: Request, record_id: str, staff: Annotated[Staff, Depends(Needs("triage"))]
) -> Response:
    return item_page(request, staff.session, _item(request, record_id))


@router.post("/inbox/{record_id}/triage")
async def set_triage(
    request: Request, record_id: str, staff: Annotated[Staff, Depends(Needs("triage"))]
) -> Response:
    session, user, form = staff
    record_id = _item(request, record_id)
    archive = request.app.state.keys.for_user(user)
    try:
        version = int(str(form.get("version") or "0")[:9] or "0")
    except ValueError:
        version = 0
    assignee = str(form.get("assignee") or "")
    if assignee and assignee not in staff_names(request):
        assignee = ""
    try:
        await asyncio.to_thread(
            triage.set_triage,
            archive,
            record_id,
            status=str(form.get("status") or "new")[:40],
            assignee=assignee,
            notes=str(form.get("notes") or "")[:100_000],
            version=version,
        )
    except BearWitnessError as problem:
        return error_response(request, session, problem)
    return item_page(request, session, record_id, notice=SAVED)


@router.post("/inbox/{record_id}/reply")
async def reply(
    request: Request, record_id: str, staff: Annotated[Staff, Depends(Needs("triage"))]
) -> Response:
    session, user, form = staff
    record_id = _item(request, record_id)
    archive = request.app.state.keys.for_user(user)
    try:
        await asyncio.to_thread(triage.reply, archive, record_id, str(form.get("text") or ""))
    except BearWitnessError as problem:
        return error_response(request, session, problem)
    return item_page(request, session, record_id, notice=REPLIED)


@router.get("/inbox/{record_id}/incident")
def incident_from(
    request: Request, record_id: str, staff: Annotated[Staff, Depends(Needs("write"))]
) -> Response:
    session = staff.session
    record_id = _item(request, record_id)
    keys = request.app.state.keys
    if keys.locked:
        return message(request, session, "Locked", LOCKED)
    try:
        form = triage.incident_prefill(keys.archive, record_id)
    except BearWitnessError as problem:
        return error_response(request, session, problem)
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
        form=form,
    )
