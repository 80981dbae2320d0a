"""What every workbench page shares: rendering with the session's context, errors to statuses."""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from bearwitness.domain import counts
from bearwitness.errors import (
    ArchiveError,
    BackupDamaged,
    BackupError,
    BearWitnessError,
    CaseChanged,
    ConsentRefused,
    EditConflict,
    EstimationError,
    FieldsRejected,
    IdTaken,
    ImportRejected,
    InputError,
    LinkageError,
    LockedError,
    MissingExtra,
    NotFound,
    Phrase,
    PublicationRefused,
    RollbackRefused,
    SheetRejected,
    StorageError,
    SubmissionConflict,
    TamperedError,
    UnlockError,
    VerificationError,
)
from bearwitness.services.users import GrantRefused, LoginFailed
from bearwitness.web.i18n import N_
from bearwitness.web.rendering import gettext, render, said_after
from bearwitness.web.workbench.auth import PERMISSIONS, allowed
from bearwitness.web.workbench.state import Session

logger = logging.getLogger(__name__)
UNAVAILABLE = N_("The workbench cannot answer right now")
TRY_LATER = N_("Try again later.")
# What a visitor who is not logged in is told of: what they typed was wrong.
SHOWN_TO_VISITORS = (InputError, LoginFailed)

# One table: which error is answered with which HTTP status (tests/web/test_routes.py
# fails on an error class without its entry).
STATUSES: dict[type[BearWitnessError], int] = {
    GrantRefused: 403,
    ImportRejected: 400,
    SheetRejected: 400,
    InputError: 400,
    SubmissionConflict: 409,
    NotFound: 404,
    LockedError: 409,
    IdTaken: 409,  # another save took an id the rows give themselves first
    UnlockError: 403,
    LoginFailed: 401,
    TamperedError: 500,
    VerificationError: 500,  # the archive's own log failed its check, not the request
    ArchiveError: 500,
    LinkageError: 422,  # a well-formed request the data cannot answer
    EstimationError: 422,
    RollbackRefused: 409,  # a restore refused: only the command line restores
    BackupError: 500,
    BackupDamaged: 500,
    MissingExtra: 501,  # this installation has no analysis extra: the server cannot do it
    PublicationRefused: 422,  # the report would have shown a sealed value
    ConsentRefused: 403,  # consent does not cover what the data was to be used for
    StorageError: 507,  # the disk is full or read-only: nothing was half-written
    FieldsRejected: 400,
    EditConflict: 409,  # another save replaced the version the edit was made on
    CaseChanged: 409,  # someone else changed the submission or case meanwhile
}

NOTHING_THERE = N_("There is nothing here by that name or id.")


def status_for(error: BearWitnessError) -> int:
    for kind in type(error).__mro__:
        if kind in STATUSES:
            return STATUSES[kind]
    return 400


def sentence(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def _begun(text: str | Phrase, words: str) -> str:
    """``words`` (``text`` said) as a sentence begins: capitalised, unless ``text`` begins
    with a value ("survey.xlsx: …", "pasted.txt is empty"), which keeps how it is written."""
    if isinstance(text, Phrase):
        first = re.match(r"%\((\w+)\)s", text.template)
        if first is not None and not isinstance(text.values.get(first[1]), Phrase):
            return words
    return sentence(words)


def opening(language: str, text: str | Phrase) -> str:
    """``text`` in ``language``, as a sentence begins."""
    return _begun(text, gettext(language, text))


def said(language: str, error: BearWitnessError) -> str:
    """``error``'s message and hint in ``language``: a sentence, then what to do."""
    return _begun(error.phrases[0], said_after(language, error))


def field_problems(language: str, error: FieldsRejected) -> dict[str, str]:
    """What ``error`` says of each field, in ``language``, for a form to show beside it."""
    return {name: gettext(language, problem) for name, problem in error.problem_phrases.items()}


def whole_number(text: object, *, what: str | Phrase, at_most: int, hint: str | Phrase = "") -> int:
    """``text`` as a number from 0 to ``at_most``; InputError else.

    The domain's rule for whole numbers (ASCII digits, bounded before ``int`` reads
    them): ``str.isdigit`` accepts "²" and "٣", and ``int`` refuses 5,000 digits, and
    either would end as a 500 rather than an answer.
    """
    try:
        number = counts.whole_number(text) if isinstance(text, str) else None
    except InputError:  # beyond any whole number the archive keeps
        number = None
    if number is None or number > at_most:
        raise InputError(
            Phrase("%(what)s is a whole number from 0 to %(most)s", what=what, most=at_most),
            hint=hint,
        )
    return number


def page(
    request: Request, template: str, session: Session | None, *, status: int = 200, **context: Any
) -> HTMLResponse:
    language = session.language if session is not None else "en"
    user = session.user if session is not None else None
    keys = request.app.state.keys
    return render(
        f"workbench/{template}",
        language,
        status=status,
        user=user,
        csrf=session.csrf if session is not None else "",
        locked=keys.locked,
        can={name: allowed(user, name) for name in PERMISSIONS},
        **context,
    )


def message(
    request: Request,
    session: Session | None,
    heading: str,
    text: str | Phrase,
    *,
    status: int = 200,
    hint: str | Phrase = "",
) -> HTMLResponse:
    language = session.language if session is not None else "en"
    return page(
        request,
        "message.html",
        session,
        status=status,
        heading=gettext(language, heading),
        text=opening(language, text),
        hint=gettext(language, hint) if hint else "",
    )


def error_response(request: Request, session: Session | None, error: BearWitnessError) -> Response:
    """``error`` as a page or JSON. Staff who are logged in read its message; anyone else
    reads it only for an input error about what they sent. Other messages can name the
    server (a database's host, port, name and user), so a visitor gets a generic answer
    and the operator's log gets the message, in one line."""
    status = status_for(error)
    api = request.url.path.startswith("/api/")
    if (session is None or session.user is None) and not isinstance(error, SHOWN_TO_VISITORS):
        route = request.scope.get("route")  # the route's pattern: no ids from the path
        logger.error(
            "not shown to a visitor who is not logged in (%s %s): %s: %s",
            request.method,
            getattr(route, "path", "?"),
            type(error).__name__,
            error.diagnostics().replace("\n", " "),
        )
        if api:
            return JSONResponse(
                {"error": "unavailable", "message": f"{UNAVAILABLE}.", "hint": TRY_LATER},
                status_code=status,
            )
        return message(
            request, session, "That did not work", UNAVAILABLE, status=status, hint=TRY_LATER
        )
    if api:
        return JSONResponse(
            {"error": error.code, "message": error.message, "hint": error.hint}, status_code=status
        )
    language = session.language if session is not None else "en"
    if isinstance(error, NotFound) and language != "en":
        # Its message names what was asked for (an id, a file name): a page in another
        # language says it where the catalogue has its words, else so in its own words.
        said, hint = error.phrases
        known = gettext(language, said.template) != said.template
        return message(
            request,
            session,
            "Not found",
            said if known else NOTHING_THERE,
            status=status,
            hint=hint if hint and gettext(language, hint.template) != hint.template else "",
        )
    said, hint = error.phrases
    return message(request, session, "That did not work", said, status=status, hint=hint)


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)
