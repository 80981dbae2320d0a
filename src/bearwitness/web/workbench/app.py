"""The team's workbench: ``create_workbench_app(folder)`` gives the ASGI app.

Staff log in (argon2id password and TOTP), see whether the archive is locked,
unlock it together (a passphrase, or k custodians' shares from their own
sessions), triage the inbox, enter incidents, read and reveal records, and
verify the log. Every page works without JavaScript.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from argon2 import PasswordHasher
from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.responses import JSONResponse, Response

from bearwitness.errors import BearWitnessError, MissingExtra
from bearwitness.services.archive import Archive
from bearwitness.services.media import ImageWork
from bearwitness.services.users import UsedCodes, default_hasher
from bearwitness.web import labels
from bearwitness.web.guard import WORKBENCH_CSP, Guard, Scope
from bearwitness.web.i18n import N_
from bearwitness.web.rendering import STATIC, gettext, render
from bearwitness.web.workbench import (
    accounts,
    api,
    casework,
    claims,
    consents,
    dashboard,
    devices,
    editing,
    entry,
    estimates,
    exports,
    linkage,
    lists,
    pages,
    pickers,
    records,
    reports,
    transfer,
    triage,
)
from bearwitness.web.workbench.auth import NotLoggedIn, NotPermitted, current_session
from bearwitness.web.workbench.common import error_response, message, redirect
from bearwitness.web.workbench.jobs import Jobs
from bearwitness.web.workbench.state import (
    KeyHolder,
    LoginThrottle,
    SessionStore,
    WorkbenchSettings,
)

# What the pages' 404s say (raised as HTTPException(404, ...)), for the catalogue.
NOT_FOUND = (
    N_("There is no such page."),
    N_("There is no such list."),
    N_("There is no such record."),
    N_("There is no such evidence file."),
    N_("There is no such form."),
    N_("There is no such inbox item."),
    N_("There is no such chart."),
    N_("There is no such case."),
    N_("There is no such person."),
    N_("This preview is gone: make it again."),
    N_("This dossier is gone: build it again."),
)


def create_workbench_app(
    folder: Path,
    settings: WorkbenchSettings | None = None,
    *,
    archive: Archive | None = None,
    hasher: PasswordHasher | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Guard:
    """The workbench for the archive at ``folder`` (opened locked, unless ``archive`` is given)."""
    settings = settings or WorkbenchSettings()
    opened = archive or Archive.open(folder, actor="U-workbench")
    keys = KeyHolder(opened, settings, clock)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async def lock_when_idle() -> None:  # locks even if nobody comes back
            while True:
                await asyncio.sleep(min(15.0, settings.idle_lock_seconds / 4))
                await asyncio.to_thread(keys.check_idle)

        task = asyncio.create_task(lock_when_idle())
        try:
            yield
        finally:
            task.cancel()

    app = FastAPI(
        title="BearWitness workbench API",
        version="1",
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
        description=(api.__doc__ or "").strip(),
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.keys = keys
    app.state.sessions = SessionStore(settings, clock)
    keys.on_lock.append(app.state.sessions.forget_reveals)  # a new unlock reveals anew
    app.state.used_codes = UsedCodes()  # TOTP steps accepted, in this process's memory
    app.state.throttle = LoginThrottle(settings, clock)
    app.state.jobs = Jobs(clock)
    app.state.transfer = transfer.Held(clock)  # sheets to import, exports to download
    keys.on_lock.append(app.state.transfer.forget)  # plaintext: gone at a lock
    app.state.hasher = hasher or default_hasher()
    app.state.images = ImageWork(settings.images)  # one pool: its limit holds across requests
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    # Routes the framework makes, and why anyone may open them (see web/routes.py).
    app.state.public_routes = {
        "/static": "the pages' own style sheet and script",
        "/api/openapi.json": "the API's description, for scripts",
    }
    for router in (
        pages.router,
        dashboard.router,
        lists.router,
        records.router,
        editing.router,
        entry.router,
        triage.router,
        claims.router,
        casework.router,
        consents.router,
        linkage.router,
        estimates.router,
        reports.router,
        devices.router,
        api.router,
        pickers.router,
        accounts.router,
        transfer.router,
        exports.router,
    ):
        app.include_router(router)

    @app.exception_handler(NotLoggedIn)
    async def not_logged_in(request: Request, _: Exception) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse(
                {
                    "error": "not_logged_in",
                    "message": "Log in first.",
                    "hint": "POST /api/v1/session, then send the token.",
                },
                status_code=401,
            )
        return redirect("/login")

    @app.exception_handler(BearWitnessError)
    async def bearwitness_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, BearWitnessError)
        return error_response(request, current_session(request), error)

    @app.exception_handler(ImportError)
    async def missing_extra(request: Request, error: Exception) -> Response:
        # The linkage and estimate pages, on an installation without the analysis extra.
        assert isinstance(error, ImportError)
        missing = MissingExtra.of(error)
        if missing is None:
            raise error
        return error_response(request, current_session(request), missing)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        if request.url.path.startswith("/api/"):
            return JSONResponse(
                {"error": "http", "message": str(error.detail), "hint": ""},
                status_code=error.status_code,
            )
        refused = N_("Not allowed")
        headings = {403: refused, 404: N_("Not found"), 405: refused, 429: N_("Wait")}
        session = current_session(request)
        text = str(error.detail)
        if isinstance(error, NotPermitted):
            language = session.language if session is not None else "en"
            what = labels.shown(labels.PERMISSIONS, error.permission, language)
            text = gettext(language, "Your role does not allow this: %(what)s.") % {"what": what}
        return message(
            request,
            session,
            headings.get(error.status_code, "That did not work"),
            text,
            status=error.status_code,
        )

    @app.exception_handler(404)
    async def not_found(request: Request, error: Exception) -> Response:
        if isinstance(error, HTTPException) and error.detail != "Not Found":
            return await http_error(request, error)
        return await http_error(request, HTTPException(404, "There is no such page."))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: Exception) -> Response:
        assert isinstance(error, RequestValidationError)
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()[:5]
        )
        if request.url.path.startswith("/api/"):
            return JSONResponse(
                {"error": "bad_input", "message": problems, "hint": "See /api/openapi.json."},
                status_code=400,
            )
        return message(request, current_session(request), "That did not work", problems, status=400)

    def refusal(heading: str, text: str) -> Callable[[Scope], bytes]:
        return lambda _: bytes(
            render(
                "workbench/message.html",
                "en",
                heading=heading,
                user=None,
                csrf="",
                can={},
                locked=True,
                hint="",
                text=text,
            ).body
        )

    return Guard(
        app,
        csp=WORKBENCH_CSP,
        max_body=settings.max_body,
        too_large=refusal(
            "Too large",
            f"What you sent is larger than {settings.max_body // 1048576} MB. Nothing was kept.",
        ),
        body_seconds=settings.body_seconds,
        body_rate=settings.body_rate,
        reads_at_once=settings.reads_at_once,
        too_slow=refusal(
            "Too slow",
            "What you sent arrived too slowly, and the "
            "connection was closed. Nothing was kept. Send it again.",
        ),
    )
