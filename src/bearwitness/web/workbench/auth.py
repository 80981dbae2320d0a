"""Who may do what, checked on the server for every request; and CSRF on every form.

One table maps each permission to the roles that hold it. Every page and API
route declares the permission it needs as a dependency, ``Needs("view")``, or
says why it is public (:class:`~bearwitness.web.routes.Public`); nothing else
decides, and ``tests/web/test_routes.py`` fails on a route that does neither.
The same dependency checks CSRF on every request that can change something
(anything but GET, HEAD and OPTIONS), so no handler can forget it: the form's
token and the request's origin. A request that carries its session as a bearer
token (the API) is exempt: a browser never sends that header by itself, so
another site cannot make it send one, which is all CSRF is about.
"""

from __future__ import annotations

import asyncio
import hmac
import time
from typing import NamedTuple
from urllib.parse import urlsplit

from fastapi import HTTPException, Request
from starlette.datastructures import FormData

from bearwitness.services import users
from bearwitness.services.users import User
from bearwitness.web.forms import read_form
from bearwitness.web.i18n import LANGUAGES
from bearwitness.web.routes import Public
from bearwitness.web.workbench.state import Session

PERMISSIONS: dict[str, frozenset[str]] = {
    "view": frozenset({"documenter", "analyst"}),  # lists and clear fields
    "write": frozenset({"documenter"}),  # add and change records, evidence
    "reveal": frozenset({"documenter", "analyst"}),  # open sealed fields and files
    # Take sealed fields out of the archive, in a list's export or the whole archive's: a
    # decision of its own, for the role that keeps the casework (analysts export clear fields)
    "export": frozenset({"documenter"}),
    "search": frozenset({"documenter", "analyst"}),
    "triage": frozenset({"documenter"}),  # the inbox, replies to sources
    "analyse": frozenset({"analyst"}),  # linkage review, estimates
    "unlock": frozenset({"custodian"}),
    "log": frozenset({"auditor", "analyst", "admin"}),  # the log and its verification
    "users": frozenset({"admin"}),
    "devices": frozenset({"admin"}),  # field devices and the archive's own XLSForms
}
COOKIE_SECURE = "__Host-bw-session"
COOKIE_PLAIN = "bw-session"
DEVICE_SECURE = "__Host-bw-device"  # marks a browser that logged in before (login throttling)
DEVICE_PLAIN = "bw-device"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})  # change nothing: no CSRF check
LOGIN_REASON = "the login page: where staff who are not logged in start"


class NotLoggedIn(Exception):
    """Raised for a page that needs a login: answered with a redirect, or 401 on the API."""


class TooManyLogins(Exception):
    """Raised by :func:`log_in` when the attempt's keys have used up their window (429)."""


def allowed(user: User | None, permission: str) -> bool:
    return user is not None and bool(user.roles & PERMISSIONS[permission])


def cookie_name(request: Request) -> str:
    return COOKIE_SECURE if request.app.state.settings.secure_cookies else COOKIE_PLAIN


def device_cookie_name(request: Request) -> str:
    return DEVICE_SECURE if request.app.state.settings.secure_cookies else DEVICE_PLAIN


def bearer(request: Request) -> bool:
    """Whether the request names its session in an ``Authorization: Bearer`` header."""
    return request.headers.get("authorization", "").lower().startswith("bearer ")


def current_session(request: Request) -> Session | None:
    store = request.app.state.sessions
    if bearer(request):
        session: Session | None = store.get(request.headers["authorization"][7:].strip())
    else:
        session = store.get(request.cookies.get(cookie_name(request)))
    return session


