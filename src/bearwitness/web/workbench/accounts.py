"""One's own account (password, one-time-code app) and an admin's reset of a second factor.

The QR code of a one-time-code app is drawn here, by the server (segno), as an inline
SVG: no outside service ever sees the secret. A user's new app is kept only once a code
from it is typed; the secret waits in their session, in memory, until then.
"""

from __future__ import annotations

import asyncio
import time
from typing import Annotated

import pyotp
from fastapi import APIRouter, Depends, Request
from markupsafe import Markup
from starlette.responses import Response

from bearwitness.errors import BearWitnessError, InputError, Phrase
from bearwitness.services import users
from bearwitness.web.i18n import N_
from bearwitness.web.rendering import gettext
from bearwitness.web.workbench.auth import Needs, Staff
from bearwitness.web.workbench.common import page, said, status_for
from bearwitness.web.workbench.pages import _users
from bearwitness.web.workbench.state import Session

router = APIRouter(include_in_schema=False)
MESSAGES = (
    N_("Your password was changed."),
    N_("Your new one-time-code app is set up: log in with its codes from now on."),
)
START_AGAIN = N_("Start again: press “Set up a new app” and scan the new code.")
PENDING: dict[str, str] = {}  # session token -> the new secret being enrolled (memory only)


def qr(username: str, secret: str) -> Markup:
    """The QR code an app scans for ``secret``, as SVG markup drawn by the server."""
    return Markup(users.qr_svg(users.provisioning_uri(username, secret)))  # nosec B704 # segno's own SVG


def _field(form: object, name: str, limit: int = 1000) -> str:
    value = form.get(name) if hasattr(form, "get") else None
    return value[:limit] if isinstance(value, str) else ""


def _account(
    request: Request,
    session: Session,
    *,
    status: int = 200,
    error: str = "",
    notice: str = "",
    enrolling: str = "",
) -> Response:
    assert session.user is not None
    return page(
        request,
        "account.html",
        session,
        status=status,
        error=error,
        notice=notice,
        secret=enrolling,
        qr=qr(session.user.username, enrolling) if enrolling else "",
        uri=users.provisioning_uri(session.user.username, enrolling) if enrolling else "",
    )


@router.get("/account")
def account(request: Request, staff: Annotated[Staff, Depends(Needs(None))]) -> Response:
    return _account(request, staff.session)


@router.post("/account/password")
async def change_password(
    request: Request, staff: Annotated[Staff, Depends(Needs(None))]
) -> Response:
    session, user, form = staff
    keys = request.app.state.keys
    new, again = _field(form, "new"), _field(form, "again")
    try:
        if new != again:
            raise InputError(
                Phrase("the two new passwords differ"),
                hint=Phrase("Type the same new password twice."),
            )
        await asyncio.to_thread(
            users.change_password,
            keys.for_user(user),
            user,
            _field(form, "current"),
            new,
            hasher=request.app.state.hasher,
        )
    except BearWitnessError as error:
        return _account(
            request,
            session,
            status=status_for(error),
            error=said(session.language, error),
        )
    return _account(request, session, notice=N_("Your password was changed."))


@router.post("/account/factor")
async def start_enrolment(
    request: Request, staff: Annotated[Staff, Depends(Needs(None))]
) -> Response:
    session = staff.session
    secret = PENDING[session.token] = pyotp.random_base32()
    return _account(request, session, enrolling=secret)


@router.post("/account/factor/confirm")
async def confirm_enrolment(
    request: Request, staff: Annotated[Staff, Depends(Needs(None))]
) -> Response:
    session, user, form = staff
    keys = request.app.state.keys
    secret = PENDING.get(session.token, "")
    if not secret:
        return _account(
            request,
            session,
            status=400,
            error=gettext(session.language, START_AGAIN),
        )
    try:
        await asyncio.to_thread(
            users.enrol_second_factor,
            keys.for_user(user),
            user,
            secret,
            _field(form, "code", 20),
            now=time.time(),
            used=request.app.state.used_codes,
        )
    except BearWitnessError as error:
        return _account(
            request,
            session,
            status=status_for(error),
            error=said(session.language, error),
            enrolling=secret,
        )
    PENDING.pop(session.token, None)
    return _account(
        request,
        session,
        notice=N_("Your new one-time-code app is set up: log in with its codes from now on."),
    )


@router.post("/users/{username}/factor/reset")
async def reset_factor(
    request: Request, username: str, staff: Annotated[Staff, Depends(Needs("users"))]
) -> Response:
    """An admin gives an account a new second factor, to hand over in person (QR code)."""
    session, user, _ = staff
    keys = request.app.state.keys
    try:
        secret = await asyncio.to_thread(
            users.reset_second_factor, keys.for_user(user), username[:64], by=user
        )
    except BearWitnessError as error:
        return _users(
            request, session, status=status_for(error), error=said(session.language, error)
        )
    request.app.state.sessions.drop_user(username)  # logged out wherever they are
    return _users(
        request,
        session,
        created=(username, secret, users.provisioning_uri(username, secret)),
        qr=qr(username, secret),
        reset=True,
    )
