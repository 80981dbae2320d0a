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
from bearwitness.errors import BearWitnessError, FieldsRejected, InputError
from bearwitness.services import casework, reading
from bearwitness.web.i18n import N_
from bearwitness.web.workbench.auth import Needs, Staff
from bearwitness.web.workbench.common import (
    error_response,
    field_problems,
    message,
    page,
    redirect,
    said,
    sentence,
)
from bearwitness.web.workbench.pickers import PickState, pick_step
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
PICKERS = {"person_id": "person", "event_id": "event"}  # chosen by searching, never typed
LOCKED_TEXT = N_("Cases need an unlock: priorities, risks and plans are sealed.")
# The fields the form shows, each with its problem beside it; others are named above it.
SHOWN = (*CHOICES, "date", "risk_review", "person_id", "event_id", *LINES, *TEXTS)


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
    """Open cases. Unlocked: by priority, with the overdue risk reviews (both sealed).
    Locked: by id, with their clear fields only, and a sentence saying what an unlock adds."""
    session = staff.session
    archive = request.app.state.keys.archive
    try:
        if archive.locked:
            listed = casework.listed_cases(archive)
            return page(request, "cases.html", session, listed=listed, open_cases=[], overdue=[])
        today = archive.clock().astimezone(dt.UTC).date()
        open_cases = casework.open_cases(archive)
        overdue = casework.overdue_reviews(archive, today)
    except BearWitnessError as error:
        return error_response(request, session, error)
    return page(request, "cases.html", session, listed=None, open_cases=open_cases, overdue=overdue)


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
    problems: dict[str, str] | None = None,
    picks: dict[str, PickState] | None = None,
) -> Response:
    """The case form, with what was typed and, after a refused save, each field's problem
    next to it (``problems``: field -> the check's message)."""
    values = _form_values(record, form)
    if person and not values.get("person_id"):
        values["person_id"] = person
    problems = problems or {}
    return page(
        request,
        "case_form.html",
        session,
        status=status,
        record=record,
        version=version,
        form=values,
        error=error,
        problems={name: sentence(text) for name, text in problems.items() if name in SHOWN},
        other_problems=[sentence(text) for name, text in problems.items() if name not in SHOWN],
        picks=picks or {},
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
    picks = pick_step(request, staff, form, PICKERS)
    if picks is not None:  # "Find" in a picker: the same form, with its choices
        return _case_form(request, session, form=form, picks=picks)
    archive = request.app.state.keys.for_user(user)
    try:
        record_id = await asyncio.to_thread(casework.open_case, archive, case_data(form))
    except FieldsRejected as error:
        problems = field_problems(session.language, error)
        return _case_form(request, session, form=form, status=400, problems=problems)
    except BearWitnessError as error:
        return _case_form(
            request,
            session,
            form=form,
            error=said(session.language, error),
            status=400,
        )
    session.revealed.add(record_id)  # its author sees what they just wrote
    return redirect(f"/cases/{record_id}")


@router.get("/cases/{record_id}")
def case(
    request: Request, record_id: str, staff: Annotated[Staff, Depends(Needs("view"))]
) -> Response:
    """One case: its clear fields always (locked too); its sealed ones, and the form to
    change it, only while the case is revealed in this session."""
    session = staff.session
    record_id = _case_id(record_id)
    keys = request.app.state.keys
    revealed = record_id in session.revealed and not keys.locked
    record: Intervention | None = None
    try:
        view = reading.get(keys.archive, record_id)
        if revealed:
            opened = reading.open_full(keys.archive, record_id)
            assert isinstance(opened, Intervention)
            record = opened
    except BearWitnessError as error:
        return error_response(request, session, error)
    if view.deleted:
        return message(request, session, "Not found", N_("This record was deleted."), status=404)
    return page(
        request,
        "case.html",
        session,
        view=view,
        record=record,
        version=view.version,
        revealed=revealed,
        balances=balances(record.funds) if record else {},
        form=_form_values(record, None),
        error="",
        problems={},
        other_problems=[],
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
    picks = pick_step(request, staff, form, PICKERS)
    if picks is not None:  # "Find" in a picker: the same form, with its choices
        try:
            opened = await asyncio.to_thread(reading.open_full, keys.archive, record_id)
        except BearWitnessError as error:
            return error_response(request, session, error)
        return _case_form(
            request,
            session,
            record=opened if isinstance(opened, Intervention) else None,
            version=version,
            form=form,
            picks=picks,
        )
    try:
        current = await asyncio.to_thread(reading.open_full, keys.archive, record_id)
        await asyncio.to_thread(
            casework.change_case, keys.for_user(user), record_id, case_data(form), version=version
        )
    except BearWitnessError as error:
        if isinstance(error, InputError) or error.code == "case_changed":
            existing = current if "current" in locals() else None
            rejected = isinstance(error, FieldsRejected)
            return _case_form(
                request,
                session,
                record=existing if isinstance(existing, Intervention) else None,
                version=version,
                form=form,
                error="" if rejected else said(session.language, error),
                status=409 if error.code == "case_changed" else 400,
                problems=field_problems(session.language, error)
                if isinstance(error, FieldsRejected)
                else None,
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
