"""Casework pages: open cases by priority, overdue risk reviews, one case, a person's case."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from bearwitness.domain.casework import balances
from bearwitness.domain.records import Intervention
from bearwitness.errors import BearWitnessError, InputError
from bearwitness.services import casework, reading
from bearwitness.web.i18n import N_
from bearwitness.web.workbench.auth import Needs, Staff
from bearwitness.web.workbench.common import error_response, message, page, redirect, sentence
from bearwitness.web.workbench.state import Session

router = APIRouter(include_in_schema=False)
CHOICES = ("kind", "status", "response", "impact", "priority", "risk_level", "documents_recovery")
LINES = ("journey", "funds")
TEXTS = (
    "intervening_party",
    "parties_requested",
    "safety_plan",
    "partner_organisation",
    "notes",
)
CODED = ("person_id", "event_id", "date", "risk_review")
LOCKED_TEXT = N_("Cases need an unlock: priorities, risks and plans are sealed.")


def _case_id(record_id: str) -> str:
    try:
        if reading.kind_of(record_id) == "intervention":
            return record_id
    except InputError:
        pass
    raise HTTPException(404, "There is no such case.")


def case_data(form: FormData) -> dict[str, Any]:
    """The intervention's fields from the case form (empty ones left to their defaults)."""
    data: dict[str, Any] = {}
    for name in (*CHOICES, *CODED):
        value = form.get(name)
        data[name] = value.strip()[:200] if isinstance(value, str) else ""
    for name in TEXTS:
        value = form.get(name)
        data[name] = value.strip()[:100_000] if isinstance(value, str) else ""
    for name in LINES:
        value = form.get(name)
        text = value if isinstance(value, str) else ""
        data[name] = [line.strip() for line in text.splitlines()[:200] if line.strip()]
    return data


def _form_values(record: Intervention | None, form: FormData | None) -> dict[str, str]:
    if form is not None:
        return {k: v for k, v in form.items() if isinstance(v, str)}
    if record is None:
        return {}
    values = {
        name: "" if value is None else str(value)
        for name, value in record.to_dict().items()
        if not isinstance(value, list)
    }
    for name in LINES:
        values[name] = "\n".join(getattr(record, name))
    return values


@router.get("/cases")
def cases(request: Request, staff: Annotated[Staff, Depends(Needs("view"))]) -> Response:
    session = staff.session
    archive = request.app.state.keys.archive
    if archive.locked:
        return message(request, session, "Locked", LOCKED_TEXT)
    today = archive.clock().astimezone(dt.UTC).date()
    try:
        open_cases = casework.open_cases(archive)
        overdue = casework.overdue_reviews(archive, today)
    except BearWitnessError as error:
        return error_response(request, session, error)
    return page(request, "cases.html", session, open_cases=open_cases, overdue=overdue)


def _case_form(
    request: Request,
    session: Session,
    *,
    record: Intervention | None = None,
    version: int = 0,
    form: FormData | None = None,
    error: str = "",
    status: int = 200,
    person: str = "",
) -> Response:
    values = _form_values(record, form)
    if person and not values.get("person_id"):
        values["person_id"] = person
    return page(
        request,
        "case_form.html",
        session,
        status=status,
        record=record,
        version=version,
        form=values,
        error=error,
    )


@router.get("/cases/new")
def new_case(request: Request, staff: Annotated[Staff, Depends(Needs("write"))]) -> Response:
    session = staff.session
    if request.app.state.keys.locked:
        return message(request, session, "Locked", LOCKED_TEXT)
    person = request.query_params.get("person", "")[:64]
    return _case_form(request, session, person=person)


@router.post("/cases/new")
async def open_case(
    request: Request, staff: Annotated[Staff, Depends(Needs("write", fields=40))]
) -> Response:
    session, user, form = staff
    archive = request.app.state.keys.for_user(user)
    try:
        record_id = await asyncio.to_thread(casework.open_case, archive, case_data(form))
    except BearWitnessError as error:
        return _case_form(
            request,
            session,
            form=form,
            error=f"{sentence(error.message)}. {error.hint}",
            status=400,
        )
    session.revealed.add(record_id)  # its author sees what they just wrote
    return redirect(f"/cases/{record_id}")


@router.get("/cases/{record_id}")
def case(
    request: Request, record_id: str, staff: Annotated[Staff, Depends(Needs("view"))]
) -> Response:
    session = staff.session
    record_id = _case_id(record_id)
    keys = request.app.state.keys
    if keys.locked:
        return message(request, session, "Locked", LOCKED_TEXT)
    try:
        record = reading.open_full(keys.archive, record_id)
        version = reading.get(keys.archive, record_id).version
    except BearWitnessError as error:
        return error_response(request, session, error)
    assert isinstance(record, Intervention)
    return page(
        request,
        "case.html",
        session,
        record=record,
        version=version,
        revealed=record_id in session.revealed,
        balances=balances(record.funds),
        form=_form_values(record, None),
        error="",
    )


@router.post("/cases/{record_id}")
async def change_case(
    request: Request, record_id: str, staff: Annotated[Staff, Depends(Needs("write", fields=40))]
) -> Response:
    session, user, form = staff
    record_id = _case_id(record_id)
    keys = request.app.state.keys
    try:
        version = int(str(form.get("version") or "0")[:9] or "0")
    except ValueError:
        version = 0
    try:
        current = await asyncio.to_thread(reading.open_full, keys.archive, record_id)
        await asyncio.to_thread(
            casework.change_case, keys.for_user(user), record_id, case_data(form), version=version
        )
    except BearWitnessError as error:
        if isinstance(error, InputError) or error.code == "case_changed":
            existing = current if "current" in locals() else None
            return _case_form(
                request,
                session,
                record=existing if isinstance(existing, Intervention) else None,
                version=version,
                form=form,
                error=f"{sentence(error.message)}. {error.hint}",
                status=409 if error.code == "case_changed" else 400,
            )
        return error_response(request, session, error)
    return redirect(f"/cases/{record_id}")


@router.get("/people/{record_id}/case")
def person_case(
    request: Request, record_id: str, staff: Annotated[Staff, Depends(Needs("view"))]
) -> Response:
    session = staff.session
    try:
        if reading.kind_of(record_id) != "person":
            raise InputError("not a person", hint="")
    except InputError:
        raise HTTPException(404, "There is no such person.") from None
    archive = request.app.state.keys.archive
    try:
        moments = casework.timeline(archive, record_id)
    except BearWitnessError as error:
        return error_response(request, session, error)
    return page(request, "person_case.html", session, person_id=record_id, moments=moments)
