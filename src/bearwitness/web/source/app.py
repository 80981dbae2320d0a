"""The anonymous source intake: a form at ``/``, a receipt code, and replies. No cookies.

This app holds the archive's public key and nothing that can decrypt: each
submission is sealed into the inbox as it arrives. It logs no addresses or
user agents (run it with uvicorn's access log off, as ``bearwitness
serve-intake`` does), sets no cookies, runs no scripts and loads nothing
from anywhere else. Its rate limit is global, so it needs to know nothing
about who is sending.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
import os
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import UploadFile
from starlette.responses import HTMLResponse, Response

from bearwitness.errors import ArchiveError, InputError, Phrase
from bearwitness.services import intake_web, media
from bearwitness.services.archive import Archive
from bearwitness.web.forms import read_form
from bearwitness.web.guard import INTAKE_CSP, Guard, RateLimit, Scope
from bearwitness.web.i18n import N_, choose
from bearwitness.web.rendering import STATIC, gettext, render
from bearwitness.web.routes import Public
from bearwitness.web.source.openrosa import openrosa_router

# Everything here is for anonymous sources: no route needs a permission. Nor CSRF: with
# no cookie or session there is nothing another site could make a browser use.
ANONYMOUS = [Depends(Public("the anonymous intake: sources never log in"))]


def sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


# Messages from the services that a source may see, marked for translation.
SHOWN_ERRORS = (
    N_("a file is of a type that is not accepted"),
    N_(
        "Send JPEG, PNG, GIF, WebP images; PDF; MP3, Ogg, FLAC, WAV audio; MP4 video; "
        "plain UTF-8 text."
    ),
    N_("an image could not be read (damaged, or too large)"),
    N_("Send it again as a JPEG, PNG, GIF or WebP image."),
    N_("Send a smaller copy of it: most phones can share a photo in a smaller size."),
    N_("too many images are being checked right now"),
    N_("Wait a minute, then send it again."),
    N_("a PDF file is damaged or incomplete"),
    N_("an Ogg audio file is damaged or incomplete"),
    N_("an MP3 audio file is damaged or incomplete"),
    N_("a FLAC audio file is damaged or incomplete"),
    N_("an MP4 video file is damaged or incomplete"),
    N_("an MP4 audio file is damaged or incomplete"),
    N_("a WAV audio file is damaged or incomplete"),
    N_("a HEIC photo is damaged or incomplete"),
    N_("Check that it opens on your device, then send it again."),
)
# What a source is told after a follow-up: the same whether the code was right or not.
FOLLOW_UP_RECEIVED = N_(
    "Thank you. What you added was encrypted and stored. The team reads it with what you "
    "sent before if the receipt code was right; this page looks the same either way, so "
    "that nobody can test codes here. Check for replies with the same code."
)
# ... and those with one of the intake's limits in them.
SHOWN_TEMPLATES = (N_("an image has more than %(mp)s megapixels"),)

logger = logging.getLogger(__name__)

# When the server fails a source (the inbox cannot be written, the database does not
# answer, a bug), whatever failed: the status and the page for what they were doing.
# The server's own words (a host, a path, a database) go only to the operator's log.
FAILED_PAGES: dict[str, tuple[int, str, str]] = {
    "submit": (
        503,
        N_("Not stored"),
        N_(
            "Your submission could not be stored right now. Nothing was kept. "
            "Please try again later."
        ),
    ),
    "replies": (
        503,
        N_("Not available"),
        N_("Replies cannot be read right now. Please try again later."),
    ),
    "page": (
        503,
        N_("Not available"),
        N_("This page cannot be shown right now. Please try again later."),
    ),
}


def failure_line(action: str, error: Exception) -> str:
    """One line for the operator: what failed and where, without anything a source sent
    (an unexpected error's own text might quote it, so only its type and place)."""
    if isinstance(error, ArchiveError):
        said = f"{error.message} {error.hint}".strip()
    elif isinstance(error, OSError):
        # The folder, not a batch's file: the folder is what the operator has to fix,
        # and a batch's name says in which month the submission came.
        where = str(error.filename) if error.filename else ""
        if where and os.path.basename(where).lstrip(".")[:1].isdigit():
            where = os.path.dirname(where)
        said = f"{type(error).__name__}: {error.strerror or 'failed'}" + (
            f" (in {where})" if where else ""
        )
    else:
        frames = traceback.extract_tb(error.__traceback__)[-1:]
        place = "".join(f" at {frame.filename}:{frame.lineno}" for frame in frames)
        said = f"unexpected {type(error).__name__}{place}"
    return f"intake {action} failed: {said}"


@dataclass(frozen=True)
class IntakeSettings:
    limits: intake_web.Limits = field(default_factory=intake_web.Limits)
    max_body: int = 110 * 1024 * 1024  # all files at their limit, and the form around them
    rate: float = 400.0  # submissions a second, for everyone together
    burst: int = 800
    # A body must arrive within body_seconds, plus a second for every body_rate bytes:
    # an honest upload over Tor gets the time it needs, a slow drip is cut off (408).
    body_seconds: float = 30.0
    body_rate: float = 32 * 1024
    fsync: bool = True
    fictional: bool = False  # mark every submission FICTIONAL (demo and tests)
    # OpenRosa (field devices): the largest submission, one POST, that is taken in; phones
    # split a larger one over several POSTs (web/source/openrosa.py).
    odk_max_body: int = 50 * 1024 * 1024
    # The address phones reach the intake at (an onion, or behind TLS), for the form URLs
    # in the form list; "" takes it from each request (its Host, and plain HTTP).
    public_url: str = ""


def create_intake_app(
    folder: Path,
    settings: IntakeSettings | None = None,
    *,
    clock: Callable[[], float] = time.monotonic,
) -> Guard:
    settings = settings or IntakeSettings()
    archive = Archive.open(folder, actor="U-intake")  # locked: it never gets secrets
    inbox = archive.inbox
    limiter = RateLimit(settings.rate, settings.burst, clock)
    limits = settings.limits
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None, dependencies=ANONYMOUS)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.state.public_routes = {"/static": "the form's style sheet"}

    def language(request: Request, chosen: object = None) -> str:
        requested = chosen if isinstance(chosen, str) else request.query_params.get("lang")
        return choose(requested, request.headers.get("accept-language"))

    numbers = {"mp": media.megapixels(limits.images.limits.max_pixels)}

    def shown(lang: str, text: Phrase) -> str:
        """A service's message in the source's language."""
        if text.values:
            return gettext(lang, text)
        for template in SHOWN_TEMPLATES:
            if text.template == template % numbers:
                return gettext(lang, template) % numbers
        return gettext(lang, text)

    def failed(
        action: str,
    ) -> Callable[
        [Callable[[Request], Awaitable[Response]]], Callable[[Request], Awaitable[Response]]
    ]:
        """A route whose failures get ``FAILED_PAGES[action]`` and one line in the log."""

        def wrap(
            route: Callable[[Request], Awaitable[Response]],
        ) -> Callable[[Request], Awaitable[Response]]:
            @functools.wraps(route)
            async def guarded(request: Request) -> Response:
                try:
                    return await route(request)
                except Exception as error:  # every failure gets the page, whatever it was
                    logger.error("%s", failure_line(action, error))
                    lang = getattr(request.state, "language", None) or language(request)
                    status, heading, text = FAILED_PAGES[action]
                    return render(
                        "intake/message.html",
                        lang,
                        status=status,
                        heading=gettext(lang, heading),
                        message=gettext(lang, text),
                    )

            return guarded

        return wrap

    def form_page(
        lang: str, *, error: str = "", form: dict[str, str] | None = None, status: int = 200
    ) -> HTMLResponse:
        return render(
            "intake/form.html",
            lang,
            status=status,
            error=error,
            limits=limits,
            form=form or {"text": "", "when": "", "place": ""},
        )

    @app.get("/", response_class=HTMLResponse)
    @failed("page")
    async def form(request: Request) -> Response:
        return form_page(language(request))

    @app.post("/submit", response_class=HTMLResponse)
    @failed("submit")
    async def submit(request: Request) -> Response:
        try:
            # Uploads stay in memory: a spooled temporary file would put plaintext on disk.
            data = await read_form(
                request, max_files=limits.max_files, max_fields=10, in_memory=settings.max_body
            )
        except Exception:  # malformed multipart, too many files or fields
            lang = language(request)
            return form_page(
                lang,
                status=400,
                error=gettext(lang, "The form could not be read. Send at most %(n)s files.")
                % {"n": limits.max_files},
            )
        lang = request.state.language = language(request, data.get("lang"))
        values = {name: str(data.get(name) or "") for name in ("text", "when", "place")}
        if not limiter.allow():
            return form_page(
                lang,
                status=429,
                form=values,
                error=gettext(
                    lang,
                    "Too many submissions are arriving right now. Please wait a minute and "
                    "send again.",
                ),
            )
        uploads = []
        for item in data.getlist("files"):
            if not isinstance(item, UploadFile) or not item.filename:
                continue  # an empty file input sends a nameless part
            content = await item.read(limits.max_file_bytes + 1)
            if len(content) > limits.max_file_bytes:
                return form_page(
                    lang,
                    status=413,
                    form=values,
                    error=gettext(lang, "A file is larger than %(mb)s MB.")
                    % {"mb": limits.max_file_bytes // 1048576},
                )
            uploads.append(intake_web.Upload(item.filename, content))
        submission = intake_web.Submission(
            values["text"], lang, values["when"], values["place"], uploads, settings.fictional
        )
        try:
            # The recipient is read per submission: after `keys rotate` new ones go to the
            # new key without a restart.
            _, code = await asyncio.to_thread(
                intake_web.submit_sealed,
                inbox,
                archive.recipient,
                submission,
                limits=limits,
                fsync=settings.fsync,
            )
        except InputError as error:
            return form_page(
                lang,
                status=400,
                form=values,
                error=sentence(shown(lang, error.phrases[0]))
                + ". "
                + shown(lang, error.phrases[1]),
            )
        return render("intake/receipt.html", lang, code=code)

    @app.get("/replies", response_class=HTMLResponse)
    @failed("page")
    async def replies_form(request: Request) -> Response:
        return render("intake/replies.html", language(request), replies=None, error="")

    @app.post("/replies", response_class=HTMLResponse)
    @failed("replies")
    async def replies(request: Request) -> Response:
        try:
            data = await request.form(max_files=0, max_fields=5)
        except Exception:  # malformed, or with files or too many fields
            return render(
                "intake/replies.html",
                language(request),
                status=400,
                replies=None,
                error=gettext(
                    language(request),
                    "That is not a receipt code. Type it exactly as it was shown.",
                ),
            )
        lang = request.state.language = language(request, data.get("lang"))
        if not limiter.allow():
            return render(
                "intake/replies.html",
                lang,
                status=429,
                replies=None,
                error=gettext(lang, "Too many requests. Please wait a minute."),
            )
        try:
            found = await asyncio.to_thread(
                intake_web.read_replies, archive.engine, str(data.get("code") or "")
            )
        except InputError:
            # A mistyped code gets the answer a right code with no replies gets: anything
            # else would let codes be tried until one answers differently.
            found = []
        return render("intake/replies.html", lang, replies=found, error="")

    @app.get("/follow-up", response_class=HTMLResponse)
    @failed("page")
    async def follow_up_form(request: Request) -> Response:
        return render("intake/follow_up.html", language(request), error="", text="")

    @app.post("/follow-up", response_class=HTMLResponse)
    @failed("submit")
    async def follow_up(request: Request) -> Response:
        try:
            data = await request.form(max_files=0, max_fields=5)
        except Exception:  # malformed, or with files or too many fields
            lang = language(request)
            return render(
                "intake/follow_up.html",
                lang,
                status=400,
                text="",
                error=gettext(lang, "The form could not be read. Send at most %(n)s files.")
                % {"n": 0},
            )
        lang = request.state.language = language(request, data.get("lang"))
        text = str(data.get("text") or "")
        if not limiter.allow():
            return render(
                "intake/follow_up.html",
                lang,
                status=429,
                text=text,
                error=gettext(
                    lang,
                    "Too many submissions are arriving right now. Please wait a minute and "
                    "send again.",
                ),
            )
        try:
            await asyncio.to_thread(
                intake_web.submit_follow_up,
                inbox,
                archive.recipient,
                str(data.get("code") or ""),
                text,
                language=lang,
                fictional=settings.fictional,
                fsync=settings.fsync,
            )
        except InputError as error:
            return render(
                "intake/follow_up.html",
                lang,
                status=400,
                text=text,
                error=sentence(shown(lang, error.phrases[0]))
                + ". "
                + shown(lang, error.phrases[1]),
            )
        return render(
            "intake/message.html",
            lang,
            heading=gettext(lang, "Received and encrypted"),
            message=gettext(lang, FOLLOW_UP_RECEIVED),
        )

    @app.exception_handler(404)
    async def not_found(request: Request, _: Exception) -> HTMLResponse:
        lang = language(request)
        return render(
            "intake/message.html",
            lang,
            status=404,
            heading=gettext(lang, "Not found"),
            message=gettext(lang, "There is no such page here."),
        )

    def refusal(heading: str, message: str) -> Callable[[Scope], bytes]:
        def page(scope: Scope) -> bytes:
            lang = "ru" if b"lang=ru" in scope.get("query_string", b"") else "en"
            return bytes(
                render(
                    "intake/message.html",
                    lang,
                    heading=gettext(lang, heading),
                    message=gettext(lang, message) % {"mb": settings.max_body // 1048576},
                ).body
            )

        return page

    app.include_router(
        openrosa_router(
            archive.folder,
            lambda: archive.recipient,
            max_body=min(settings.odk_max_body, settings.max_body),
            in_memory=settings.max_body,
            public_url=settings.public_url,
            fsync=settings.fsync,
            fictional=settings.fictional,
            allow=limiter.allow,
        )
    )
    app.state.archive = archive
    app.state.settings = dataclasses.replace(settings)
    return Guard(
        app,
        csp=INTAKE_CSP,
        max_body=settings.max_body,
        too_large=refusal(
            N_("Too large"),
            N_(
                "What you sent is larger than this site accepts (%(mb)s MB in all). "
                "Nothing was kept. Send fewer or smaller files."
            ),
        ),
        body_seconds=settings.body_seconds,
        body_rate=settings.body_rate,
        extra_headers=[(b"x-openrosa-version", b"1.0")],  # every answer, for OpenRosa clients
        too_slow=refusal(
            N_("Too slow"),
            N_(
                "What you sent arrived too slowly, and the connection was closed. "
                "Nothing was kept. Send it again, or send fewer or smaller files."
            ),
        ),
    )
