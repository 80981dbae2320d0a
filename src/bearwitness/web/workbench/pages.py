"""Workbench pages: login, the locked/unlocked state, the inbox, search, the log, users."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from bearwitness.domain import vocabulary
from bearwitness.errors import BearWitnessError, UnlockError
from bearwitness.services import audit, checkpoints, dashboard, inbox, triage, users, verification
from bearwitness.services.status import (
    HOW_COUNTED,
    NOT_COUNTED,
    summarise,
)
from bearwitness.web.i18n import LANGUAGES, N_
from bearwitness.web.rendering import gettext
from bearwitness.web.routes import Public
from bearwitness.web.workbench import dashboard as charts
from bearwitness.web.workbench import triage as triage_pages
from bearwitness.web.workbench.auth import (
    LOGIN_REASON,
    LoginForm,
    Needs,
    Staff,
    TooManyLogins,
    allowed,
    cookie_name,
    current_session,
    device_cookie_name,
    log_in,
)
from bearwitness.web.workbench.common import (
    error_response,
    message,
    page,
    redirect,
    said,
    status_for,
)
from bearwitness.web.workbench.editing import KIND_LABELS
from bearwitness.web.workbench.folding import fold_after_unlock, fold_progress, start_fold
from bearwitness.web.workbench.state import Session

router = APIRouter(include_in_schema=False)
LOGIN_ERRORS = (
    N_("Too many failed logins. Wait 15 minutes and try again."),
    N_("Wrong username, password or one-time code."),
    N_("Searching sealed text needs an unlock."),
)
UNLOCKED = N_("The archive is unlocked.")
# The sentences of services.status on documented people, for translation (same text).
PEOPLE = (
    N_(
        "Counted by the newest link run: each list entry (person record) was matched to the "
        "others about the same human being, and each human being (Person) is counted once."
    ),
    N_("Not counted yet: link the person records first (Linkage, Link now)."),
)
SHARES_IN = N_(
    "%(have)s of %(need)s shares are in. The other custodians now enter theirs, each from "
    "their own session, within 10 minutes."
)
FOLDING = N_(
    "The archive is unlocked. %(n)s inbox batch(es) are being written in: the start "
    "page and the inbox show how far it got."
)


def _field(form: object, name: str, limit: int = 10_000) -> str:
    value = form.get(name) if hasattr(form, "get") else None  # a starlette FormData
    return value[:limit] if isinstance(value, str) else ""


@router.get("/login", dependencies=[Depends(Public(LOGIN_REASON))])
def login_form(request: Request) -> Response:
    store = request.app.state.sessions
    session = current_session(request)
    if session is not None and session.user is not None:
        return redirect("/")
    if session is None:
        session = store.new()
    chosen = request.query_params.get("lang")
    if chosen in LANGUAGES:
        session.language = chosen
    response = page(request, "login.html", session, error="")
    _set_cookie(request, response, session.token)
    return response


@router.post("/login")
async def login(
    request: Request, sent: Annotated[tuple[Session, FormData], Depends(LoginForm(fields=10))]
) -> Response:
    state = request.app.state
    session, form = sent
    username = _field(form, "username", 64).strip().lower()
    try:
        user = await log_in(request, username, _field(form, "password"), _field(form, "code", 20))
    except TooManyLogins:
        return page(
            request,
            "login.html",
            session,
            status=429,
            error=("Too many failed logins. Wait 15 minutes and try again."),
        )
    except users.LoginFailed:
        return page(
            request,
            "login.html",
            session,
            status=401,
            error="Wrong username, password or one-time code.",
        )
    state.sessions.drop(session.token)  # a fresh token after login: no session fixation
    fresh = state.sessions.new(user, session.language)
    audit.record(
        state.keys.archive.engine, at=state.keys.archive.now(), actor=user.actor, action="login"
    )
    response = redirect("/")
    _set_cookie(request, response, fresh.token)
    # This browser is now known for this user: others' failures no longer block it.
    response.set_cookie(
        device_cookie_name(request),
        state.throttle.device_token(user.username),
        max_age=int(state.settings.device_cookie_seconds),
        httponly=True,
        secure=state.settings.secure_cookies,
        samesite="strict",
        path="/",
    )
    return response


def _set_cookie(request: Request, response: Response, token: str) -> None:
    secure = request.app.state.settings.secure_cookies
    response.set_cookie(
        cookie_name(request), token, httponly=True, secure=secure, samesite="strict", path="/"
    )


@router.post("/logout")
async def logout(request: Request, staff: Annotated[Staff, Depends(Needs(None))]) -> Response:
    session, user, _ = staff
    request.app.state.sessions.drop(session.token)
    audit.record(
        request.app.state.keys.archive.engine,
        at=request.app.state.keys.archive.now(),
        actor=user.actor,
        action="logout",
    )
    response = redirect("/login")
    response.delete_cookie(cookie_name(request), path="/")
    return response


@router.get("/")
def home(request: Request, staff: Annotated[Staff, Depends(Needs(None))]) -> Response:
    session = staff.session
    chosen = request.query_params.get("lang")
    if chosen in LANGUAGES:
        session.language = chosen
    return home_page(request, session)


def home_page(
    request: Request, session: Session, *, status: int = 200, map_error: str = ""
) -> Response:
    """The start page: the archive's state and the dashboard (``map_error``: why an
    uploaded boundary file was refused)."""
    archive = request.app.state.keys.archive
    summary = summarise(archive)
    folding = fold_progress(request)
    # Titles are sealed: shown to those who may read lists with titles (the view role).
    titles = allowed(session.user, "view")
    board = dashboard.dashboard(archive, inbox_waiting=summary.inbox_batches, titles=titles)
    return page(
        request,
        "home.html",
        session,
        status=status,
        summary=summary,
        people=board.people,
        how_counted=HOW_COUNTED,
        not_counted=NOT_COUNTED,
        fold=folding,
        refresh=folding is not None and not folding.finished,
        board=board,
        months=charts.month_chart(board, session.language),
        by_district=charts.district_chart(board),
        fills=charts.map_fill(board),
        timeline=charts.timeline_chart(board),
        map_error=map_error,
        kind_names=KIND_LABELS,
    )


@router.get("/unlock")
def unlock_form(request: Request, staff: Annotated[Staff, Depends(Needs("unlock"))]) -> Response:
    return _unlock_page(request, staff.session)


def _unlock_page(
    request: Request, session: Session, *, error: str = "", status: int = 200
) -> Response:
    keys = request.app.state.keys
    return page(
        request,
        "unlock.html",
        session,
        status=status,
        error=error,
        notice="",
        threshold=keys.archive.keyring.custodian_threshold,
        methods=keys.archive.keyring.slot_kinds,
        waiting=keys.waiting_shares(),
    )


@router.post("/unlock/passphrase")
async def unlock_passphrase(
    request: Request, staff: Annotated[Staff, Depends(Needs("unlock"))]
) -> Response:
    session, user, form = staff
    keys = request.app.state.keys
    if not keys.locked:
        return redirect("/")
    try:
        await asyncio.to_thread(
            keys.unlock_with_passphrase, user.actor, _field(form, "passphrase", 1000)
        )
    except UnlockError as error:  # back to the form, the error shown as one
        text = said(session.language, error)
        return _unlock_page(request, session, error=text, status=status_for(error))
    except BearWitnessError as error:
        return error_response(request, session, error)
    return _unlocked(request, session, user.actor)


def _unlocked(request: Request, session: Session, actor: str) -> Response:
    """The answer to an unlock: at once, with the inbox being written in behind it."""
    batches = fold_after_unlock(request, actor)
    text = gettext(session.language, FOLDING) % {"n": batches} if batches else UNLOCKED
    return message(request, session, "Unlocked", text)


@router.post("/unlock/share")
async def unlock_share(
    request: Request, staff: Annotated[Staff, Depends(Needs("unlock"))]
) -> Response:
    session, user, form = staff
    keys = request.app.state.keys
    if not keys.locked:
        return redirect("/")
    try:
        have, need = await asyncio.to_thread(keys.add_share, user, _field(form, "share", 2000))
    except BearWitnessError as error:
        return error_response(request, session, error)
    if have < need:
        text = gettext(session.language, SHARES_IN) % {"have": have, "need": need}
        return message(request, session, "Share received", text)
    return _unlocked(request, session, user.actor)


@router.post("/lock")
async def lock(request: Request, staff: Annotated[Staff, Depends(Needs(None))]) -> Response:
    user = staff.user
    request.app.state.keys.lock(user.actor)
    return redirect("/")


@router.get("/inbox")
def inbox_page(request: Request, staff: Annotated[Staff, Depends(Needs("triage"))]) -> Response:
    session = staff.session
    keys = request.app.state.keys
    # The job's progress before the inbox folder: read the other way round, a write-in
    # that ended in between showed "finished" beside batches it had already written in.
    folding = fold_progress(request)
    waiting = inbox.pending(keys.archive)
    status = request.query_params.get("status", "")
    if status not in vocabulary.TRIAGE_STATUSES:
        status = ""
    names = triage_pages.staff_names(request)
    assignee = request.query_params.get("assignee", "")
    if assignee != "-" and assignee not in names:
        assignee = ""
    locked = keys.locked
    items = triage.items(
        keys.archive,
        status=None if locked else status or None,
        assignee=None if locked else assignee or None,
        limit=request.app.state.settings.page_size,
    )
    return page(
        request,
        "inbox.html",
        session,
        waiting=len(waiting),
        submissions=items,
        staff=names,
        chosen_status=status,
        assignee=assignee,
        fold=folding,
        refresh=folding is not None and not folding.finished,
    )


@router.post("/inbox/fold")
async def fold(request: Request, staff: Annotated[Staff, Depends(Needs("triage"))]) -> Response:
    session, user, _ = staff
    keys = request.app.state.keys
    try:
        keys.archive.require_secrets()
        start_fold(request, keys.for_user(user), user.actor, audited=True)
    except BearWitnessError as error:
        return error_response(request, session, error)
    return redirect("/inbox")


@router.get("/log")
def log_page(request: Request, staff: Annotated[Staff, Depends(Needs("log"))]) -> Response:
    session = staff.session
    archive = request.app.state.keys.archive
    summary = summarise(archive)
    signed = checkpoints.signed_checkpoints(archive)
    entries = audit.recent(archive.engine, limit=50)
    return page(
        request, "log.html", session, summary=summary, signed=signed, audit=entries, report=None
    )


@router.post("/log/verify")
async def verify(request: Request, staff: Annotated[Staff, Depends(Needs("log"))]) -> Response:
    session = staff.session
    archive = request.app.state.keys.archive
    report = await asyncio.to_thread(verification.verify_archive, archive)
    return page(
        request,
        "log.html",
        session,
        summary=summarise(archive),
        signed=checkpoints.signed_checkpoints(archive),
        audit=audit.recent(archive.engine, limit=50),
        report=report,
    )


@router.get("/users")
def users_page(request: Request, staff: Annotated[Staff, Depends(Needs("users"))]) -> Response:
    return _users(request, staff.session)


def _users(
    request: Request,
    session: Session,
    *,
    status: int = 200,
    created: tuple[str, str, str] | None = None,
    error: str = "",
    qr: str = "",
    reset: bool = False,
) -> Response:
    return page(
        request,
        "users.html",
        session,
        status=status,
        users=users.list_users(request.app.state.keys.archive.engine),
        roles=users.ROLES,
        guarded=users.GUARDED_ROLES,
        created=created,
        error=error,
        qr=qr,
        reset=reset,
    )


@router.post("/users")
async def add_user(
    request: Request, staff: Annotated[Staff, Depends(Needs("users", fields=20))]
) -> Response:
    session, user, form = staff
    keys = request.app.state.keys
    username = _field(form, "username", 64).strip().lower()
    roles = [str(role) for role in form.getlist("roles")]
    try:  # the rules of who grants what are the service's (users.check_grant)
        secret = await asyncio.to_thread(
            users.add_user,
            keys.for_user(user),
            username,
            _field(form, "password", 1000),
            roles,
            by=user,
            hasher=request.app.state.hasher,
        )
    except BearWitnessError as error:
        return _users(
            request, session, status=status_for(error), error=said(session.language, error)
        )
    from bearwitness.web.workbench.accounts import qr

    uri = users.provisioning_uri(username, secret)
    return _users(request, session, created=(username, secret, uri), qr=qr(username, secret))


@router.post("/users/{username}/{change}")
async def change_user(
    request: Request,
    username: str,
    change: str,
    staff: Annotated[Staff, Depends(Needs("users", fields=20))],
) -> Response:
    session, user, form = staff
    if change not in ("disable", "enable", "roles"):
        raise HTTPException(404, "There is no such page.")
    archive = request.app.state.keys.for_user(user)
    try:
        if change == "roles":
            users.set_roles(archive, username, [str(r) for r in form.getlist("roles")], by=user)
        else:
            users.set_disabled(archive, username, change == "disable", by=user)
    except BearWitnessError as error:
        return _users(
            request, session, status=status_for(error), error=said(session.language, error)
        )
    if change != "enable":
        request.app.state.sessions.drop_user(username)  # out at once, wherever they are
    return redirect("/users")