async def log_in(request: Request, username: str, password: str, code: str) -> User:
    """Check a login under the throttle: the one rule for the login page and the API.

    The attempt is counted before its password is checked, so attempts arriving
    together cannot all pass a check made before any of them failed. A wrong login
    raises :class:`users.LoginFailed` (its attempt stays counted), too many
    :class:`TooManyLogins`, whatever the password.
    """
    state = request.app.state
    keys = state.throttle.keys_for(
        username,
        request.client.host if request.client else None,
        request.cookies.get(device_cookie_name(request)),
    )
    if not state.throttle.reserve(*keys):
        raise TooManyLogins()
    user: User = await asyncio.to_thread(
        users.authenticate,
        state.keys.archive.engine,
        username,
        password,
        code,
        now=time.time(),
        hasher=state.hasher,
        used=state.used_codes,
    )
    state.throttle.succeeded(*keys)
    return user


def require_user(request: Request) -> tuple[Session, User]:
    session = current_session(request)
    if session is None or session.user is None:
        raise NotLoggedIn()
    chosen = request.query_params.get("lang")
    if chosen in LANGUAGES:  # any page can switch the interface language
        session.language = chosen
    request.app.state.keys.touch()
    return session, session.user


class NotPermitted(HTTPException):
    """A role without ``permission`` asked for what needs it (403; the page names what the
    permission is for, in the reader's language)."""

    def __init__(self, permission: str) -> None:
        super().__init__(403, f"Your role does not allow this ({permission}).")
        self.permission = permission


def require(request: Request, permission: str) -> tuple[Session, User]:
    session, user = require_user(request)
    if not allowed(user, permission):
        raise NotPermitted(permission)
    return session, user


class Staff(NamedTuple):
    """Who is asking, and the form they sent (empty for a request that sends none)."""

    session: Session
    user: User
    form: FormData


class Needs:
    """A route's permission, as a FastAPI dependency giving :class:`Staff`.

    ``Needs("view")`` lets in a user whose roles hold ``view``, ``Needs(None)`` any
    logged-in user. For a request that can change something, it reads the form within
    ``files`` and ``fields`` and checks its CSRF token and origin (see the module).
    """

    def __init__(self, permission: str | None, *, files: int = 0, fields: int = 5) -> None:
        if permission is not None and permission not in PERMISSIONS:
            raise ValueError(f"no such permission: {permission}")
        self.permission, self.files, self.fields = permission, files, fields

    async def __call__(self, request: Request) -> Staff:
        if self.permission is None:
            session, user = require_user(request)
        else:
            session, user = require(request, self.permission)
        form = FormData()
        if request.method not in SAFE_METHODS and not bearer(request):
            form = await check_csrf(request, session, files=self.files, fields=self.fields)
        return Staff(session, user, form)


class LoginForm(Public):
    """The login form: public, with CSRF checked against the session its page began."""

    def __init__(self, *, fields: int) -> None:
        super().__init__(LOGIN_REASON)
        self.fields = fields

    async def __call__(self, request: Request) -> tuple[Session, FormData]:
        session = current_session(request)
        if session is None:  # no pre-login session: its CSRF token cannot have been issued
            raise HTTPException(403, "The form had expired. Reload the login page and try again.")
        form = FormData()
        if request.method not in SAFE_METHODS:
            form = await check_csrf(request, session, files=0, fields=self.fields)
        return session, form


async def check_csrf(request: Request, session: Session, *, files: int, fields: int) -> FormData:
    """The form's token must be this session's, and the request must come from this site.

    Returns the form, read within ``files`` and ``fields`` (uploads in memory).
    """
    origin = request.headers.get("origin") or request.headers.get("referer")
    if origin and origin != "null":
        host = urlsplit(origin).netloc
        if host and host != request.headers.get("host"):
            raise HTTPException(403, "This form was sent from another site. Nothing was done.")
    form = await read_form(
        request, max_files=files, max_fields=fields, in_memory=request.app.state.settings.max_body
    )
    sent = form.get("csrf")
    if not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), session.csrf.encode()):
        raise HTTPException(
            403,
            "The form had expired or was not sent from this site. "
            "Nothing was done: go back, reload the page and try again.",
        )
    return form
